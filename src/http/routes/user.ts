import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AuthDeps } from '../../auth/deps.js';
import { toPublicUser } from '../../auth/user-view.js';
import { parsePkceChallenge } from '../../auth/mail-links.js';
import { logout, updateUser } from '../../auth/users.js';
import { requireJsonBody } from '../body.js';
import { userAuthentication } from '../caller.js';
import { rateLimitGuard } from '../plugins/rate-limit.js';
import { requestMeta } from '../request-meta.js';
import { JsonObject, Maybe, NameText, RedirectQuery, userResponse } from '../schemas.js';

const UpdateUserBody = Type.Object({
  email: Maybe(Type.String()),
  phone: Maybe(Type.String()),
  password: Maybe(Type.String()),
  current_password: Maybe(Type.String()),
  nonce: Maybe(Type.String()),
  data: Maybe(JsonObject),
  app_metadata: Maybe(JsonObject),
  channel: Maybe(NameText),
  code_challenge: Maybe(Type.String()),
  code_challenge_method: Maybe(NameText),
});
type UpdateUserBody = Static<typeof UpdateUserBody>;

const LogoutQuery = Type.Object({ scope: Type.Optional(Type.Union([Type.Literal('global'), Type.Literal('local'), Type.Literal('others')])) });

export function userRoutes(app: FastifyInstance, deps: AuthDeps): void {
  // Authentication runs before the body is looked at, as in GoTrue's middleware chain.
  const { authenticate, callerOf } = userAuthentication(deps);

  app.get('/user', { preValidation: authenticate, schema: { summary: 'The signed-in user', response: { 200: userResponse } } }, async (request) =>
    toPublicUser(callerOf(request).user),
  );

  app.put<{ Body: UpdateUserBody; Querystring: Static<typeof RedirectQuery> }>(
    '/user',
    {
      // GoTrue limits PUT /user per client with GOTRUE_RATE_LIMIT_OTP, after authentication: it bounds
      // guesses at a reauthentication nonce, among other things.
      preValidation: [authenticate, rateLimitGuard(deps, 'otp', 'PUT /user'), requireJsonBody],
      schema: {
        summary: 'Update the signed-in user: email, phone, password, metadata (a new address or number is confirmed by a code)',
        querystring: RedirectQuery,
        body: UpdateUserBody,
        response: { 200: userResponse },
      },
    },
    async (request) => {
      const body = request.body;
      return updateUser(
        deps,
        callerOf(request),
        {
          email: body.email ?? undefined,
          phone: body.phone ?? undefined,
          channel: body.channel ?? undefined,
          password: body.password ?? undefined,
          currentPassword: body.current_password ?? undefined,
          nonce: body.nonce ?? undefined,
          data: body.data ?? undefined,
          app_metadata: body.app_metadata ?? undefined,
          redirectTo: request.query.redirect_to,
          pkce: parsePkceChallenge(body.code_challenge, body.code_challenge_method),
        },
        requestMeta(request),
      );
    },
  );

  app.post<{ Querystring: Static<typeof LogoutQuery> }>(
    '/logout',
    { preValidation: authenticate, schema: { summary: 'Sign out: this session, all (global) or the others', querystring: LogoutQuery } },
    async (request, reply) => {
    await logout(deps, callerOf(request), request.query.scope ?? 'global', requestMeta(request));
    return reply.code(204).send();
    },
  );
}
