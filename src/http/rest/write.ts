/** POST (insert, upsert), PATCH and DELETE on a table, with PostgREST's statuses and Prefer handling. */
import { emptyModifiers, type Filter, type LevelModifiers, type ReadRequest } from '../../rest/ast.js';
import { notImplemented, RestError, singularityError } from '../../rest/errors.js';
import { Rollback } from '../../rest/execute.js';
import type { TableInfo } from '../../rest/schema-cache.js';
import { conditionSql, fieldSql, filterSql, type Scope } from '../../rest/sql/expr.js';
import { readStatement, type ReadContext } from '../../rest/sql/read.js';
import { deleteCte, insertCte, updateCte } from '../../rest/sql/write.js';
import { asCaller, contentRange, isPlainObject, jsonBody, preferenceApplied, readContext, type RestRequest, type RestResponse } from './context.js';
import type { ParsedQuery } from './parse-query.js';

type Kind = 'insert' | 'update' | 'delete';

/** The levels a mutation's representation reads: the root's filters already chose the rows. */
function representationLevels(levels: ReadonlyMap<string, LevelModifiers>): Map<string, LevelModifiers> {
  const root = levels.get('') ?? emptyModifiers();
  return new Map(levels).set('', { conditions: [], order: root.order, limit: undefined, offset: undefined });
}

/** Root filters of PATCH/DELETE as SQL on "pgrst_t0"; refuses an unfiltered mutation (as Supabase's safeupdate). */
function mutationWhere(ctx: ReadContext, table: TableInfo, levels: ReadonlyMap<string, LevelModifiers>, kind: Kind): string[] {
  const root = levels.get('') ?? emptyModifiers();
  if (root.limit !== undefined || root.offset !== undefined) throw notImplemented('limit and offset are not supported on PATCH and DELETE');
  const scope: Scope = { table, alias: 'pgrst_t0', label: table.name };
  const resolve = (filter: Filter) => filterSql(ctx, fieldSql(ctx, scope, filter.field).sql, filter);
  const where = root.conditions.map((condition) => conditionSql(ctx, condition, resolve));
  if (where.length === 0) {
    throw new RestError(400, '21000', `${kind === 'update' ? 'UPDATE' : 'DELETE'} requires a WHERE clause`, {
      hint: 'Add a filter (for example ?id=eq.1); to change every row, filter on a column that is never null',
    });
  }
  return where;
}

function rowsOf(body: unknown): Record<string, unknown>[] {
  const rows = Array.isArray(body) ? body : [body];
  if (!rows.every(isPlainObject)) throw new RestError(400, 'PGRST102', 'Empty or invalid json', { details: 'Expected a JSON object or an array of objects' });
  return rows;
}

export async function mutate(request: RestRequest, table: TableInfo, query: ParsedQuery, kind: Kind): Promise<RestResponse> {
  const { prefer, media } = request;
  const representation = prefer.return === 'representation';
  const read: ReadRequest = { select: query.select, levels: representationLevels(query.levels) };
  const ctx = readContext(request.snapshot, read.levels);
  let cte: string;
  if (kind === 'insert') {
    const body = jsonBody(request);
    const rows = rowsOf(body);
    const onConflict = prefer.resolution
      ? { columns: query.onConflict ?? table.primaryKey, action: prefer.resolution === 'merge-duplicates' ? ('merge' as const) : ('ignore' as const) }
      : undefined;
    cte = insertCte(ctx, {
      table, body: request.rawBody, rows, columns: query.columns, missingDefault: prefer.missing === 'default', onConflict, returnRows: representation,
    });
  } else if (kind === 'update') {
    const body = jsonBody(request);
    if (!isPlainObject(body)) throw new RestError(400, 'PGRST102', 'Empty or invalid json', { details: 'PATCH takes one JSON object' });
    const keys = Object.keys(body);
    if (keys.length === 0) return emptyResult(request, representation, kind);
    const where = mutationWhere(ctx, table, query.levels, kind);
    cte = updateCte(ctx, { table, body: request.rawBody, keys, where, returnRows: representation });
  } else {
    const where = mutationWhere(ctx, table, query.levels, kind);
    cte = deleteCte({ table, where, returnRows: representation });
  }
  const statement = representation
    ? `${cte} ${readStatement(ctx, { from: '"pgrst_source"', scope: { table, alias: 'pgrst_t0', label: table.name }, request: read, single: media.single, stripNulls: media.stripNulls, count: false, maxRows: undefined })}`
    : `${cte} select null::text as body, count(*)::text as page_total from "pgrst_source"`;

  const respond = (rows: number, body: string | null): RestResponse => {
    const headers: Record<string, string> = {
      'content-range': kind === 'insert' ? `*/${prefer.count ? rows : '*'}` : contentRange(0, rows, prefer.count ? rows : undefined),
    };
    preferenceApplied(prefer, headers);
    if (!representation) return { status: kind === 'insert' ? 201 : 204, headers, body: undefined };
    headers['content-type'] = media.contentType;
    return { status: kind === 'insert' ? 201 : 200, headers, body: body ?? 'null' };
  };
  return asCaller(request, false, async (tx) => {
    // COMMIT goes with the statement unless what it returns may still undo it (below).
    const last = !media.single && !(prefer.handling === 'strict' && prefer.maxAffected !== undefined) && prefer.tx !== 'rollback';
    const [row] = await tx.query<{ body: string | null; page_total: string }>(statement, ctx.params.values, { last });
    const rows = Number(row.page_total);
    // A single object was asked for: anything but one row undoes the change (PostgREST).
    if (media.single && rows !== 1) throw new Rollback(undefined, singularityError(rows));
    if (prefer.handling === 'strict' && prefer.maxAffected !== undefined && rows > prefer.maxAffected) {
      const error = new RestError(400, 'PGRST124', 'Query result exceeds max-affected preference constraint', { details: `The query affects ${rows} rows` });
      throw new Rollback(undefined, error);
    }
    const response = respond(rows, row.body);
    if (prefer.tx === 'rollback') throw new Rollback(response);
    return response;
  });
}

function emptyResult(request: RestRequest, representation: boolean, kind: Kind): RestResponse {
  const headers: Record<string, string> = { 'content-range': '*/*' };
  preferenceApplied(request.prefer, headers);
  if (!representation) return { status: 204, headers, body: undefined };
  headers['content-type'] = request.media.contentType;
  return { status: kind === 'insert' ? 201 : 200, headers, body: request.media.single ? 'null' : '[]' };
}
