/** GET/HEAD on a table or view: the page as JSON built by the database, counts and ranges. */
import { emptyModifiers, type LevelModifiers, type ReadRequest } from '../../rest/ast.js';
import { RestError, singularityError } from '../../rest/errors.js';
import { readStatement, rootQueries, type ReadContext, type ReadStatementOptions } from '../../rest/sql/read.js';
import type { Queryable } from '../../store/db.js';
import { asCaller, contentRange, preferenceApplied, readContext, type RestRequest, type RestResponse } from './context.js';

/** Applies the Range header to the root level (intersected with limit/offset). */
export function withRange(levels: Map<string, LevelModifiers>, range: RestRequest['range']): Map<string, LevelModifiers> {
  if (!range) return levels;
  const root = levels.get('') ?? { conditions: [], order: undefined, limit: undefined, offset: undefined };
  const offset = Math.max(range.offset, root.offset ?? 0);
  const upper = Math.min(
    range.limit === undefined ? Infinity : range.offset + range.limit,
    root.limit === undefined ? Infinity : (root.offset ?? 0) + root.limit,
  );
  const limit = upper === Infinity ? undefined : Math.max(0, upper - offset);
  return new Map(levels).set('', { ...root, offset, limit });
}

interface PageRow {
  body: string | null;
  page_total: string;
  total?: string;
}

/** planned: the planner's estimate; estimated: exact up to max-rows, the estimate beyond (PostgREST's rule). */
export async function countRows(
  tx: Queryable,
  request: RestRequest,
  page: PageRow,
  makeCtx: (levels: ReadonlyMap<string, LevelModifiers>) => ReadContext,
  options: ReadStatementOptions,
): Promise<number | undefined> {
  const preference = request.prefer.count;
  if (preference === undefined) return undefined;
  if (preference === 'exact') return Number(page.total);
  // The whole page query without its range: every parameter is used, and its row count is the total.
  const root = options.request.levels.get('') ?? emptyModifiers();
  const levels = new Map(options.request.levels).set('', { ...root, limit: undefined, offset: undefined });
  const unranged = (ctx: ReadContext) => rootQueries(ctx, { ...options, request: { ...options.request, levels }, maxRows: undefined }).page;
  const planCtx = makeCtx(levels);
  const [plan] = await tx.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(`explain (format json) ${unranged(planCtx)}`, planCtx.params.values);
  const estimate = Math.round(plan['QUERY PLAN'][0].Plan['Plan Rows']);
  if (preference === 'planned' || estimate > request.maxRows) return estimate;
  const exactCtx = makeCtx(levels);
  const [row] = await tx.query<{ n: string }>(`select count(*)::text as n from (${unranged(exactCtx)}) as "pgrst_c"`, exactCtx.params.values);
  return Number(row.n);
}

/** Status and headers of a read page, PostgREST's way (206 for a partial range, 416 past the end). */
export function pageResponse(request: RestRequest, offset: number, rows: number, total: number | undefined, body: string | null): RestResponse {
  if (request.media.single && rows !== 1) throw singularityError(rows);
  const headers: Record<string, string> = {
    'content-type': request.media.contentType,
    'content-range': contentRange(offset, rows, total),
  };
  preferenceApplied(request.prefer, headers);
  let status = 200;
  if (total !== undefined) {
    if (offset > total) {
      throw new RestError(416, 'PGRST103', 'Requested range not satisfiable', {
        details: `An offset of ${offset} was requested, but there are only ${total} rows.`,
        headers: { 'content-range': `*/${total}` },
      });
    }
    if (rows < total && !request.media.single) status = 206;
  }
  return { status, headers, body: request.method === 'HEAD' ? undefined : (body ?? 'null') };
}

/** `ctx` may carry parameters already placed in `from` (a function call); counts rebuild `from` themselves. */
export async function readTable(
  request: RestRequest,
  read: ReadRequest,
  from: string,
  scope: ReadStatementOptions['scope'],
  readOnly = true,
  ctx: ReadContext = readContext(request.snapshot, read.levels),
): Promise<RestResponse> {
  const options: ReadStatementOptions = {
    from,
    scope,
    request: read,
    single: request.media.single,
    stripNulls: request.media.stripNulls,
    count: request.prefer.count === 'exact',
    maxRows: request.maxRows,
  };
  const prefix = [...ctx.params.values];
  const makeCtx = (levels: ReadonlyMap<string, LevelModifiers>): ReadContext => readContext(request.snapshot, levels, prefix);
  const sql = readStatement(ctx, options);
  const { page, total } = await asCaller(request, readOnly, async (tx) => {
    // Only the planned and estimated counts ask anything after the page.
    const last = request.prefer.count === undefined || request.prefer.count === 'exact';
    const [row] = await tx.query<PageRow>(sql, ctx.params.values, { last });
    return { page: row, total: await countRows(tx, request, row, makeCtx, options) };
  });
  const offset = read.levels.get('')?.offset ?? 0;
  return pageResponse(request, offset, Number(page.page_total), total, page.body);
}
