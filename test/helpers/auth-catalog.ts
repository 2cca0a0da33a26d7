/**
 * The shape of the `auth` schema as PostgreSQL's catalog describes it: tables (columns with type,
 * nullability, default and generation; row-level security), constraints and indexes (by name, with
 * their definitions), enum types, sequences and function signatures. Objects named `foyer_…` are
 * Foyer's own additions and are left out, so the result compares directly with GoTrue's schema.
 * Function bodies and comments are not compared: what GoTrue relies on is their names and types.
 * NOT NULL shows with its column (PostgreSQL 18, under PGlite, also lists it as a constraint).
 */
import type { Db, Queryable } from '../../src/store/db.js';

export interface AuthCatalog {
  readonly tables: Record<string, { readonly rowSecurity: boolean; readonly columns: Record<string, string> }>;
  readonly constraints: Record<string, string>;
  readonly indexes: Record<string, string>;
  readonly enums: Record<string, readonly string[]>;
  readonly sequences: readonly string[];
  readonly functions: readonly string[];
}

const FOYER_OWN = `not like 'foyer\\_%'`;

export function readAuthCatalog(db: Db, schema = 'auth'): Promise<AuthCatalog> {
  // pg_get_indexdef and friends leave out the schema of what the search path shows: pin it.
  return db.transaction(async (tx) => {
    await tx.query('set local search_path = pg_catalog');
    return readCatalog(tx, schema);
  });
}

async function readCatalog(db: Queryable, schema: string): Promise<AuthCatalog> {
  const columns = await db.query<{ table_name: string; column_name: string; description: string }>(
    `select c.relname as table_name, a.attname as column_name,
            format_type(a.atttypid, a.atttypmod)
              || case when a.attnotnull then ' not null' else '' end
              || case when a.attgenerated <> '' then ' generated as ' || pg_get_expr(d.adbin, d.adrelid)
                      else coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') end
              || case when a.attidentity <> '' then ' identity' else '' end as description
       from pg_attribute a
       join pg_class c on c.oid = a.attrelid
       left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where c.relnamespace = $1::regnamespace and c.relkind = 'r' and c.relname ${FOYER_OWN}
        and a.attnum > 0 and not a.attisdropped
      order by 1, 2`,
    [schema],
  );
  const tables = await db.query<{ relname: string; relrowsecurity: boolean }>(
    `select relname, relrowsecurity from pg_class
      where relnamespace = $1::regnamespace and relkind = 'r' and relname ${FOYER_OWN} order by 1`,
    [schema],
  );
  const constraints = await db.query<{ name: string; description: string }>(
    `select conrelid::regclass::text || '.' || conname as name, pg_get_constraintdef(oid) as description
       from pg_constraint
      where connamespace = $1::regnamespace and conname ${FOYER_OWN} and contype <> 'n'
        and conrelid::regclass::text not like '%.foyer\\_%'
      order by 1`,
    [schema],
  );
  const indexes = await db.query<{ name: string; description: string }>(
    `select ci.relname as name, pg_get_indexdef(i.indexrelid) as description
       from pg_index i
       join pg_class ci on ci.oid = i.indexrelid
       join pg_class ct on ct.oid = i.indrelid
      where ct.relnamespace = $1::regnamespace and ci.relname ${FOYER_OWN} and ct.relname ${FOYER_OWN}
      order by 1`,
    [schema],
  );
  const enums = await db.query<{ typname: string; labels: string[] }>(
    `select t.typname, array_agg(e.enumlabel::text order by e.enumsortorder) as labels
       from pg_type t join pg_enum e on e.enumtypid = t.oid
      where t.typnamespace = $1::regnamespace and t.typname ${FOYER_OWN}
      group by t.typname order by 1`,
    [schema],
  );
  const sequences = await db.query<{ relname: string }>(
    `select relname from pg_class where relnamespace = $1::regnamespace and relkind = 'S' and relname ${FOYER_OWN} order by 1`,
    [schema],
  );
  const functions = await db.query<{ signature: string }>(
    `select p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') returns '
              || pg_get_function_result(p.oid) || ' ' || l.lanname || ' '
              || case p.provolatile when 'i' then 'immutable' when 's' then 'stable' else 'volatile' end as signature
       from pg_proc p join pg_language l on l.oid = p.prolang
      where p.pronamespace = $1::regnamespace and p.proname ${FOYER_OWN}
      order by 1`,
    [schema],
  );
  const byTable: Record<string, { rowSecurity: boolean; columns: Record<string, string> }> = {};
  for (const table of tables) byTable[table.relname] = { rowSecurity: table.relrowsecurity, columns: {} };
  for (const column of columns) {
    const table = byTable[column.table_name];
    if (table) table.columns[column.column_name] = column.description;
  }
  return {
    tables: byTable,
    constraints: Object.fromEntries(constraints.map((row) => [row.name, row.description])),
    indexes: Object.fromEntries(indexes.map((row) => [row.name, row.description])),
    enums: Object.fromEntries(enums.map((row) => [row.typname, row.labels])),
    sequences: sequences.map((row) => row.relname),
    functions: functions.map((row) => row.signature),
  };
}
