import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AuthDeps } from '../../auth/deps.js';
import { resolveRedirect } from '../../auth/redirect.js';
import { verify, verifyTypes, type VerifyRequestType } from '../../auth/verify.js';
import { FoyerError, isFoyerError } from '../../errors.js';
import { requireJsonBody } from '../body.js';
import { rateLimitGuard } from '../plugins/rate-limit.js';
import { errorRedirect, fragmentRedirect } from '../../auth/redirect-url.js';
import { requestMeta } from '../request-meta.js';
import { Maybe, MetaSecurity, NameText, sessionResponse, UrlText } from '../schemas.js';

const VerifyType = Type.Union(verifyTypes.map((type) => Type.Literal(type)));

const VerifyBody = Type.Object({
  type: VerifyType,
  token: Maybe(Type.String({ maxLength: 512 })),
  token_hash: Maybe(Type.String({ maxLength: 512 })),
  email: Maybe(Type.String()),
  phone: Maybe(Type.String()),
  redirect_to: Maybe(UrlText),
  gotrue_meta_security: MetaSecurity,
});

const VerifyQuery = Type.Object({
  token: Type.Optional(Type.String({ maxLength: 512 })),
  type: Type.Optional(NameText),
  redirect_to: Type.Optional(UrlText),
});

/** POST answers a session, or `{msg}` for the first half of a two-address email change. */
const verifyResponse = {
  type: 'object',
  properties: { ...sessionResponse.properties, msg: { type: 'string' } },
} as const;

export function verifyRoutes(app: FastifyInstance, deps: AuthDeps): void {
  app.post<{ Body: Static<typeof VerifyBody> }>(
    '/verify',
    // GoTrue's Verify limiter (per client IP) comes first, on both methods.
    {
      preValidation: [rateLimitGuard(deps, 'verify', 'POST /verify'), requireJsonBody],
      schema: { summary: 'Verify a mailed code or token hash: answers a session', body: VerifyBody, response: { 200: verifyResponse } },
    },
    async (request) => {
      const body = request.body;
      const result = await verify(
        deps,
        {
          type: body.type,
          tokenHash: body.token_hash ?? undefined,
          token: body.token ?? undefined,
          email: body.email ?? undefined,
          phone: body.phone ?? undefined,
          bodyHasRedirectTo: Boolean(body.redirect_to),
        },
        requestMeta(request),
      );
      if (result.kind === 'session') return result.session;
      if (result.kind === 'message') return { msg: result.message };
      throw new FoyerError('validation_failed', 'A PKCE token can only be verified by following its link');
    },
  );

  // The link in the mail: always a 303 back to the app, with the session (or the error) in the URL.
  const linkSchema = { summary: 'Follow a mailed link: 303 to redirect_to with the session (or the error) in the URL', querystring: VerifyQuery };
  app.get<{ Querystring: Static<typeof VerifyQuery> }>('/verify', { preValidation: rateLimitGuard(deps, 'verify', 'GET /verify'), schema: linkSchema }, async (request, reply) => {
    const target = resolveRedirect(deps.config, request.query.redirect_to);
    const type = request.query.type as VerifyRequestType | undefined;
    try {
      if (!type || !(verifyTypes as readonly string[]).includes(type)) {
        throw new FoyerError('validation_failed', 'Verify requires a verification type');
      }
      if (!request.query.token) throw new FoyerError('validation_failed', 'Verify requires a token or a token hash');
      const result = await verify(deps, { type, tokenHash: request.query.token }, requestMeta(request), { answerPkceWithCode: true });
      if (result.kind === 'message') return reply.redirect(fragmentRedirect(target, { message: result.message }), 303);
      if (result.kind === 'code') {
        const withCode = new URL(target);
        withCode.searchParams.set('code', result.authCode);
        return reply.redirect(withCode.toString(), 303);
      }
      const { session } = result;
      return reply.redirect(
        fragmentRedirect(target, {
          access_token: session.access_token,
          expires_at: session.expires_at,
          expires_in: session.expires_in,
          refresh_token: session.refresh_token,
          token_type: 'bearer',
          type,
        }),
        303,
      );
    } catch (error) {
      if (!isFoyerError(error)) throw error;
      return reply.redirect(errorRedirect(target, error), 303);
    }
  });
}
