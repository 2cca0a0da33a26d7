/**
 * The Data API: a PostgREST-compatible subset at /rest/v1 (see docs/data-api.md). Each request is
 * authenticated from its apikey/Authorization JWT, parsed, checked against the schema cache, and run
 * in one transaction as the caller's role so that row-level security decides. Errors answer in
 * PostgREST's shape `{code, message, details, hint}`.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthDeps } from '../../auth/deps.js';
import { RestError } from '../../rest/errors.js';
import { SchemaCache, type SchemaSnapshot } from '../../rest/schema-cache.js';
import { tableSource } from '../../rest/sql/read.js';
import type { Db } from '../../store/db.js';
import { MAX_STRING_LENGTH } from '../body.js';
import { resolveCaller } from './caller.js';
import { lookupTable, type RestRequest, type RestResponse } from './context.js';
import { openApi } from './openapi.js';
import { negotiate, parsePrefer, parseRange, profile } from './parse-headers.js';
import { parseQuery } from './parse-query.js';
import { readTable, withRange } from './read.js';
import { callFunction } from './rpc.js';
import { mutate } from './write.js';

/** Bulk inserts may be larger than auth requests. */
const REST_BODY_LIMIT_BYTES = 8 * 1024 * 1024;
const METHODS = ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'PUT'] as const;
const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);

function send(reply: FastifyReply, response: RestResponse): FastifyReply {
  reply.code(response.status).headers(response.headers);
  if (response.body === undefined) return reply.send();
  return reply.send(response.body);
}

function sendError(reply: FastifyReply, error: RestError): FastifyReply {
  return reply.code(error.status).headers(error.headers).type('application/json; charset=utf-8').send(JSON.stringify(error.toJSON()));
}

function toRestError(error: unknown, request: FastifyRequest): RestError {
  if (error instanceof RestError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new RestError(413, 'PGRST102', 'Request body too large', { details: `The limit is ${REST_BODY_LIMIT_BYTES} bytes` });
  if (typeof fastifyError.code === 'string' && fastifyError.code.startsWith('FST_ERR_CTP')) return new RestError(400, 'PGRST102', 'Empty or invalid json', { details: fastifyError.message });
  if (typeof fastifyError.code === 'string' && CONNECTION_ERRORS.has(fastifyError.code)) {
    return new RestError(503, 'PGRST000', 'Database client error. Retrying the connection.', { details: fastifyError.message });
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new RestError(fastifyError.statusCode, 'PGRST100', fastifyError.message);
  }
  request.log.error({ err: error }, 'Data API: unexpected failure');
  return new RestError(500, 'PGRSTX00', 'Unexpected failure, please check server logs for more information');
}

const JSON_TYPES = /^(application\/(json|vnd\.pgrst\.object\+json|vnd\.pgrst\.array\+json|\*)|text\/plain|\*\/\*)\s*(;|$)/i;

/**
 * The length bound every URL of the API has (MAX_STRING_LENGTH per name or value). NUL and unpaired
 * surrogates are left to PostgreSQL, which refuses them with the SQLSTATE PostgREST forwards (22021,
 * 22P05); string values in bodies are the application's data, bounded by the body limit alone.
 */
function checkQueryLengths(query: URLSearchParams): void {
  for (const [name, value] of query) {
    if (name.length > MAX_STRING_LENGTH || value.length > MAX_STRING_LENGTH) {
      throw new RestError(400, 'PGRST100', 'Query string parameter too long', {
        details: `A name or value in the query string is longer than ${MAX_STRING_LENGTH} characters (the limit for any one value)`,
      });
    }
  }
}

function flatHeaders(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * `db` is what requests run on: the project database, or in drop-in mode a login of the Data API's own
 * (FOYER_REST_DATABASE_URL) that may only become the API roles.
 */
export function restApi(deps: AuthDeps, db: Db = deps.db) {
  const cache = new SchemaCache(db, deps.config.restSchemas);
  const maxRows = deps.config.restMaxRows;

  return async (api: FastifyInstance) => {
    // Bodies stay text: the handlers parse them (PGRST102) and hand the text itself to the database.
    api.removeAllContentTypeParsers();
    api.addContentTypeParser('*', { parseAs: 'string', bodyLimit: REST_BODY_LIMIT_BYTES }, (_request, body, done) => done(null, body));
    api.setErrorHandler((error, request, reply) => sendError(reply, toRestError(error, request)));
    api.setNotFoundHandler((_request, reply) =>
      sendError(reply, new RestError(404, 'PGRST125', 'Invalid path specified in request URL')),
    );

    /** Builds the request context; retries once with a fresher cache when the catalog may have changed. */
    const handle = async (request: FastifyRequest, reply: FastifyReply, target: (ctx: RestRequest) => Promise<RestResponse>) => {
      const rawQuery = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
      const contentType = request.headers['content-type'];
      const rawBody = typeof request.body === 'string' ? request.body : '';
      if (rawBody.trim() !== '' && contentType && !JSON_TYPES.test(contentType)) {
        throw new RestError(415, 'PGRST107', `Content-Type not acceptable: ${contentType}`);
      }
      const method = request.method;
      const schema = profile(request.headers, method, cache.schemas);
      const prefer = parsePrefer(request.headers);
      const media = negotiate(request.headers);
      const range = method === 'GET' || method === 'HEAD' ? parseRange(request.headers) : undefined;
      const query = new URLSearchParams(rawQuery);
      checkQueryLengths(query);
      const apikeyParam = query.get('apikey') ?? undefined;
      const run = async (snapshot: SchemaSnapshot) => {
        const caller = await resolveCaller(deps, cache, snapshot, request.headers, apikeyParam);
        const path = request.url.slice(request.url.indexOf('/rest/v1') + '/rest/v1'.length).split('?')[0] || '/';
        return target({
          deps, db, cache, snapshot, caller, schema, method, path, rawQuery, headers: flatHeaders(request), prefer, media, range, rawBody, maxRows,
        });
      };
      const snapshot = await cache.get();
      let response: RestResponse;
      try {
        response = await run(snapshot);
      } catch (error) {
        const fresher = error instanceof RestError && error.schemaMiss ? await cache.fresher(snapshot) : undefined;
        if (!fresher) throw error;
        response = await run(fresher);
      }
      return send(reply, response);
    };

    api.route({
      method: [...METHODS],
      url: '/',
      exposeHeadRoute: false,
      schema: { summary: 'OpenAPI 2.0 description of the exposed tables, views and functions (service_role only)' },
      handler: (request, reply) =>
        handle(request, reply, async (ctx) => {
          if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw new RestError(405, 'PGRST117', `Unsupported HTTP method: ${ctx.method}`);
          return openApi(ctx);
        }),
    });

    api.route<{ Params: { relation: string } }>({
      method: [...METHODS],
      url: '/:relation',
      exposeHeadRoute: false,
      schema: {
        summary: 'Read (GET, HEAD), insert (POST), update (PATCH) or delete (DELETE) rows of a table or view, as PostgREST',
        description: 'Filters, select, order, limit and offset in the query string; Prefer and Range headers. PUT answers 405.',
      },
      handler: (request, reply) =>
        handle(request, reply, async (ctx) => {
          const table = lookupTable(ctx.snapshot, ctx.schema, request.params.relation);
          const query = parseQuery(ctx.rawQuery);
          switch (ctx.method) {
            case 'GET':
            case 'HEAD':
              return readTable(ctx, { select: query.select, levels: withRange(query.levels, ctx.range) }, tableSource(table), {
                table, alias: 'pgrst_t0', label: table.name,
              });
            case 'POST':
              return mutate(ctx, table, query, 'insert');
            case 'PATCH':
              return mutate(ctx, table, query, 'update');
            case 'DELETE':
              return mutate(ctx, table, query, 'delete');
            default:
              throw new RestError(405, 'PGRST117', `Unsupported HTTP method: ${ctx.method}`, { hint: 'Foyer does not implement PUT upserts; use POST with Prefer: resolution=merge-duplicates' });
          }
        }),
    });

    api.route<{ Params: { fn: string } }>({
      method: [...METHODS],
      url: '/rpc/:fn',
      exposeHeadRoute: false,
      schema: { summary: 'Call a function: arguments in the query string (GET, HEAD; read-only) or the body (POST)' },
      handler: (request, reply) => handle(request, reply, (ctx) => callFunction(ctx, request.params.fn)),
    });
  };
}
