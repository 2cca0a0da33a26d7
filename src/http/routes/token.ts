import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AuthDeps } from '../../auth/deps.js';
import { passwordGrant } from '../../auth/password-grant.js';
import { refreshTokenGrant } from '../../auth/refresh.js';
import { FoyerError } from '../../errors.js';
import { requireJsonBody } from '../body.js';
import { requestMeta } from '../request-meta.js';
import { Maybe, MetaSecurity, sessionResponse } from '../schemas.js';

const TokenBody = Type.Object({
  refresh_token: Maybe(Type.String()),
  email: Maybe(Type.String()),
  phone: Maybe(Type.String()),
  password: Maybe(Type.String()),
  gotrue_meta_security: MetaSecurity,
});
type TokenBody = Static<typeof TokenBody>;

const TokenQuery = Type.Object({ grant_type: Type.Optional(Type.String()) });

export function tokenRoutes(app: FastifyInstance, deps: AuthDeps): void {
  app.post<{ Body: TokenBody; Querystring: Static<typeof TokenQuery> }>(
    '/token',
    { preValidation: requireJsonBody, schema: { querystring: TokenQuery, body: TokenBody, response: { 200: sessionResponse } } },
    async (request) => {
      const body = request.body;
      const meta = requestMeta(request);
      switch (request.query.grant_type) {
        case 'refresh_token':
          if (!body.refresh_token) throw new FoyerError('validation_failed', 'refresh_token required');
          return refreshTokenGrant(deps, body.refresh_token, meta);
        case 'password':
          return passwordGrant(
            deps,
            { email: body.email ?? undefined, phone: body.phone ?? undefined, password: body.password ?? undefined },
            meta,
          );
        default:
          throw new FoyerError('invalid_credentials', 'unsupported_grant_type');
      }
    },
  );
}
