/**
 * GoTrue's admin factor routes (supabase-js `auth.admin.mfa.*`): GET /admin/users/{id}/factors,
 * PUT and DELETE /admin/users/{id}/factors/{factor_id}. A JWT whose role is in GOTRUE_JWT_ADMIN_ROLES.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { authenticateAdmin } from '../../auth/authenticate.js';
import { adminGuard } from '../caller.js';
import type { AuthDeps } from '../../auth/deps.js';
import { adminDeleteFactor, adminListFactors, adminUpdateFactor } from '../../auth/mfa/admin-factors.js';
import { requireJsonBody } from '../body.js';
import { requestMeta } from '../request-meta.js';
import { factorResponse, Maybe } from '../schemas.js';

const UserParams = Type.Object({ id: Type.String() });
const FactorParams = Type.Object({ id: Type.String(), factor_id: Type.String() });
const UpdateBody = Type.Object({ friendly_name: Maybe(Type.String()), phone: Maybe(Type.String()) });

export function adminFactorRoutes(app: FastifyInstance, deps: AuthDeps): void {
  const requireAdmin = adminGuard(deps);

  app.get<{ Params: Static<typeof UserParams> }>(
    '/admin/users/:id/factors',
    { onRequest: requireAdmin, schema: { params: UserParams, response: { 200: { type: 'array', items: factorResponse } } } },
    async (request) => adminListFactors(deps, request.params.id),
  );

  app.put<{ Params: Static<typeof FactorParams>; Body: Static<typeof UpdateBody> }>(
    '/admin/users/:id/factors/:factor_id',
    { onRequest: requireAdmin, preValidation: requireJsonBody, schema: { params: FactorParams, body: UpdateBody, response: { 200: factorResponse } } },
    async (request) => {
      const claims = authenticateAdmin(deps, request.headers.authorization);
      return adminUpdateFactor(deps, { role: String(claims.role) }, request.params.id, request.params.factor_id, {
        friendlyName: request.body.friendly_name ?? undefined,
        phone: request.body.phone ?? undefined,
      });
    },
  );

  app.delete<{ Params: Static<typeof FactorParams> }>(
    '/admin/users/:id/factors/:factor_id',
    { onRequest: requireAdmin, schema: { params: FactorParams, response: { 200: factorResponse } } },
    async (request) => adminDeleteFactor(deps, request.params.id, request.params.factor_id, requestMeta(request)),
  );
}
