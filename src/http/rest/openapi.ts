/**
 * GET /rest/v1/: an OpenAPI 2.0 outline of the exposed tables, views and functions. Only admin roles
 * (GOTRUE_JWT_ADMIN_ROLES, the service_role key) see it: with the public anon key it would list the
 * schema to anyone.
 */
import { RestError } from '../../rest/errors.js';
import { FOYER_VERSION } from '../../version.js';
import type { RestRequest, RestResponse } from './context.js';

const jsonType = (pgType: string): { type: string; format: string } => {
  const base = pgType.replace(/\(.*\)/, '').trim();
  if (base.endsWith('[]')) return { type: 'array', format: base };
  if (/^(smallint|integer|bigint)$/.test(base)) return { type: 'integer', format: base };
  if (/^(real|double precision|numeric)$/.test(base)) return { type: 'number', format: base };
  if (base === 'boolean') return { type: 'boolean', format: base };
  return { type: 'string', format: base };
};

export function openApi(request: RestRequest): RestResponse {
  if (!request.deps.config.jwtAdminRoles.includes(request.caller.role)) {
    throw new RestError(request.caller.anonymous ? 401 : 403, '42501', 'permission denied for the OpenAPI description', {
      hint: 'Use the service_role key',
    });
  }
  const paths: Record<string, unknown> = { '/': { get: { produces: ['application/openapi+json', 'application/json'] } } };
  const definitions: Record<string, unknown> = {};
  for (const table of request.snapshot.tables.values()) {
    if (table.schema !== request.schema) continue;
    paths[`/${table.name}`] = table.kind === 'view' || table.kind === 'materialized_view' ? { get: {} } : { get: {}, post: {}, patch: {}, delete: {} };
    definitions[table.name] = {
      type: 'object',
      required: [...table.columns.values()].filter((column) => !column.nullable && !column.hasDefault).map((column) => column.name),
      properties: Object.fromEntries([...table.columns.values()].map((column) => [column.name, jsonType(column.type)])),
    };
  }
  for (const overloads of request.snapshot.functions.values()) {
    for (const fn of overloads) if (fn.schema === request.schema) paths[`/rpc/${fn.name}`] = { get: {}, post: {} };
  }
  const body = {
    swagger: '2.0',
    info: { title: 'Foyer Data API', description: 'PostgREST-compatible subset', version: FOYER_VERSION },
    basePath: '/rest/v1',
    consumes: ['application/json', 'application/vnd.pgrst.object+json'],
    produces: ['application/json', 'application/vnd.pgrst.object+json'],
    paths,
    definitions,
  };
  return { status: 200, headers: { 'content-type': 'application/openapi+json; charset=utf-8' }, body: JSON.stringify(body) };
}
