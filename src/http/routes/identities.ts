/** GET /user/identities/authorize (start linking a provider) and DELETE /user/identities/{identity_id}. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticateUser, type Caller } from '../../auth/authenticate.js';
import type { AuthDeps } from '../../auth/deps.js';
import { assertManualLinkingEnabled, unlinkIdentity } from '../../auth/identities.js';
import { passThroughParams, startAuthorization } from '../../auth/oauth/flow.js';
import { requestMeta } from '../request-meta.js';

const AuthorizeQuery = {
  type: 'object',
  properties: {
    provider: { type: 'string' },
    redirect_to: { type: 'string' },
    scopes: { type: 'string' },
    code_challenge: { type: 'string' },
    code_challenge_method: { type: 'string' },
    skip_http_redirect: { type: 'string' },
  },
  additionalProperties: true,
} as const;

interface AuthorizeQuery {
  provider?: string;
  redirect_to?: string;
  scopes?: string;
  code_challenge?: string;
  code_challenge_method?: string;
  skip_http_redirect?: string;
  [key: string]: unknown;
}

export function identityRoutes(app: FastifyInstance, deps: AuthDeps): void {
  // GoTrue's order: authentication, then the manual-linking gate, then the request itself.
  const callers = new WeakMap<FastifyRequest, Caller>();
  const authenticate = async (request: FastifyRequest) => {
    callers.set(request, await authenticateUser(deps, request.headers.authorization));
    assertManualLinkingEnabled(deps);
  };
  const callerOf = (request: FastifyRequest): Caller => callers.get(request) as Caller;

  app.get<{ Querystring: AuthorizeQuery }>(
    '/user/identities/authorize',
    { preValidation: authenticate, schema: { querystring: AuthorizeQuery } },
    async (request, reply) => {
      const query = request.query;
      const url = await startAuthorization(deps, {
        provider: query.provider,
        redirectTo: query.redirect_to,
        scopes: query.scopes,
        codeChallenge: query.code_challenge,
        codeChallengeMethod: query.code_challenge_method,
        extraParams: passThroughParams(query),
        linkingTargetId: callerOf(request).user.id,
      });
      if (query.skip_http_redirect === 'true') return { url };
      return reply.redirect(url, 302);
    },
  );

  app.delete<{ Params: { identity_id: string } }>(
    '/user/identities/:identity_id',
    { preValidation: authenticate },
    async (request) => {
      const aud = request.headers['x-jwt-aud'];
      await unlinkIdentity(deps, callerOf(request), request.params.identity_id, typeof aud === 'string' ? aud : undefined, requestMeta(request));
      return {};
    },
  );
}
