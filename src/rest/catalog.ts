/** The catalog queries behind the schema cache: relations, keys, functions, roles, cast types. */
import type { Queryable } from '../store/db.js';

export interface ColumnInfo {
  readonly name: string;
  /** format_type() of the column: trusted catalog text, usable in SQL. */
  readonly type: string;
  readonly nullable: boolean;
  readonly hasDefault: boolean;
  readonly generated: boolean;
}

export type RelationKind = 'table' | 'view' | 'materialized_view' | 'foreign_table' | 'partitioned_table';

export interface TableInfo {
  readonly schema: string;
  readonly name: string;
  readonly kind: RelationKind;
  readonly columns: ReadonlyMap<string, ColumnInfo>;
  readonly primaryKey: readonly string[];
  /** Column sets of the primary key and of every unique index without expressions or predicate. */
  readonly uniqueKeys: readonly (readonly string[])[];
}

export interface ForeignKey {
  readonly name: string;
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly refSchema: string;
  readonly refTable: string;
  readonly refColumns: readonly string[];
}

export interface FunctionArg {
  /** '' for an unnamed argument. */
  readonly name: string;
  readonly type: string;
  readonly hasDefault: boolean;
  readonly variadic: boolean;
}

export interface FunctionInfo {
  readonly schema: string;
  readonly name: string;
  readonly args: readonly FunctionArg[];
  readonly returnsSet: boolean;
  readonly returnType: string;
  /** 'composite' results have `returnColumns`; 'void' results answer 204. */
  readonly returnKind: 'scalar' | 'composite' | 'void';
  readonly returnColumns: readonly { name: string; type: string }[];
  /** Set when the function returns rows of a table or view in an exposed schema (embedding works on them). */
  readonly returnRelation: { schema: string; name: string } | undefined;
  readonly volatility: 'immutable' | 'stable' | 'volatile';
}

export interface RoleInfo {
  readonly name: string;
  readonly superuser: boolean;
  /** `alter role … set name = value` settings (user-settable ones), applied to each request as PostgREST does. */
  readonly settings: readonly (readonly [string, string])[];
}

const relkinds: Record<string, RelationKind> = { r: 'table', v: 'view', m: 'materialized_view', f: 'foreign_table', p: 'partitioned_table' };

export async function loadRelations(db: Queryable, schemas: readonly string[]): Promise<TableInfo[]> {
  const rows = await db.query<{ schema: string; name: string; kind: string; columns: ColumnInfo[]; keys: { cols: string[]; pk: boolean }[] | null }>(
    `select n.nspname::text as schema, c.relname::text as name, c.relkind::text as kind,
            coalesce((select json_agg(json_build_object(
                'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'nullable', not a.attnotnull,
                'hasDefault', a.atthasdef or a.attidentity <> '', 'generated', a.attgenerated <> '') order by a.attnum)
               from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped), '[]'::json) as columns,
            (select json_agg(json_build_object('pk', i.indisprimary, 'cols',
                 (select json_agg(a.attname order by k.ord) from unnest(i.indkey::int2[]) with ordinality k(attnum, ord)
                    join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum)))
               from pg_index i where i.indrelid = c.oid and i.indisunique and i.indpred is null and not (0 = any(i.indkey::int2[]))) as keys
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = any($1::text[]) and c.relkind in ('r', 'v', 'm', 'f', 'p')`,
    [schemas],
  );
  return rows.map((row) => {
    const keys = row.keys ?? [];
    return {
      schema: row.schema,
      name: row.name,
      kind: relkinds[row.kind] ?? 'table',
      columns: new Map(row.columns.map((column) => [column.name, column])),
      primaryKey: keys.find((key) => key.pk)?.cols ?? [],
      uniqueKeys: keys.map((key) => key.cols),
    };
  });
}

export async function loadForeignKeys(db: Queryable, schemas: readonly string[]): Promise<ForeignKey[]> {
  return db.query<ForeignKey>(
    `select con.conname::text as name, n.nspname::text as schema, c.relname::text as "table",
            array(select a.attname::text from unnest(con.conkey) with ordinality k(attnum, ord)
                    join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum order by k.ord) as columns,
            fn.nspname::text as "refSchema", fc.relname::text as "refTable",
            array(select a.attname::text from unnest(con.confkey) with ordinality k(attnum, ord)
                    join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum order by k.ord) as "refColumns"
       from pg_constraint con
       join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
       join pg_class fc on fc.oid = con.confrelid join pg_namespace fn on fn.oid = fc.relnamespace
      where con.contype = 'f' and n.nspname = any($1::text[]) and fn.nspname = any($1::text[])`,
    [schemas],
  );
}

interface FunctionRow {
  schema: string;
  name: string;
  arg_names: string[] | null;
  arg_modes: string[] | null;
  arg_types: string[];
  n_in: number;
  n_defaults: number;
  returns_set: boolean;
  return_type: string;
  return_typtype: string;
  return_columns: { name: string; type: string }[] | null;
  return_relation: { schema: string; name: string; kind: string } | null;
  volatility: string;
}

export async function loadFunctions(db: Queryable, schemas: readonly string[]): Promise<FunctionInfo[]> {
  const rows = await db.query<FunctionRow>(
    `select n.nspname::text as schema, p.proname::text as name, p.proargnames::text[] as arg_names, p.proargmodes::text[] as arg_modes,
            array(select format_type(t, null) from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality x(t, ord) order by ord) as arg_types,
            p.pronargs::int as n_in, p.pronargdefaults::int as n_defaults, p.proretset as returns_set,
            format_type(p.prorettype, null) as return_type, rt.typtype::text as return_typtype,
            (select json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod)) order by a.attnum)
               from pg_attribute a where rt.typrelid <> 0 and a.attrelid = rt.typrelid and a.attnum > 0 and not a.attisdropped) as return_columns,
            (select json_build_object('schema', rn.nspname, 'name', rc.relname, 'kind', rc.relkind)
               from pg_class rc join pg_namespace rn on rn.oid = rc.relnamespace where rc.oid = rt.typrelid and rc.relkind <> 'c') as return_relation,
            p.provolatile::text as volatility
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_type rt on rt.oid = p.prorettype
      where n.nspname = any($1::text[]) and p.prokind = 'f'`,
    [schemas],
  );
  return rows.map(toFunctionInfo);
}

function toFunctionInfo(row: FunctionRow): FunctionInfo {
  const modes = row.arg_modes ?? row.arg_types.map(() => 'i');
  const names = row.arg_names ?? [];
  const args: FunctionArg[] = [];
  const outColumns: { name: string; type: string }[] = [];
  row.arg_types.forEach((type, index) => {
    const mode = modes[index] ?? 'i';
    const name = names[index] ?? '';
    if (mode === 'i' || mode === 'b' || mode === 'v') args.push({ name, type, hasDefault: false, variadic: mode === 'v' });
    if (mode === 'o' || mode === 'b' || mode === 't') outColumns.push({ name, type });
  });
  // The last pronargdefaults input arguments have defaults.
  for (let i = Math.max(0, args.length - row.n_defaults); i < args.length; i++) args[i] = { ...args[i], hasDefault: true };
  const volatility = row.volatility === 'i' ? 'immutable' : row.volatility === 's' ? 'stable' : 'volatile';
  let returnKind: FunctionInfo['returnKind'] = 'scalar';
  let returnColumns: { name: string; type: string }[] = [];
  if (row.return_type === 'void') returnKind = 'void';
  else if (outColumns.length > 1 || (outColumns.length === 1 && modes.includes('t'))) {
    returnKind = 'composite';
    returnColumns = outColumns;
  } else if (row.return_typtype === 'c' && row.return_columns) {
    returnKind = 'composite';
    returnColumns = row.return_columns;
  }
  return {
    schema: row.schema,
    name: row.name,
    args,
    returnsSet: row.returns_set,
    returnType: row.return_type,
    returnKind,
    returnColumns,
    returnRelation: row.return_relation ? { schema: row.return_relation.schema, name: row.return_relation.name } : undefined,
    volatility,
  };
}

export async function loadRoles(db: Queryable, name?: string): Promise<RoleInfo[]> {
  const rows = await db.query<{ name: string; superuser: boolean; settings: string[] }>(
    `select r.rolname::text as name, r.rolsuper as superuser,
            array(select cfg from pg_db_role_setting s cross join unnest(s.setconfig) with ordinality as c(cfg, ord)
                   where s.setrole = r.oid and s.setdatabase in (0, (select oid from pg_database where datname = current_database()))
                     and split_part(cfg, '=', 1) not in ('search_path', 'role', 'session_authorization')
                     and (split_part(cfg, '=', 1) like '%.%'
                          or exists (select 1 from pg_settings p where p.name = split_part(cfg, '=', 1) and p.context = 'user'))
                   order by s.setdatabase, ord) as settings
       from pg_roles r where $1::text is null or r.rolname = $1::text`,
    [name ?? null],
  );
  return rows.map((row) => ({
    name: row.name,
    superuser: row.superuser,
    settings: row.settings.map((cfg) => [cfg.slice(0, cfg.indexOf('=')), cfg.slice(cfg.indexOf('=') + 1)] as const),
  }));
}

/** Type names a `::cast` in `select` may use: pg_catalog's scalar types. */
export async function loadCastTypes(db: Queryable): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    `select typname::text as name from pg_type
      where typnamespace = 'pg_catalog'::regnamespace and typtype in ('b', 'r', 'm', 'e', 'd') and typname !~ '^_' and typisdefined`,
  );
  return rows.map((row) => row.name);
}
