/** GET /user/identities/authorize (start linking a provider) and DELETE /user/identities/{identity_id}. */
import type { FastifyInstance } from 'fastify';
import type { AuthDeps } from '../../auth/deps.js';
import { assertManualLinkingEnabled, unlinkIdentity } from '../../auth/identities.js';
import { userAuthentication } from '../caller.js';
import { requestMeta } from '../request-meta.js';
import { authorizationUrl, AuthorizeQuerySchema, type AuthorizeQuery } from './oauth.js';

export function identityRoutes(app: FastifyInstance, deps: AuthDeps): void {
  // GoTrue's order: authentication, then the manual-linking gate, then the request itself.
  const { authenticate, callerOf } = userAuthentication(deps, () => assertManualLinkingEnabled(deps));

  app.get<{ Querystring: AuthorizeQuery }>(
    '/user/identities/authorize',
    {
      preValidation: authenticate,
      schema: { summary: 'Start linking a provider to the signed-in user: 302 to the provider (or {url})', querystring: AuthorizeQuerySchema },
    },
    async (request, reply) => {
      const url = await authorizationUrl(deps, request.query, callerOf(request).user.id);
      if (request.query.skip_http_redirect === 'true') return { url };
      return reply.redirect(url, 302);
    },
  );

  app.delete<{ Params: { identity_id: string } }>(
    '/user/identities/:identity_id',
    { preValidation: authenticate, schema: { summary: "Unlink one of the signed-in user's identities" } },
    async (request) => {
      const aud = request.headers['x-jwt-aud'];
      await unlinkIdentity(deps, callerOf(request), request.params.identity_id, typeof aud === 'string' ? aud : undefined, requestMeta(request));
      return {};
    },
  );
}
