/** What the RLS audit reads: policies, tables and views of the exposed schemas, auth.users triggers. */
import type { Queryable } from '../store/db.js';

export type PolicyCommand = 'ALL' | 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

export interface PolicyRow {
  readonly schema: string;
  readonly table: string;
  readonly name: string;
  readonly permissive: boolean;
  readonly roles: readonly string[];
  readonly command: PolicyCommand;
  /** USING, as PostgreSQL deparses it (null when absent). */
  readonly using: string | null;
  readonly withCheck: string | null;
  /** Whether row-level security is on for the table (policies of a table without it do nothing). */
  readonly rlsEnabled: boolean;
}

export interface RelationRow {
  readonly schema: string;
  readonly name: string;
  readonly kind: 'table' | 'view';
  readonly rlsEnabled: boolean;
  readonly securityInvoker: boolean;
  /** Privileges anon/authenticated hold on it (SELECT, INSERT, UPDATE, DELETE). */
  readonly apiPrivileges: readonly string[];
}

export interface TriggerRow {
  readonly trigger: string;
  readonly definition: string;
  readonly functionSchema: string;
  readonly functionName: string;
  readonly source: string;
}

const SYSTEM_SCHEMAS = ['pg_catalog', 'information_schema', 'pg_toast'];

export async function readPolicies(db: Queryable): Promise<PolicyRow[]> {
  const rows = await db.query<{
    schema: string; table: string; name: string; permissive: string; roles: string[]; command: PolicyCommand;
    using: string | null; with_check: string | null; rls: boolean;
  }>(
    `select p.schemaname::text as schema, p.tablename::text as "table", p.policyname::text as name, p.permissive::text as permissive,
            p.roles::text[] as roles, p.cmd::text as command, p.qual as using, p.with_check, c.relrowsecurity as rls
       from pg_policies p
       join pg_namespace n on n.nspname = p.schemaname
       join pg_class c on c.relnamespace = n.oid and c.relname = p.tablename
      where p.schemaname <> all($1::text[])
      order by p.schemaname, p.tablename, p.policyname`,
    [SYSTEM_SCHEMAS],
  );
  return rows.map((row) => ({
    schema: row.schema,
    table: row.table,
    name: row.name,
    permissive: row.permissive.toUpperCase() === 'PERMISSIVE',
    roles: row.roles,
    command: row.command,
    using: row.using,
    withCheck: row.with_check,
    rlsEnabled: row.rls,
  }));
}

export async function readRelations(db: Queryable, schemas: readonly string[]): Promise<RelationRow[]> {
  const rows = await db.query<{ schema: string; name: string; kind: string; rls: boolean; invoker: boolean; privileges: string[] }>(
    `select n.nspname::text as schema, c.relname::text as name, c.relkind::text as kind, c.relrowsecurity as rls,
            coalesce(c.reloptions, '{}') && array['security_invoker=true', 'security_invoker=on', 'security_invoker=1', 'security_invoker=yes'] as invoker,
            array(select distinct priv from unnest(array['anon', 'authenticated']) as r(role)
                    cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE']) as x(priv)
                   where exists (select 1 from pg_roles where rolname = r.role)
                     and has_table_privilege(r.role, c.oid, x.priv) order by priv) as privileges
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = any($1::text[]) and c.relkind in ('r', 'p', 'v', 'm')
      order by n.nspname, c.relname`,
    [schemas],
  );
  return rows.map((row) => ({
    schema: row.schema,
    name: row.name,
    kind: row.kind === 'v' || row.kind === 'm' ? 'view' : 'table',
    rlsEnabled: row.rls,
    securityInvoker: row.invoker,
    apiPrivileges: row.privileges,
  }));
}

export async function readAuthUsersTriggers(db: Queryable): Promise<TriggerRow[]> {
  return db.query<TriggerRow>(
    `select t.tgname::text as trigger, pg_get_triggerdef(t.oid) as definition,
            pn.nspname::text as "functionSchema", p.proname::text as "functionName", p.prosrc as source
       from pg_trigger t
       join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
       join pg_proc p on p.oid = t.tgfoid join pg_namespace pn on pn.oid = p.pronamespace
      where n.nspname = 'auth' and c.relname = 'users' and not t.tgisinternal
      order by t.tgname`,
  );
}
