/**
 * Inserts (single, bulk, upsert), updates and deletes as data-modifying CTEs named "pgrst_source".
 * The request body goes in as ONE json parameter and is spread into rows by json_populate_recordset,
 * so values are never part of the SQL text and keep their precision.
 */
import { payloadColumnNotFound, RestError } from '../errors.js';
import { quoteIdent, qualified } from '../ident.js';
import type { TableInfo } from '../schema-cache.js';
import { columnSql, type ExprContext, type Scope } from './expr.js';

export interface InsertPlan {
  readonly table: TableInfo;
  /** The raw JSON body: an object or an array of objects. */
  readonly body: string;
  readonly rows: readonly Record<string, unknown>[];
  /** `columns=` when given. */
  readonly columns: readonly string[] | undefined;
  /** Prefer: missing=default — keys a row lacks take the column default instead of null. */
  readonly missingDefault: boolean;
  readonly onConflict: { readonly columns: readonly string[]; readonly action: 'merge' | 'ignore' } | undefined;
  /** RETURNING * (representation) or RETURNING 1 (counting only: no SELECT policy is involved). */
  readonly returnRows: boolean;
}

/** The payload columns: `columns=` (checked), else the keys of the rows (all rows must agree). */
export function insertColumns(table: TableInfo, rows: readonly Record<string, unknown>[], columns: readonly string[] | undefined): string[] {
  const check = (name: string) => {
    if (!table.columns.has(name)) throw payloadColumnNotFound(table.name, name);
    return name;
  };
  if (columns) return [...new Set(columns)].map(check);
  if (rows.length === 0) return [];
  const first = Object.keys(rows[0]);
  const same = (keys: string[]) => keys.length === first.length && keys.every((key) => first.includes(key));
  if (!rows.every((row) => same(Object.keys(row)))) throw new RestError(400, 'PGRST102', 'All object keys must match');
  return first.map(check);
}

const payloadArray = (ctx: ExprContext, body: string) =>
  `(select case when json_typeof("pgrst_j") = 'array' then "pgrst_j" else json_build_array("pgrst_j") end from (select ${ctx.params.add(body, 'json')} as "pgrst_j") as "pgrst_payload")`;

function insertStatement(ctx: ExprContext, plan: InsertPlan, columns: readonly string[], rowsJson: string): string {
  const target = qualified(plan.table.schema, plan.table.name);
  const names = columns.map(quoteIdent).join(', ');
  const source = columns.length
    ? `(${names}) select ${names} from json_populate_recordset(null::${target}, ${rowsJson}) as "pgrst_body"`
    : `select from json_array_elements(${rowsJson}) as "pgrst_body"`;
  let conflict = '';
  if (plan.onConflict) {
    const scope: Scope = { table: plan.table, alias: 'pgrst_ins', label: plan.table.name };
    for (const column of plan.onConflict.columns) columnSql(scope, column);
    const targetColumns = plan.onConflict.columns.length ? ` (${plan.onConflict.columns.map(quoteIdent).join(', ')})` : '';
    const updates = columns.map((column) => `${quoteIdent(column)} = excluded.${quoteIdent(column)}`);
    conflict =
      plan.onConflict.action === 'merge' && updates.length
        ? ` on conflict${targetColumns} do update set ${updates.join(', ')}`
        : ` on conflict${targetColumns} do nothing`;
  }
  return `insert into ${target} ${source}${conflict} returning ${plan.returnRows ? '*' : '1'}`;
}

/** `with "pgrst_source" as (insert …)`, possibly several inserts (missing=default with differing keys). */
export function insertCte(ctx: ExprContext, plan: InsertPlan): string {
  const columns = insertColumns(plan.table, plan.rows, plan.columns);
  if (plan.onConflict && plan.onConflict.action === 'merge' && plan.onConflict.columns.length === 0) {
    throw new RestError(400, 'PGRST100', 'on_conflict is required for merge-duplicates on a table without a primary key');
  }
  if (!plan.missingDefault || plan.rows.length === 0) {
    return `with "pgrst_source" as (${insertStatement(ctx, plan, columns, payloadArray(ctx, plan.body))})`;
  }
  // Rows that lack a key take the column default: one insert per distinct key set.
  const groups = new Map<string, { columns: string[]; indexes: string[] }>();
  plan.rows.forEach((row, index) => {
    const present = columns.filter((column) => Object.hasOwn(row, column));
    const key = JSON.stringify(present);
    const group = groups.get(key) ?? { columns: present, indexes: [] };
    group.indexes.push(String(index + 1));
    groups.set(key, group);
  });
  const payload = payloadArray(ctx, plan.body);
  const parts = [...groups.values()].map((group, i) => {
    const rows = `(select json_agg("pgrst_e" order by "pgrst_i") from json_array_elements(${payload}) with ordinality as "pgrst_x"("pgrst_e", "pgrst_i") where "pgrst_i" = any(${ctx.params.add(group.indexes, 'int8[]')}))`;
    return `"pgrst_ins${i}" as (${insertStatement(ctx, plan, group.columns, rows)})`;
  });
  const union = parts.map((_, i) => `select * from "pgrst_ins${i}"`).join(' union all ');
  return `with ${parts.join(', ')}, "pgrst_source" as (${union})`;
}

export interface UpdatePlan {
  readonly table: TableInfo;
  readonly body: string;
  readonly keys: readonly string[];
  /** Conditions on alias "pgrst_t0". */
  readonly where: readonly string[];
  readonly returnRows: boolean;
}

export function updateCte(ctx: ExprContext, plan: UpdatePlan): string {
  const target = qualified(plan.table.schema, plan.table.name);
  for (const key of plan.keys) if (!plan.table.columns.has(key)) throw payloadColumnNotFound(plan.table.name, key);
  const sets = plan.keys.map((key) => `${quoteIdent(key)} = "pgrst_body".${quoteIdent(key)}`).join(', ');
  const where = plan.where.length ? ` where ${plan.where.join(' and ')}` : '';
  return (
    `with "pgrst_source" as (update ${target} as "pgrst_t0" set ${sets} ` +
    `from (select * from json_populate_record(null::${target}, ${ctx.params.add(plan.body, 'json')})) as "pgrst_body"` +
    `${where} returning ${plan.returnRows ? '"pgrst_t0".*' : '1'})`
  );
}

export function deleteCte(plan: { table: TableInfo; where: readonly string[]; returnRows: boolean }): string {
  const where = plan.where.length ? ` where ${plan.where.join(' and ')}` : '';
  return `with "pgrst_source" as (delete from ${qualified(plan.table.schema, plan.table.name)} as "pgrst_t0"${where} returning ${plan.returnRows ? '"pgrst_t0".*' : '1'})`;
}
