/**
 * What a migration needs, read from the catalog before anything changes: the login's privileges, the
 * state of schema `auth` (absent, an older GoTrue schema, GoTrue's at or past the version Foyer keeps),
 * the API roles, an earlier Foyer's schema `foyer`. Every missing privilege becomes one line naming
 * the fix, so a start that cannot succeed says so at once and leaves the database as it was.
 */
import type { Queryable } from './db.js';
import { GOTRUE_MIGRATION_VERSIONS, GOTRUE_SCHEMA_VERSION } from './gotrue-schema.js';

/** The roles Supabase's API gateway and PostgREST switch to; RLS policies are written for them. */
export const API_ROLES = ['anon', 'authenticated', 'service_role'] as const;

export interface DatabaseState {
  readonly login: string;
  readonly superuser: boolean;
  readonly authSchemaExists: boolean;
  /** GoTrue's schema needs bringing to GOTRUE_SCHEMA_VERSION (it is older, or absent). */
  readonly authSchemaBehind: boolean;
  /** Versions GoTrue records that auth.schema_migrations lacks (all of them on a new database). */
  readonly missingGotrueVersions: readonly string[];
  readonly missingApiRoles: readonly string[];
  /** An earlier Foyer's schema `foyer` is there to be moved into `auth`. */
  readonly legacyFoyerSchema: boolean;
  readonly foyerMigrationsApplied: ReadonlySet<string>;
}

interface LoginRow {
  login: string;
  superuser: boolean;
  database_create: boolean;
  auth_exists: boolean;
  auth_owner: string | null;
  auth_create: boolean;
  auth_usage: boolean;
  legacy_foyer: boolean;
}

export async function inspectDatabase(db: Queryable): Promise<{ state: DatabaseState; problems: string[] }> {
  const [login] = await db.query<LoginRow>(
    `select current_user as login,
            (select rolsuper from pg_roles where rolname = current_user) as superuser,
            has_database_privilege(current_database(), 'CREATE') as database_create,
            n.oid is not null as auth_exists,
            pg_get_userbyid(n.nspowner) as auth_owner,
            coalesce(has_schema_privilege(n.oid, 'CREATE'), false) as auth_create,
            coalesce(has_schema_privilege(n.oid, 'USAGE'), false) as auth_usage,
            to_regnamespace('foyer') is not null as legacy_foyer
       from (select 1) as one left join pg_namespace n on n.nspname = 'auth'`,
  );
  const problems: string[] = [];
  if (login.auth_exists && !(login.auth_create && login.auth_usage)) {
    // Nothing in a schema it may not use can be read, let alone changed: this is the one thing to fix.
    problems.push(
      `${login.login} may not create objects in schema "auth" (owned by ${login.auth_owner}). GoTrue's login owns it; ` +
        `connect as that login (supabase_auth_admin on Supabase), or as a superuser run:\n` +
        `    alter schema auth owner to ${quoteIdent(login.login)};`,
    );
    return { state: emptyState(login), problems };
  }
  const recorded = login.auth_exists ? await recordedGotrueVersions(db) : new Set<string>();
  // Past the version Foyer keeps (a newer GoTrue migrated it), the schema is GoTrue's to shape.
  const ahead = [...recorded].some((version) => /^\d{14}$/.test(version) && version > GOTRUE_SCHEMA_VERSION);
  const authSchemaBehind = !ahead && !recorded.has(GOTRUE_SCHEMA_VERSION);
  const missingGotrueVersions = ahead ? [] : GOTRUE_MIGRATION_VERSIONS.filter((version) => !recorded.has(version));

  if (!login.auth_exists && !login.database_create) {
    problems.push(
      `Schema "auth" does not exist and ${login.login} may not create it. As a superuser, run:\n` +
        `    create schema auth authorization ${quoteIdent(login.login)};`,
    );
  }
  if (login.auth_exists && !login.superuser) {
    const notOwned = await tablesNotOwned(db, authSchemaBehind);
    if (notOwned.length) {
      problems.push(
        `${login.login} does not own ${notOwned.map((name) => `auth.${name}`).join(', ')}, which Foyer must change. ` +
          `As a superuser, run for each:\n    alter table auth.<table> owner to ${quoteIdent(login.login)};`,
      );
    }
  }
  const existingRoles = new Set(
    (await db.query<{ rolname: string }>(`select rolname from pg_roles where rolname = any($1)`, [[...API_ROLES]])).map((row) => row.rolname),
  );
  const missingApiRoles = API_ROLES.filter((role) => !existingRoles.has(role));
  if (missingApiRoles.length && !login.superuser) {
    problems.push(
      `The role(s) ${missingApiRoles.join(', ')} do not exist and ${login.login} may not create roles (Foyer creates them only ` +
        `as a superuser). The supabase/postgres image creates them; on another PostgreSQL, as a superuser run:\n` +
        missingApiRoles.map((role) => `    create role ${role} nologin noinherit${role === 'service_role' ? ' bypassrls' : ''};\n`).join('') +
        `    grant usage on schema auth to anon, authenticated, service_role;`,
    );
  }
  const foyerMigrationsApplied = await appliedFoyerMigrations(db);
  return {
    state: {
      login: login.login,
      superuser: login.superuser,
      authSchemaExists: login.auth_exists,
      authSchemaBehind,
      missingGotrueVersions,
      missingApiRoles,
      legacyFoyerSchema: login.legacy_foyer,
      foyerMigrationsApplied,
    },
    problems,
  };
}

function emptyState(login: LoginRow): DatabaseState {
  return {
    login: login.login,
    superuser: login.superuser,
    authSchemaExists: login.auth_exists,
    authSchemaBehind: true,
    missingGotrueVersions: [],
    missingApiRoles: [],
    legacyFoyerSchema: login.legacy_foyer,
    foyerMigrationsApplied: new Set(),
  };
}

async function recordedGotrueVersions(db: Queryable): Promise<Set<string>> {
  const [table] = await db.query<{ present: boolean }>(`select to_regclass('auth.schema_migrations') is not null as present`);
  if (!table.present) return new Set();
  const rows = await db.query<{ version: string }>('select version::text as version from auth.schema_migrations');
  return new Set(rows.map((row) => row.version));
}

/** GoTrue's tables that Foyer's migrations add indexes to (migrations 0001, 0016, 0017, 0020). */
const GOTRUE_TABLES_INDEXED_BY_FOYER = ['users', 'audit_log_entries', 'oauth_authorizations', 'mfa_challenges', 'saml_relay_states'] as const;

/**
 * Tables of `auth` the migration alters that the login does not own (only the owner may alter a table).
 * Once GoTrue's schema is current, Foyer only adds indexes to these of GoTrue's tables (and changes its own).
 */
async function tablesNotOwned(db: Queryable, authSchemaBehind: boolean): Promise<string[]> {
  const rows = await db.query<{ relname: string }>(
    `select c.relname from pg_class c
      where c.relnamespace = 'auth'::regnamespace and c.relkind in ('r', 'p')
        and ($1 or c.relname = any($2::text[]) or c.relname like 'foyer\\_%')
        and not pg_has_role(current_user, c.relowner, 'USAGE')
      order by 1`,
    [authSchemaBehind, [...GOTRUE_TABLES_INDEXED_BY_FOYER]],
  );
  return rows.map((row) => row.relname);
}

async function appliedFoyerMigrations(db: Queryable): Promise<Set<string>> {
  const [table] = await db.query<{ present: boolean }>(`select to_regclass('auth.foyer_schema_migrations') is not null as present`);
  if (!table.present) return new Set();
  const rows = await db.query<{ version: string }>('select version from auth.foyer_schema_migrations');
  return new Set(rows.map((row) => row.version));
}

export const quoteIdent = (name: string): string => (/^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`);
