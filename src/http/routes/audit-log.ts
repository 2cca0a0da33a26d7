/**
 * GET /admin/audit: GoTrue's audit log endpoint (page, per_page, `query=author:|action:|type:<text>`,
 * X-Total-Count and Link headers, an array of {id, payload, created_at, ip_address}) plus Foyer's
 * exact filters: action (comma list), actor_id, user_id, log_type, since, until.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { authenticateAdmin, isUuid } from '../../auth/authenticate.js';
import type { AuthDeps } from '../../auth/deps.js';
import { FoyerError } from '../../errors.js';
import { gotrueQueryScopes, listAuditEntries, type AuditFilter } from '../../store/audit-log.js';
import { queryInt } from '../query.js';
import { NameText, SearchText } from '../schemas.js';

const AuditQuery = Type.Object({
  page: Type.Optional(Type.String()),
  per_page: Type.Optional(Type.String()),
  query: Type.Optional(SearchText),
  action: Type.Optional(SearchText),
  actor_id: Type.Optional(Type.String()),
  user_id: Type.Optional(Type.String()),
  log_type: Type.Optional(NameText),
  since: Type.Optional(Type.String()),
  until: Type.Optional(Type.String()),
});
type AuditQuery = Static<typeof AuditQuery>;

const entryResponse = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      payload: { type: 'object', additionalProperties: true },
      created_at: { type: 'string' },
      ip_address: { type: 'string' },
    },
  },
} as const;

function timestamp(raw: string | undefined, name: string): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (Number.isNaN(Date.parse(raw))) throw new FoyerError('validation_failed', `${name} must be an RFC 3339 timestamp`);
  return new Date(raw).toISOString();
}

function uuid(raw: string | undefined, name: string): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!isUuid(raw)) throw new FoyerError('validation_failed', `${name} must be a UUID`);
  return raw.toLowerCase();
}

function filterOf(query: AuditQuery): AuditFilter {
  let search: AuditFilter['search'];
  if (query.query) {
    const [scope, ...rest] = query.query.split(':');
    const fields = gotrueQueryScopes[scope];
    if (!fields || rest.length === 0) throw new FoyerError('validation_failed', `Invalid query scope: ${query.query}`);
    search = { fields, value: rest.join(':') };
  }
  return {
    search,
    actions: query.action ? query.action.split(',').map((a) => a.trim()).filter(Boolean) : undefined,
    actorId: uuid(query.actor_id, 'actor_id'),
    userId: uuid(query.user_id, 'user_id'),
    logType: query.log_type || undefined,
    since: timestamp(query.since, 'since'),
    until: timestamp(query.until, 'until'),
  };
}

export function auditLogRoutes(app: FastifyInstance, deps: AuthDeps): void {
  app.get<{ Querystring: AuditQuery }>(
    '/admin/audit',
    {
      onRequest: async (request) => {
        authenticateAdmin(deps, request.headers.authorization);
      },
      schema: { summary: "The audit log, a page at a time (GoTrue's query=author:|action:|type:, and exact filters)", querystring: AuditQuery, response: { 200: entryResponse } },
    },
    async (request, reply) => {
      const page = queryInt(request.query.page, 'page', 1, Number.MAX_SAFE_INTEGER);
      const perPage = queryInt(request.query.per_page, 'per_page', 50, 1000);
      const { entries, total } = await listAuditEntries(deps.db, filterOf(request.query), { page, perPage });
      const lastPage = Math.max(1, Math.ceil(total / perPage));
      const params = new URLSearchParams(
        Object.entries(request.query).filter(([key, value]) => key !== 'page' && key !== 'per_page' && typeof value === 'string'),
      );
      const suffix = params.size ? `&${params.toString()}` : '';
      const link = (p: number, rel: string) => `</admin/audit?page=${p}&per_page=${perPage}${suffix}>; rel="${rel}"`;
      const links = page < lastPage ? [link(page + 1, 'next'), link(lastPage, 'last')] : [link(lastPage, 'last')];
      reply.header('x-total-count', String(total)).header('link', links.join(', '));
      return entries;
    },
  );
}
