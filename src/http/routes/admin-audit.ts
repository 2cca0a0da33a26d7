/** GET /admin/audit/rls (service_role): the RLS audit as JSON, for the console (docs/rls-audit.md). */
import type { FastifyInstance } from 'fastify';
import { auditRls } from '../../audit/audit.js';
import { authenticateAdmin } from '../../auth/authenticate.js';
import type { AuthDeps } from '../../auth/deps.js';
import { FoyerError } from '../../errors.js';

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

export function adminAuditRoutes(app: FastifyInstance, deps: AuthDeps): void {
  app.get<{ Querystring: { schema?: string | string[] } }>(
    '/admin/audit/rls',
    {
      schema: { summary: 'Foyer: the row-level security audit of the exposed schemas', tags: ['ops'] },
      onRequest: async (request) => {
        authenticateAdmin(deps, request.headers.authorization);
      },
    },
    async (request) => {
      const raw = request.query.schema;
      const requested = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).flatMap((value) => value.split(',')).filter(Boolean);
      for (const schema of requested) {
        if (!SCHEMA_NAME.test(schema)) throw new FoyerError('validation_failed', `schema must be a schema name, got ${JSON.stringify(schema)}`);
      }
      return auditRls(deps.db, requested.length ? requested : deps.config.restSchemas);
    },
  );
}
