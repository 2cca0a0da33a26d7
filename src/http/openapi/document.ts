/**
 * The API description (OpenAPI 3.1) built from what the server registered: each route's path, method and
 * schema (params, querystring, body, response, summary), so a route added later is described without
 * anyone listing it, and the description says what the server validates. Served at GET /openapi.json
 * by the listener that serves everything (src/http/platform/front.ts).
 *
 * Left out, and said so in the description: GoTrue's routes at the root (the same as under /auth/v1),
 * HEAD beside GET, and CORS preflight (OPTIONS on every path). Methods OpenAPI has no operation for
 * (Fastify's `all` adds e.g. QUERY) are listed in the path's `x-other-methods`.
 */
import { FOYER_VERSION } from '../../version.js';
import type { RegisteredRoute } from '../route-table.js';
import { AREA_DESCRIPTIONS, AREAS, areaOf, ERROR_SCHEMAS, errorSchemaOf, type Area } from './areas.js';

export const OPENAPI_VERSION = '3.1.0';
/** The registered media type of an OpenAPI document in JSON (IANA), with the version it follows. */
export const OPENAPI_CONTENT_TYPE = 'application/vnd.oai.openapi+json;version=3.1';

/** The operations an OpenAPI 3.1 path item can hold. */
const OPERATION_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

type JsonSchema = Record<string, unknown>;

export interface OpenApiParameter {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly required: boolean;
  readonly description?: string;
  readonly schema: JsonSchema;
}

export interface OpenApiOperation {
  readonly operationId: string;
  readonly tags: readonly Area[];
  readonly summary: string;
  readonly description?: string;
  readonly parameters?: readonly OpenApiParameter[];
  readonly requestBody?: { readonly required: boolean; readonly content: Record<string, { schema: JsonSchema }> };
  readonly responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
}

export type OpenApiPathItem = Partial<Record<string, OpenApiOperation>> & { 'x-other-methods'?: string[] };

export interface OpenApiDocument {
  readonly openapi: string;
  readonly info: { title: string; version: string; description: string };
  readonly tags: readonly { name: Area; description: string }[];
  readonly paths: Record<string, OpenApiPathItem>;
  readonly components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

/** `/admin/users/:id` → `/admin/users/{id}`; a wildcard `*` (the rest of the path) → `{path}`. */
export const openApiPath = (url: string): string => url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}').replace(/\*$/, '{path}');

/** A schema as plain JSON (TypeBox's symbols and anything else that is not JSON dropped). */
const plain = (schema: unknown): JsonSchema => JSON.parse(JSON.stringify(schema)) as JsonSchema;

const propertiesOf = (schema: unknown): { properties: Record<string, JsonSchema>; required: Set<string> } => {
  const object = schema ? plain(schema) : {};
  return {
    properties: (object.properties ?? {}) as Record<string, JsonSchema>,
    required: new Set(Array.isArray(object.required) ? (object.required as string[]) : []),
  };
};

function parametersOf(route: RegisteredRoute, path: string): OpenApiParameter[] {
  const declared = propertiesOf(route.schema?.params).properties;
  const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
  const parameters: OpenApiParameter[] = inPath.map((name) => ({
    name,
    in: 'path',
    required: true,
    ...(name === 'path' && route.url.endsWith('*') ? { description: 'The rest of the path (it may contain /)' } : {}),
    schema: declared[name] ?? { type: 'string' },
  }));
  const query = propertiesOf(route.schema?.querystring);
  for (const [name, schema] of Object.entries(query.properties)) {
    parameters.push({ name, in: 'query', required: query.required.has(name), schema });
  }
  return parameters;
}

function responsesOf(route: RegisteredRoute, area: Area): OpenApiOperation['responses'] {
  const error = {
    description: `An error (${errorSchemaOf(area)})`,
    content: { 'application/json': { schema: { $ref: `#/components/schemas/${errorSchemaOf(area)}` } } },
  };
  const declared = route.schema?.response as Record<string, unknown> | undefined;
  if (!declared) return { default: { description: 'The answer the summary describes' }, '4XX': error };
  const responses: OpenApiOperation['responses'] = {};
  for (const [status, schema] of Object.entries(declared)) {
    responses[status] = { description: status.startsWith('2') ? 'Success' : 'Answer', content: { 'application/json': { schema: plain(schema) } } };
  }
  responses['4XX'] = error;
  return responses;
}

/** `GET /auth/v1/users/{id}` → getAuthV1UsersId; a trailing slash (GoTrue serves a few paths both ways) adds `Slash`. */
const operationId = (method: string, path: string) =>
  `${method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_match, next: string | undefined) => (next ?? '').toUpperCase())}${path.length > 1 && path.endsWith('/') ? 'Slash' : ''}`;

function operationOf(route: RegisteredRoute, path: string): OpenApiOperation {
  const area = areaOf(route);
  const parameters = parametersOf(route, path);
  const { summary, description, body } = route.schema ?? {};
  return {
    operationId: operationId(route.method, path),
    tags: [area],
    summary: summary ?? `${route.method} ${path}`,
    ...(description ? { description } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: plain(body) } } } } : {}),
    responses: responsesOf(route, area),
  };
}

/**
 * Which registered routes the description lists: not CORS's `OPTIONS *`, not HEAD where the path has
 * GET, not a GoTrue route at the root that is also under /auth/v1 (the same route, twice mounted).
 */
export function describedRoutes(routes: readonly RegisteredRoute[]): RegisteredRoute[] {
  const registered = new Set(routes.map((route) => `${route.method} ${route.url}`));
  const seen = new Set<string>();
  return routes.filter((route) => {
    const key = `${route.method} ${route.url}`;
    if (seen.has(key)) return false;
    seen.add(key);
    if (route.url === '*') return false;
    if (route.method === 'HEAD' && registered.has(`GET ${route.url}`)) return false;
    if (!route.url.startsWith('/auth/v1') && registered.has(`${route.method} /auth/v1${route.url}`)) return false;
    return true;
  });
}

const INFO_DESCRIPTION = [
  'Foyer speaks GoTrue\'s (Supabase Auth\'s) wire protocol, so @supabase/supabase-js works unchanged; around it, Foyer\'s own admin',
  'and operations routes, the console\'s management API (/platform/v1) and a PostgREST-compatible Data API (/rest/v1).',
  'This description is built from the routes the server registered and the schemas it validates requests with.',
  'The Data API\'s tables, views and functions are described by GET /rest/v1/ itself (OpenAPI 2.0, with the service_role key).',
  '',
  'Not listed: every auth route is also served at the root (without /auth/v1) for the drop-in auth listener; HEAD is',
  'answered wherever GET is; OPTIONS (CORS preflight) on every path. Another project of the console is reached under',
  '/p/<ref>/ (or <ref>.<FOYER_BASE_DOMAIN>) with the same routes.',
  '',
  'Limits: bodies up to 1 MiB (the Data API 8 MiB); any one string (value, key, query parameter) up to 65536 characters;',
  'path parameters up to 100 characters; fields with their own limits say so (maxLength) or answer GoTrue\'s message.',
].join('\n');

export function buildOpenApiDocument(routes: readonly RegisteredRoute[]): OpenApiDocument {
  const paths: Record<string, OpenApiPathItem> = {};
  for (const route of describedRoutes(routes)) {
    const path = openApiPath(route.url);
    const item = (paths[path] ??= {});
    const method = route.method.toLowerCase();
    if (OPERATION_METHODS.has(method)) item[method] = operationOf(route, path);
    else (item['x-other-methods'] ??= []).push(route.method);
  }
  const sorted = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
  return {
    openapi: OPENAPI_VERSION,
    info: { title: 'Foyer', version: FOYER_VERSION, description: INFO_DESCRIPTION },
    tags: AREAS.map((name) => ({ name, description: AREA_DESCRIPTIONS[name] })),
    paths: sorted,
    components: {
      schemas: plain(ERROR_SCHEMAS),
      securitySchemes: {
        apikey: { type: 'apiKey', in: 'header', name: 'apikey', description: "The project's anon or service_role key (what supabase-js sends)" },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: "A user's access token, or the service_role key for admin routes" },
        console: { type: 'apiKey', in: 'cookie', name: 'foyer_console', description: 'The console session (POST /platform/v1/login); mutations also send x-csrf-token' },
      },
    },
  };
}
