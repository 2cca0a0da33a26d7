/**
 * Reads: one level of `select` (columns, casts, aggregates, embedded resources as lateral joins) with
 * its filters, order and range, recursively for embeds, then the statement that turns the page into
 * JSON in the database (json_agg, as PostgREST does), optionally with a count.
 */
import { emptyModifiers, type EmbedItem, type Filter, type LevelModifiers, type ReadRequest, type SelectItem } from '../ast.js';
import { columnNotFound, notImplemented, RestError } from '../errors.js';
import { quoteIdent, qualified } from '../ident.js';
import { resolveRelationship, type Relationship } from '../relationships.js';
import type { TableInfo } from '../schema-cache.js';
import { castSql, columnSql, conditionSql, fieldSql, filterSql, orderSql, type ExprContext, type Scope } from './expr.js';

export interface ReadContext extends ExprContext {
  readonly levels: ReadonlyMap<string, LevelModifiers>;
  /** Embed paths the select built (filters on any other path are PGRST108). */
  readonly visited: Set<string>;
  /** Generated aliases: pgrst_t<n> for relations, pgrst_e<n> for embed results. */
  nextAlias(): number;
}

interface Embed {
  readonly item: EmbedItem;
  readonly name: string;
  readonly alias: string;
  readonly relationship: Relationship;
  readonly lateral: string;
  readonly outputNames: readonly string[];
}

export interface Level {
  readonly selectList: string[];
  readonly outputNames: string[];
  /** Lateral joins; `filtering` ones change which rows the level returns (inner, or tested in where). */
  readonly joins: { sql: string; filtering: boolean }[];
  readonly where: string[];
  readonly groupBy: string[];
  readonly orderBy: string[];
  readonly limit: number | undefined;
  readonly offset: number | undefined;
}

const pathKey = (path: readonly string[]) => path.join('.');

function embedName(item: EmbedItem): string {
  return item.alias ?? item.target;
}

function buildEmbed(ctx: ReadContext, parent: Scope, item: EmbedItem, path: readonly string[]): Embed {
  const relationship = resolveRelationship(ctx.snapshot, parent.table, item.target, item.hint);
  if (item.spread && !relationship.toOne) {
    throw new RestError(400, 'PGRST119', `A spread operation on '${item.target}' is not possible`, {
      details: `'${parent.table.name}' and '${item.target}' do not form a many-to-one or one-to-one relationship`,
    });
  }
  const n = ctx.nextAlias();
  const scope: Scope = { table: relationship.target, alias: `pgrst_t${n}`, label: relationship.target.name };
  const childPath = [...path, embedName(item)];
  const level = buildLevel(ctx, scope, item.select, childPath);
  const join: string[] = [];
  const where = [...level.where];
  const junction = relationship.junction;
  if (junction) {
    const jAlias = `pgrst_j${n}`;
    const on = junction.targetFk.columns.map(
      (column, i) => `${quoteIdent(jAlias)}.${quoteIdent(column)} = ${quoteIdent(scope.alias)}.${quoteIdent(junction.targetFk.refColumns[i])}`,
    );
    join.push(`join ${qualified(junction.table.schema, junction.table.name)} as ${quoteIdent(jAlias)} on ${on.join(' and ')}`);
    junction.sourceFk.columns.forEach((column, i) =>
      where.unshift(`${quoteIdent(jAlias)}.${quoteIdent(column)} = ${quoteIdent(parent.alias)}.${quoteIdent(junction.sourceFk.refColumns[i])}`),
    );
  } else {
    relationship.targetColumns.forEach((column, i) =>
      where.unshift(`${quoteIdent(scope.alias)}.${quoteIdent(column)} = ${quoteIdent(parent.alias)}.${quoteIdent(relationship.sourceColumns[i])}`),
    );
  }
  const inner = [
    `select ${level.selectList.join(', ') || 'null'}`,
    `from ${qualified(scope.table.schema, scope.table.name)} as ${quoteIdent(scope.alias)}`,
    ...join,
    ...level.joins.map((j) => j.sql),
    `where ${where.join(' and ')}`,
    level.groupBy.length ? `group by ${level.groupBy.join(', ')}` : '',
    level.orderBy.length ? `order by ${level.orderBy.join(', ')}` : '',
    level.limit !== undefined ? `limit ${ctx.params.add(String(level.limit), 'int8')}` : '',
    level.offset !== undefined ? `offset ${ctx.params.add(String(level.offset), 'int8')}` : '',
  ].filter(Boolean).join(' ');
  const rowAlias = quoteIdent(`pgrst_r${n}`);
  const lateralAlias = quoteIdent(`pgrst_e${n}`);
  const body = relationship.toOne
    ? `select row_to_json(${rowAlias}) as "pgrst_body", ${rowAlias}.* from (${inner}) as ${rowAlias}`
    : `select json_agg(${rowAlias}) as "pgrst_body" from (${inner}) as ${rowAlias}`;
  const innerJoin = item.joinType === 'inner';
  const on = innerJoin && !relationship.toOne ? `${lateralAlias}."pgrst_body" is not null` : 'true';
  return {
    item,
    name: embedName(item),
    alias: `pgrst_e${n}`,
    relationship,
    lateral: `${innerJoin ? 'inner' : 'left'} join lateral (${body}) as ${lateralAlias} on ${on}`,
    outputNames: level.outputNames,
  };
}

/** `reviews(count)`: PostgREST's older spelling of count() inside an embedded resource, when no column is so named. */
const isLegacyCount = (scope: Scope, item: SelectItem): boolean =>
  item.kind === 'field' && item.field.name === 'count' && item.field.jsonPath.length === 0 && !item.aggregate && !item.cast && !scope.table.columns.has('count');

/** Builds one level: `scope` is the relation, `path` its embed path ([] for the root). */
export function buildLevel(ctx: ReadContext, scope: Scope, items: readonly SelectItem[], path: readonly string[]): Level {
  const modifiers = ctx.levels.get(pathKey(path)) ?? emptyModifiers();
  ctx.visited.add(pathKey(path));
  const selectList: string[] = [];
  const outputNames: string[] = [];
  const joins: { sql: string; filtering: boolean }[] = [];
  const groupBy: string[] = [];
  const embeds = new Map<string, Embed>();
  let aggregates = false;

  for (const item of items) {
    if (item.kind === 'star') {
      selectList.push(`${quoteIdent(scope.alias)}.*`);
      outputNames.push(...scope.table.columns.keys());
    } else if (item.kind === 'count' || isLegacyCount(scope, item)) {
      const alias = item.kind === 'count' || item.kind === 'field' ? item.alias : undefined;
      const cast = item.kind === 'count' ? item.cast : undefined;
      aggregates = true;
      const name = alias ?? 'count';
      selectList.push(`count(*)${cast ? castSql(ctx, cast) : ''} as ${quoteIdent(name)}`);
      outputNames.push(name);
    } else if (item.kind === 'field') {
      const field = fieldSql(ctx, scope, item.field);
      let sql = item.cast ? `${field.sql}${castSql(ctx, item.cast)}` : field.sql;
      let name = item.alias ?? field.name;
      if (item.aggregate) {
        aggregates = true;
        sql = `${item.aggregate}(${sql})${item.aggregateCast ? castSql(ctx, item.aggregateCast) : ''}`;
        name = item.alias ?? item.aggregate;
      } else {
        groupBy.push(sql);
      }
      selectList.push(`${sql} as ${quoteIdent(name)}`);
      outputNames.push(name);
    } else {
      const embed = buildEmbed(ctx, scope, item, path);
      const alias = embed.alias;
      if (embeds.has(embed.name)) throw new RestError(400, 'PGRST100', `"failed to parse select parameter"`, { details: `the name '${embed.name}' is used twice` });
      embeds.set(embed.name, embed);
      joins.push({ sql: embed.lateral, filtering: item.joinType === 'inner' });
      if (item.select.length === 0) {
        // `books!inner()`: the embed only filters the parent rows; it adds no key.
      } else if (item.spread) {
        for (const name of embed.outputNames) {
          selectList.push(`${quoteIdent(alias)}.${quoteIdent(name)} as ${quoteIdent(name)}`);
          outputNames.push(name);
        }
      } else {
        const value = embed.relationship.toOne ? `${quoteIdent(alias)}."pgrst_body"` : `coalesce(${quoteIdent(alias)}."pgrst_body", '[]'::json)`;
        selectList.push(`${value} as ${quoteIdent(embed.name)}`);
        outputNames.push(embed.name);
      }
    }
  }
  if (aggregates && embeds.size > 0) throw notImplemented('Aggregates together with embedded resources at one level are not supported');

  // Filters: columns of this level; at a level's own key, an embedded resource may be tested for null.
  const referenced = new Set<string>();
  const resolveFilter = (filter: Filter): string => {
    const embed = filter.field.jsonPath.length === 0 && !scope.table.columns.has(filter.field.name) ? embeds.get(filter.field.name) : undefined;
    if (embed) {
      if (filter.op !== 'is' || filter.value.kind !== 'is' || (filter.value.value !== 'null' && filter.value.value !== 'not_null')) {
        throw new RestError(400, 'PGRST120', `Bad operator on the '${embed.name}' embedded resource`, {
          details: "Only is null or not is null filters are allowed on embedded resources",
        });
      }
      referenced.add(embed.name);
      return filterSql(ctx, `${quoteIdent(embed.alias)}."pgrst_body"`, filter);
    }
    return filterSql(ctx, fieldSql(ctx, scope, filter.field).sql, filter);
  };
  const where = modifiers.conditions.map((condition) => conditionSql(ctx, condition, resolveFilter));
  for (const join of joins) {
    const name = [...embeds.values()].find((embed) => embed.lateral === join.sql)?.name;
    if (name && referenced.has(name)) join.filtering = true;
  }

  const orderBy = (modifiers.order ?? []).map((term) => {
    if (term.relation === undefined) return orderSql(fieldSql(ctx, scope, term.field).sql, term);
    const embed = embeds.get(term.relation);
    if (!embed || !embed.relationship.toOne || embed.item.spread) {
      throw new RestError(400, 'PGRST118', `A related order on '${term.relation}' is not possible`, {
        details: `'${scope.table.name}' and '${term.relation}' do not form a many-to-one or one-to-one relationship in this request`,
      });
    }
    if (term.field.jsonPath.length || !embed.outputNames.includes(term.field.name)) throw columnNotFound(term.relation, term.field.name);
    return orderSql(`${quoteIdent(embed.alias)}.${quoteIdent(term.field.name)}`, term);
  });

  return {
    selectList,
    outputNames,
    joins,
    where,
    groupBy: aggregates ? groupBy : [],
    orderBy,
    limit: modifiers.limit,
    offset: modifiers.offset,
  };
}

export interface ReadStatementOptions {
  /** The FROM item: a table, or a CTE of mutated rows. */
  readonly from: string;
  readonly scope: Scope;
  readonly request: ReadRequest;
  readonly extraWhere?: readonly string[];
  /** The page is one JSON object (Accept: application/vnd.pgrst.object+json). */
  readonly single: boolean;
  readonly stripNulls: boolean;
  readonly count: boolean;
  /** Root limit cap (PGRST_DB_MAX_ROWS). */
  readonly maxRows: number | undefined;
}

/** The page query and the query whose rows a count counts (same parameters). */
export function rootQueries(ctx: ReadContext, options: ReadStatementOptions): { page: string; counted: string } {
  const level = buildLevel(ctx, options.scope, options.request.select, []);
  for (const [path, modifiers] of options.request.levels) {
    const used = modifiers.conditions.length > 0 || modifiers.order !== undefined || modifiers.limit !== undefined || modifiers.offset !== undefined;
    if (used && !ctx.visited.has(path)) {
      const name = path.split('.').pop() as string;
      throw new RestError(400, 'PGRST108', `'${name}' is not an embedded resource in this request`, {
        hint: `Verify that '${name}' is included in the 'select' query parameter.`,
      });
    }
  }
  const where = [...(options.extraWhere ?? []), ...level.where];
  const whereSql = where.length ? `where ${where.join(' and ')}` : '';
  const groupSql = level.groupBy.length ? `group by ${level.groupBy.join(', ')}` : '';
  const fromSql = `from ${options.from} as ${quoteIdent(options.scope.alias)}`;
  const limit = options.maxRows === undefined ? level.limit : Math.min(level.limit ?? options.maxRows, options.maxRows);
  const page = [
    `select ${level.selectList.join(', ') || 'null'}`,
    fromSql,
    ...level.joins.map((join) => join.sql),
    whereSql,
    groupSql,
    level.orderBy.length ? `order by ${level.orderBy.join(', ')}` : '',
    limit !== undefined ? `limit ${ctx.params.add(String(limit), 'int8')}` : '',
    level.offset ? `offset ${ctx.params.add(String(level.offset), 'int8')}` : '',
  ].filter(Boolean).join(' ');
  const counted = ['select 1', fromSql, ...level.joins.filter((join) => join.filtering).map((join) => join.sql), whereSql, groupSql]
    .filter(Boolean)
    .join(' ');
  return { page, counted };
}

/** Columns: body (JSON text), page_total, and total when counted exactly. */
export function readStatement(ctx: ReadContext, options: ReadStatementOptions): string {
  const { page, counted } = rootQueries(ctx, options);
  const total = options.count ? `, (select count(*) from (${counted}) as "pgrst_c")::text as total` : '';
  return `select ${jsonBody(options)} as body, count(*)::text as page_total${total} from (${page}) as "pgrst_page"`;
}

/** The JSON of the rows of "pgrst_page": an array, or its only element. */
export function jsonBody(options: { single: boolean; stripNulls: boolean }): string {
  const aggregate = `coalesce(json_agg("pgrst_page"), '[]'::json)`;
  const json = options.stripNulls ? `json_strip_nulls(${aggregate})` : aggregate;
  return options.single ? `(${json}->0)::text` : `${json}::text`;
}

export const tableSource = (table: TableInfo): string => qualified(table.schema, table.name);

/** Resolves a column used by a mutation (on_conflict, columns=…). */
export const requireColumn = (scope: Scope, name: string): string => columnSql(scope, name);
