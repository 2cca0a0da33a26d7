/**
 * A comparable picture of a database's catalog: every schema outside PostgreSQL's own, with its tables
 * (columns with type, nullability, default and generation; row-level security; privileges), constraints
 * and indexes by name with their definitions, functions by signature with owner and privileges, types,
 * sequences, policies, triggers, event triggers, extensions, default privileges, the database's own
 * privileges and the attributes and memberships of the roles asked for. Plain JSON, sorted, so that
 * `assert.deepEqual(before, after)` says "nothing changed" and a failure shows what did.
 */
import type { Queryable } from '../../src/store/db.js';

export interface CatalogSnapshot {
  readonly database: { readonly owner: string; readonly acl: readonly string[] };
  readonly schemas: Record<string, { readonly owner: string; readonly acl: readonly string[] }>;
  readonly relations: Record<string, {
    readonly kind: string;
    readonly owner: string;
    readonly acl: readonly string[];
    readonly rowSecurity: boolean;
    readonly forceRowSecurity: boolean;
    readonly columns: Record<string, string>;
  }>;
  readonly constraints: Record<string, string>;
  readonly indexes: Record<string, string>;
  readonly functions: Record<string, { readonly owner: string; readonly acl: readonly string[]; readonly details: string }>;
  readonly types: Record<string, string>;
  readonly policies: Record<string, string>;
  readonly triggers: Record<string, string>;
  readonly eventTriggers: Record<string, string>;
  readonly extensions: Record<string, string>;
  readonly defaultPrivileges: readonly string[];
  readonly roles: Record<string, { readonly attributes: string; readonly config: readonly string[]; readonly memberOf: readonly string[]; readonly members: readonly string[] }>;
  /** Full contents of the tables asked for (small bookkeeping tables such as auth.schema_migrations). */
  readonly rows: Record<string, readonly string[]>;
}

export interface SnapshotOptions {
  /** Roles whose attributes and memberships belong in the picture (roles are cluster-wide). */
  readonly roles?: readonly string[];
  /** Tables (schema.name) whose rows belong in the picture, each row as its JSON text, sorted. */
  readonly rowsOf?: readonly string[];
}

/** Schemas that are PostgreSQL's own. */
const USER_SCHEMA = `n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp%'`;

const acl = (text: string | null): string[] => (text ? text.replace(/^\{|\}$/g, '').split(',').filter(Boolean).sort() : []);

function byKey<Row, Value>(rows: readonly Row[], key: (row: Row) => string, value: (row: Row) => Value): Record<string, Value> {
  const result: Record<string, Value> = {};
  for (const row of [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))) result[key(row)] = value(row);
  return result;
}

export async function snapshotCatalog(db: Queryable, options: SnapshotOptions = {}): Promise<CatalogSnapshot> {
  const [database] = await db.query<{ owner: string; acl: string | null }>(
    `select pg_get_userbyid(datdba) as owner, datacl::text as acl from pg_database where datname = current_database()`,
  );
  const schemas = await db.query<{ name: string; owner: string; acl: string | null }>(
    `select n.nspname as name, pg_get_userbyid(n.nspowner) as owner, n.nspacl::text as acl
       from pg_namespace n where ${USER_SCHEMA}`,
  );
  const relations = await db.query<{ name: string; kind: string; owner: string; acl: string | null; rls: boolean; force_rls: boolean }>(
    `select n.nspname || '.' || c.relname as name, c.relkind::text as kind, pg_get_userbyid(c.relowner) as owner,
            c.relacl::text as acl, c.relrowsecurity as rls, c.relforcerowsecurity as force_rls
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where ${USER_SCHEMA} and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')`,
  );
  const columns = await db.query<{ relation: string; name: string; description: string }>(
    `select n.nspname || '.' || c.relname as relation, a.attname as name,
            format_type(a.atttypid, a.atttypmod)
              || case when a.attnotnull then ' not null' else '' end
              || case when a.attgenerated <> '' then ' generated always as ' || pg_get_expr(d.adbin, d.adrelid)
                      else coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') end
              || case when a.attidentity <> '' then ' identity ' || a.attidentity::text else '' end
              || coalesce(' acl ' || a.attacl::text, '') as description
       from pg_attribute a
       join pg_class c on c.oid = a.attrelid
       join pg_namespace n on n.oid = c.relnamespace
       left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where ${USER_SCHEMA} and c.relkind in ('r', 'p', 'v', 'm', 'f') and a.attnum > 0 and not a.attisdropped`,
  );
  const constraints = await db.query<{ name: string; definition: string }>(
    `select n.nspname || '.' || coalesce(c.relname, t.typname) || '.' || k.conname as name, pg_get_constraintdef(k.oid) as definition
       from pg_constraint k
       join pg_namespace n on n.oid = k.connamespace
       left join pg_class c on c.oid = k.conrelid
       left join pg_type t on t.oid = k.contypid
      where ${USER_SCHEMA}`,
  );
  const indexes = await db.query<{ name: string; definition: string }>(
    `select n.nspname || '.' || ci.relname as name, pg_get_indexdef(i.indexrelid) as definition
       from pg_index i join pg_class ci on ci.oid = i.indexrelid join pg_namespace n on n.oid = ci.relnamespace
      where ${USER_SCHEMA}`,
  );
  const functions = await db.query<{ name: string; owner: string; acl: string | null; details: string }>(
    `select n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' as name,
            pg_get_userbyid(p.proowner) as owner, p.proacl::text as acl,
            p.prokind::text || ' returns ' || coalesce(pg_get_function_result(p.oid), '-') || ' language ' || l.lanname
              || ' volatility ' || p.provolatile::text || case when p.prosecdef then ' security definer' else '' end
              || coalesce(' set ' || array_to_string(p.proconfig, ','), '')
              || ' body md5 ' || md5(coalesce(p.prosrc, '')) as details
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
      where ${USER_SCHEMA}`,
  );
  const types = await db.query<{ name: string; description: string }>(
    `select n.nspname || '.' || t.typname as name,
            t.typtype::text || coalesce(' ' || (select string_agg(e.enumlabel, ',' order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid), '')
              || ' owner ' || pg_get_userbyid(t.typowner) as description
       from pg_type t join pg_namespace n on n.oid = t.typnamespace
      where ${USER_SCHEMA} and t.typtype in ('e', 'd', 'c', 'r') and (t.typrelid = 0 or (select relkind from pg_class where oid = t.typrelid) = 'c')`,
  );
  const policies = await db.query<{ name: string; description: string }>(
    `select schemaname || '.' || tablename || '.' || policyname as name,
            permissive || ' ' || cmd || ' to ' || array_to_string(roles, ',') || ' using ' || coalesce(qual, '-')
              || ' check ' || coalesce(with_check, '-') as description
       from pg_policies`,
  );
  const triggers = await db.query<{ name: string; definition: string }>(
    `select n.nspname || '.' || c.relname || '.' || g.tgname as name, pg_get_triggerdef(g.oid) || ' enabled ' || g.tgenabled::text as definition
       from pg_trigger g join pg_class c on c.oid = g.tgrelid join pg_namespace n on n.oid = c.relnamespace
      where not g.tgisinternal and ${USER_SCHEMA}`,
  );
  const eventTriggers = await db.query<{ name: string; description: string }>(
    `select evtname as name, evtevent || ' ' || evtfoid::regprocedure::text || ' enabled ' || evtenabled::text
              || coalesce(' tags ' || array_to_string(evttags, ','), '') as description
       from pg_event_trigger`,
  );
  const extensions = await db.query<{ name: string; description: string }>(
    `select e.extname as name, n.nspname || ' ' || e.extversion as description
       from pg_extension e join pg_namespace n on n.oid = e.extnamespace`,
  );
  const defaultPrivileges = await db.query<{ entry: string }>(
    `select pg_get_userbyid(d.defaclrole) || ' in ' || coalesce(n.nspname, '*') || ' on ' || d.defaclobjtype::text || ': '
              || array_to_string(array(select unnest(d.defaclacl)::text order by 1), ',') as entry
       from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace`,
  );
  const roleNames = [...(options.roles ?? [])];
  const roles = await db.query<{ name: string; attributes: string; config: string[] | null; member_of: string[]; members: string[] }>(
    `select r.rolname as name,
            concat_ws(' ',
              case when r.rolsuper then 'superuser' end, case when r.rolcanlogin then 'login' end,
              case when r.rolinherit then 'inherit' end, case when r.rolcreaterole then 'createrole' end,
              case when r.rolcreatedb then 'createdb' end, case when r.rolreplication then 'replication' end,
              case when r.rolbypassrls then 'bypassrls' end) as attributes,
            r.rolconfig as config,
            array(select g.rolname || case when m.admin_option then ' with admin' else '' end
                    from pg_auth_members m join pg_roles g on g.oid = m.roleid where m.member = r.oid order by 1) as member_of,
            array(select u.rolname || case when m.admin_option then ' with admin' else '' end
                    from pg_auth_members m join pg_roles u on u.oid = m.member where m.roleid = r.oid order by 1) as members
       from pg_roles r where r.rolname = any($1::text[])`,
    [roleNames],
  );
  const rows: Record<string, string[]> = {};
  for (const table of options.rowsOf ?? []) {
    const exists = await db.query<{ found: boolean }>('select to_regclass($1) is not null as found', [table]);
    rows[table] = exists[0].found
      ? (await db.query<{ row: string }>(`select row_to_json(t)::text as row from ${table} t`)).map((r) => r.row).sort()
      : ['(no such table)'];
  }

  const columnsOf: Record<string, Record<string, string>> = {};
  for (const column of [...columns].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    (columnsOf[column.relation] ??= {})[column.name] = column.description;
  }
  return {
    database: { owner: database.owner, acl: acl(database.acl) },
    schemas: byKey(schemas, (s) => s.name, (s) => ({ owner: s.owner, acl: acl(s.acl) })),
    relations: byKey(relations, (r) => r.name, (r) => ({
      kind: r.kind,
      owner: r.owner,
      acl: acl(r.acl),
      rowSecurity: r.rls,
      forceRowSecurity: r.force_rls,
      columns: columnsOf[r.name] ?? {},
    })),
    constraints: byKey(constraints, (c) => c.name, (c) => c.definition),
    indexes: byKey(indexes, (i) => i.name, (i) => i.definition),
    functions: byKey(functions, (f) => f.name, (f) => ({ owner: f.owner, acl: acl(f.acl), details: f.details })),
    types: byKey(types, (t) => t.name, (t) => t.description),
    policies: byKey(policies, (p) => p.name, (p) => p.description),
    triggers: byKey(triggers, (t) => t.name, (t) => t.definition),
    eventTriggers: byKey(eventTriggers, (e) => e.name, (e) => e.description),
    extensions: byKey(extensions, (e) => e.name, (e) => e.description),
    defaultPrivileges: defaultPrivileges.map((d) => d.entry).sort(),
    roles: byKey(roles, (r) => r.name, (r) => ({
      attributes: r.attributes,
      config: [...(r.config ?? [])].sort(),
      memberOf: r.member_of,
      members: r.members,
    })),
    rows,
  };
}

/** Flattens a snapshot to `path → value` lines, so two snapshots can be compared entry by entry. */
function flatten(value: unknown, path: string, into: Map<string, string>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) into.set(path, '{}');
    for (const [key, child] of entries) flatten(child, path ? `${path} › ${key}` : key, into);
  } else {
    into.set(path, JSON.stringify(value));
  }
}

/** What differs between two snapshots, one line per entry added, removed or changed (empty: the same). */
export function catalogDifferences(before: CatalogSnapshot, after: CatalogSnapshot): string[] {
  const a = new Map<string, string>();
  const b = new Map<string, string>();
  flatten(before, '', a);
  flatten(after, '', b);
  const lines: string[] = [];
  for (const [path, value] of a) {
    if (!b.has(path)) lines.push(`removed ${path}: ${value}`);
    else if (b.get(path) !== value) lines.push(`changed ${path}: ${value} → ${b.get(path)}`);
  }
  for (const [path, value] of b) if (!a.has(path)) lines.push(`added ${path}: ${value}`);
  return lines.sort();
}
