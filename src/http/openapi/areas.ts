/**
 * The areas of the API description (its tags): which routes belong to each, what callers present there
 * and the shape its errors have. A route's path says its area unless its schema names one (`tags`).
 */
import type { RegisteredRoute } from '../route-table.js';

export const AREAS = ['auth', 'admin', 'ops', 'platform', 'data-api'] as const;
export type Area = (typeof AREAS)[number];

export const AREA_DESCRIPTIONS: Readonly<Record<Area, string>> = {
  auth:
    "GoTrue's API (Supabase Auth), what supabase-js calls: sign-up, sign-in, sessions, the user, mail links, providers. " +
    'Served under /auth/v1 and, for the drop-in auth listener behind a gateway that strips /auth/v1, at the root. ' +
    'Errors: GoTrue\'s {code, message} with X-Supabase-Api-Version 2024-01-01, else {code, error_code, msg}.',
  admin:
    "GoTrue's admin API: users, invitations, links, the audit log. Authorization: Bearer <service_role key> " +
    '(a JWT whose role is in GOTRUE_JWT_ADMIN_ROLES). Errors in GoTrue\'s shape.',
  ops:
    "Operating Foyer: health, Prometheus metrics, statistics, the anonymous-user cleanup, abuse protection, the RLS audit, this description. " +
    'Admin routes need the service_role key. Errors in GoTrue\'s shape.',
  platform:
    'The management API behind the console (/platform/v1): projects, their settings, console administrators. ' +
    'A console session (the foyer_console cookie from POST /platform/v1/login); mutations need the x-csrf-token header. Errors: {code, message}.',
  'data-api':
    'The Data API, a PostgREST-compatible subset (row-level security decides). Its tables, views and functions are described ' +
    'by GET /rest/v1/ itself (OpenAPI 2.0, service_role key). Errors: PostgREST\'s {code, message, details, hint}.',
};

const under = (url: string, prefix: string) => url === prefix || url.startsWith(`${prefix}/`);

/** The route's area: its schema's first tag when that names an area, else what its path says. */
export function areaOf(route: RegisteredRoute): Area {
  const tagged = route.schema?.tags?.find((tag): tag is Area => (AREAS as readonly string[]).includes(tag));
  if (tagged) return tagged;
  const { url } = route;
  if (under(url, '/rest/v1')) return 'data-api';
  if (under(url, '/platform/v1') || under(url, '/console')) return 'platform';
  const gotruePath = url.startsWith('/auth/v1/') ? url.slice('/auth/v1'.length) : url;
  if (under(gotruePath, '/admin') || gotruePath === '/invite') return 'admin';
  return 'auth';
}

/** The error body of each area, as components.schemas entries. */
export const ERROR_SCHEMAS = {
  GoTrueError: {
    description: "GoTrue's error: {code, message} when the request names API version 2024-01-01 or later, else the legacy {code, error_code, msg}",
    anyOf: [
      { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
      {
        type: 'object',
        required: ['code', 'error_code', 'msg'],
        properties: { code: { type: 'integer' }, error_code: { type: 'string' }, msg: { type: 'string' }, error_id: { type: 'string' } },
      },
    ],
  },
  PlatformError: {
    type: 'object',
    required: ['code', 'message'],
    properties: { code: { type: 'string' }, message: { type: 'string' } },
  },
  PostgrestError: {
    type: 'object',
    required: ['code', 'message', 'details', 'hint'],
    properties: { code: { type: 'string' }, message: { type: 'string' }, details: {}, hint: { type: ['string', 'null'] } },
  },
} as const;

export const errorSchemaOf = (area: Area): keyof typeof ERROR_SCHEMAS =>
  area === 'platform' ? 'PlatformError' : area === 'data-api' ? 'PostgrestError' : 'GoTrueError';
