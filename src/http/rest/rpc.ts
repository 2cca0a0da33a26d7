/** `rpc/<function>`: GET/HEAD (arguments in the query string, read-only) and POST (arguments in the body). */
import { emptyModifiers, type ReadRequest } from '../../rest/ast.js';
import { notImplemented, RestError } from '../../rest/errors.js';
import type { FunctionInfo } from '../../rest/schema-cache.js';
import { callFrom, findFunction, resultTable, takesSingleJson } from '../../rest/sql/rpc.js';
import { asCaller, isPlainObject, jsonBody, preferenceApplied, readContext, type RestRequest, type RestResponse } from './context.js';
import { parseQuery } from './parse-query.js';
import { pageResponse, readTable, withRange } from './read.js';

function argumentNames(request: RestRequest, name: string): Set<string> {
  const names = new Set<string>();
  for (const fn of request.snapshot.functions.get(`${request.schema}\u0000${name}`) ?? []) for (const arg of fn.args) if (arg.name) names.add(arg.name);
  return names;
}

export async function callFunction(request: RestRequest, name: string): Promise<RestResponse> {
  const { method } = request;
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
    throw new RestError(405, 'PGRST101', `Cannot use the ${method} method on RPC`);
  }
  const viaQuery = method !== 'POST';
  const query = parseQuery(request.rawQuery, viaQuery ? argumentNames(request, name) : undefined);
  let argsJson: string;
  let keys: string[];
  let hasBody = false;
  if (viaQuery) {
    keys = [...query.args.keys()];
    argsJson = JSON.stringify(Object.fromEntries(query.args));
  } else if (request.rawBody.trim() === '') {
    keys = [];
    argsJson = '{}';
  } else {
    const body = jsonBody(request);
    hasBody = true;
    keys = isPlainObject(body) ? Object.keys(body) : [];
    argsJson = request.rawBody;
  }
  const fn = findFunction(request.snapshot, request.schema, name, keys, hasBody);
  if (!takesSingleJson(fn) && hasBody && !isPlainObject(JSON.parse(argsJson))) {
    throw new RestError(400, 'PGRST102', 'Empty or invalid json', { details: 'Function arguments must be a JSON object' });
  }
  const readOnly = viaQuery || fn.volatility !== 'volatile';
  return fn.returnKind === 'composite' ? compositeCall(request, fn, query, argsJson, keys, readOnly) : scalarCall(request, fn, query, argsJson, keys, readOnly);
}

async function compositeCall(
  request: RestRequest,
  fn: FunctionInfo,
  query: ReturnType<typeof parseQuery>,
  argsJson: string,
  keys: string[],
  readOnly: boolean,
): Promise<RestResponse> {
  const table = resultTable(request.snapshot, fn);
  const read: ReadRequest = { select: query.select, levels: withRange(query.levels, request.range) };
  // The call's own parameters come first; the read builder adds the rest to the same list.
  const probe = readContext(request.snapshot, read.levels);
  const from = `(select "pgrst_f".* from ${callFrom(probe, fn, argsJson, keys, undefined)})`;
  const singleRow = !fn.returnsSet;
  const scoped = singleRow && !request.media.single ? { ...request, media: { ...request.media, single: true } } : request;
  return readTable(scoped, read, from, { table, alias: 'pgrst_t0', label: fn.name }, readOnly, probe);
}

async function scalarCall(
  request: RestRequest,
  fn: FunctionInfo,
  query: ReturnType<typeof parseQuery>,
  argsJson: string,
  keys: string[],
  readOnly: boolean,
): Promise<RestResponse> {
  const root = query.levels.get('') ?? emptyModifiers();
  if (root.conditions.length || root.order || query.levels.size > 1) throw notImplemented('Filters and order on a function that returns scalars are not supported');
  const ctx = readContext(request.snapshot, query.levels);
  const from = callFrom(ctx, fn, argsJson, keys, 'pgrst_scalar');
  const value = fn.returnsSet ? `coalesce(json_agg("pgrst_f"."pgrst_scalar"), '[]'::json)` : `coalesce(json_agg("pgrst_f"."pgrst_scalar")->0, 'null'::json)`;
  const body = fn.returnKind === 'void' ? 'null::text' : `${value}::text`;
  const sql = `select ${body} as body, count(*)::text as page_total from ${from}`;
  // Nothing follows the call: COMMIT goes with it (src/store/postgres.ts).
  const row = await asCaller(request, readOnly, async (tx) => (await tx.query<{ body: string | null; page_total: string }>(sql, ctx.params.values, { last: true }))[0]);
  if (fn.returnKind === 'void') {
    const headers: Record<string, string> = {};
    preferenceApplied(request.prefer, headers);
    return { status: 204, headers, body: undefined };
  }
  if (fn.returnsSet) return pageResponse({ ...request, media: { ...request.media, single: false } }, 0, Number(row.page_total), request.prefer.count ? Number(row.page_total) : undefined, row.body);
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  preferenceApplied(request.prefer, headers);
  return { status: 200, headers, body: request.method === 'HEAD' ? undefined : (row.body ?? 'null') };
}
