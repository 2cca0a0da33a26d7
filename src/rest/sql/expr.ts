/**
 * SQL expressions of one level: column references (checked against the relation, quoted), JSON paths
 * and casts, filters and and/or trees. Every value becomes a parameter; operators and keywords come
 * from fixed tables here, never from the request.
 */
import type { Condition, FieldRef, Filter, OrderTerm } from '../ast.js';
import { columnNotFound, RestError } from '../errors.js';
import { Params, quoteIdent } from '../ident.js';
import type { SchemaSnapshot, TableInfo } from '../schema-cache.js';

export interface ExprContext {
  readonly snapshot: SchemaSnapshot;
  readonly params: Params;
}

/** A relation as a level sees it: its columns, under a generated alias. */
export interface Scope {
  readonly table: TableInfo;
  readonly alias: string;
  /** Name used in error messages (the table, or the function for RPC results). */
  readonly label: string;
}

export function columnSql(scope: Scope, name: string): string {
  if (!scope.table.columns.has(name)) throw columnNotFound(scope.label, name);
  return `${quoteIdent(scope.alias)}.${quoteIdent(name)}`;
}

/** `"t"."data"->$1::text->>$2::text`; the output name is the last JSON key, else the column. */
export function fieldSql(ctx: ExprContext, scope: Scope, field: FieldRef): { sql: string; name: string } {
  let sql = columnSql(scope, field.name);
  let name = field.name;
  for (const step of field.jsonPath) {
    sql = `${sql}${step.arrow}${ctx.params.add(step.key, step.index ? 'int4' : 'text')}`;
    name = step.key;
  }
  return { sql: field.jsonPath.length ? `(${sql})` : sql, name };
}

const typeAliases: Record<string, string> = {
  int: 'int4', integer: 'int4', smallint: 'int2', bigint: 'int8', real: 'float4', float: 'float8', double: 'float8',
  boolean: 'bool', decimal: 'numeric', character: 'bpchar', varchar: 'varchar', timestamptz: 'timestamptz',
};

/** `::"pg_catalog"."int4"` for a type name pg_catalog knows; anything else is refused as PostgreSQL would. */
export function castSql(ctx: ExprContext, type: string): string {
  const lower = type.toLowerCase();
  const canonical = typeAliases[lower] ?? lower;
  if (!ctx.snapshot.castTypes.has(canonical)) {
    throw new RestError(400, '42704', `type "${type}" does not exist`);
  }
  return `::"pg_catalog".${quoteIdent(canonical)}`;
}

const comparison: Record<string, string> = {
  eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=', like: 'like', ilike: 'ilike', match: '~', imatch: '~*',
  cs: '@>', cd: '<@', ov: '&&', sl: '<<', sr: '>>', nxr: '&<', nxl: '&>', adj: '-|-', isdistinct: 'is distinct from',
};

const tsqueryFunction: Record<string, string> = { fts: 'to_tsquery', plfts: 'plainto_tsquery', phfts: 'phraseto_tsquery', wfts: 'websearch_to_tsquery' };

/** PostgREST's like patterns use `*` for `%`. */
const likePattern = (op: string, text: string) => (op === 'like' || op === 'ilike' ? text.replace(/\*/g, '%') : text);

export function filterSql(ctx: ExprContext, lhs: string, filter: Filter): string {
  const { op, value } = filter;
  let sql: string;
  if (value.kind === 'is') {
    const keyword = { null: 'null', not_null: 'not null', true: 'true', false: 'false', unknown: 'unknown' }[value.value];
    sql = `${lhs} is ${keyword}`;
  } else if (value.kind === 'fts') {
    const fn = tsqueryFunction[op];
    const args = value.config === undefined ? ctx.params.add(value.text) : `${ctx.params.add(value.config, 'regconfig')}, ${ctx.params.add(value.text)}`;
    sql = `${lhs} @@ ${fn}(${args})`;
  } else if (value.kind === 'list') {
    const items = value.items.map((item) => likePattern(op, item));
    if (op === 'in') sql = `${lhs} = any(${ctx.params.add(items)})`;
    else sql = `${lhs} ${comparison[op]} ${value.quantifier === 'all' ? 'all' : 'any'}(${ctx.params.add(items)})`;
  } else {
    const operator = comparison[op];
    if (!operator) throw new RestError(400, 'PGRST100', `"failed to parse filter (${op}.${value.text})"`, { details: `operator ${op} needs another value` });
    sql = `${lhs} ${operator} ${ctx.params.add(likePattern(op, value.text))}`;
  }
  return filter.negate ? `not (${sql})` : sql;
}

/**
 * A condition tree of one level. `resolveField` turns a field into SQL (a column of the level, or for
 * top-level filters an embedded resource tested with is.null).
 */
export function conditionSql(ctx: ExprContext, condition: Condition, resolveFilter: (filter: Filter) => string): string {
  if (condition.kind === 'filter') return resolveFilter(condition.filter);
  const parts = condition.children.map((child) => conditionSql(ctx, child, resolveFilter));
  const joined = parts.length ? `(${parts.join(condition.kind === 'and' ? ' and ' : ' or ')})` : condition.kind === 'and' ? 'true' : 'false';
  return condition.negate ? `not ${joined}` : joined;
}

export function orderSql(expression: string, term: OrderTerm): string {
  const direction = term.direction === 'desc' ? ' desc' : term.direction === 'asc' ? ' asc' : '';
  const nulls = term.nulls === 'first' ? ' nulls first' : term.nulls === 'last' ? ' nulls last' : '';
  return `${expression}${direction}${nulls}`;
}
