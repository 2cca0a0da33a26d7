/**
 * A fresh database on TEST_DATABASE_URL's cluster in the state the supabase/postgres image leaves it
 * before GoTrue (or Foyer) ever runs: the API roles, GoTrue's login `supabase_auth_admin`, and the old
 * `auth` schema of the image's init script (five tables, seven recorded GoTrue versions, auth.uid(),
 * auth.role(), auth.email()). The facts are the image's (its init script and later migrations); the SQL is ours.
 *
 * Roles are cluster-wide and test files run in parallel: they are created when missing, brought to the
 * attributes tests rely on, a concurrent creator is tolerated, and they are never dropped. What belongs
 * to one database (schemas, grants on it) goes with the database. A variant whose login may create
 * roles gets a login role of its own, so the shared `supabase_auth_admin` keeps NOCREATEROLE for others.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { postgresUrl } from './engines.js';
import { IMAGE_AUTH_MIGRATIONS, SUPABASE_IMAGE_AUTH_SCHEMA } from './legacy-schemas.js';

export interface SupabaseImageOptions {
  /** `GRANT CREATE ON DATABASE` to the auth login, as images from 20251121141100 on do (default: not granted). */
  readonly databaseCreate?: boolean;
  /** The auth login may create roles, as images before 20260821154147 (default: NOCREATEROLE, the newest images). */
  readonly createRole?: boolean;
  /** Refuse every DDL command on objects in schema `auth` (an event trigger, as the image's optional protection). */
  readonly authDdlProtection?: boolean;
}

export interface SupabaseImageDatabase {
  readonly name: string;
  /** The cluster's host and port, as a compose `.env` would name them (POSTGRES_HOST, POSTGRES_PORT). */
  readonly host: string;
  readonly port: string;
  /** The database as TEST_DATABASE_URL's (super)user sees it: for preparing rows and reading the catalog. */
  readonly superuserUrl: string;
  /** The login GoTrue's compose uses (trust authentication: no password needed). */
  readonly authAdminRole: string;
  readonly authAdminUrl: string;
  /** Drops the database, and the variant's own login role if it has one (never the shared roles). */
  drop(): Promise<void>;
}

/** GoTrue versions the image's init script records in auth.schema_migrations. */
export { IMAGE_AUTH_MIGRATIONS };

export const IMAGE_AUTH_TABLES = ['audit_log_entries', 'instances', 'refresh_tokens', 'schema_migrations', 'users'] as const;

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * Runs `statement` (a DO block body) so that a concurrent session doing the same to a shared role
 * (unique_violation, "tuple concurrently updated" = internal_error) or an existing role is no failure.
 */
const tolerant = (statement: string): string => `do $$ begin
  ${statement};
exception when duplicate_object or unique_violation or internal_error then null;
end $$`;

/** Creates `name` when missing, then sets `attributes` (idempotent, concurrency-tolerant). */
const ensureRole = (name: string, attributes: string): string[] => [
  tolerant(`if not exists (select from pg_roles where rolname = '${name}') then create role ${quoteIdent(name)} ${attributes}; end if`),
  tolerant(`alter role ${quoteIdent(name)} ${attributes}`),
];

function clusterStatements(authAdmin: string, createRole: boolean): string[] {
  return [
    ...ensureRole('anon', 'nologin noinherit'),
    ...ensureRole('authenticated', 'nologin noinherit'),
    ...ensureRole('service_role', 'nologin noinherit bypassrls'),
    ...ensureRole('authenticator', 'login noinherit'),
    tolerant('grant anon, authenticated, service_role to authenticator'),
    // The image's bootstrap superuser; only created when missing (its attributes are the image's).
    tolerant(
      `if not exists (select from pg_roles where rolname = 'supabase_admin') then
         create role supabase_admin login superuser createdb createrole replication bypassrls; end if`,
    ),
    ...ensureRole(authAdmin, `login noinherit nosuperuser noreplication nobypassrls ${createRole ? 'createrole' : 'nocreaterole'}`),
    tolerant(`alter role ${quoteIdent(authAdmin)} set search_path = auth`),
  ];
}

/** The database's own objects: the old auth schema of the image's init script, and its grants. */
function databaseStatements(database: string, authAdmin: string, options: SupabaseImageOptions): string[] {
  const admin = quoteIdent(authAdmin);
  const statements = [
    SUPABASE_IMAGE_AUTH_SCHEMA,
    `alter schema auth owner to ${admin}`,
    'grant usage on schema auth to anon, authenticated, service_role',
    `grant all privileges on all tables in schema auth to ${admin}`,
    `grant all privileges on all sequences in schema auth to ${admin}`,
    ...IMAGE_AUTH_TABLES.map((table) => `alter table auth.${table} owner to ${admin}`),
    ...['uid', 'role', 'email'].map((fn) => `alter function auth.${fn}() owner to ${admin}`),
    // What the image gives the API roles outside auth: its extensions schema and public's defaults.
    'create schema extensions',
    'create extension if not exists "uuid-ossp" with schema extensions',
    'create extension if not exists pgcrypto with schema extensions',
    'grant usage on schema public to anon, authenticated, service_role',
    'grant usage on schema extensions to anon, authenticated, service_role',
    ...['tables', 'functions', 'sequences'].map(
      (kind) => `alter default privileges for role supabase_admin in schema public grant all on ${kind} to anon, authenticated, service_role`,
    ),
  ];
  if (options.databaseCreate) statements.push(`grant create on database ${quoteIdent(database)} to ${admin}`);
  if (options.authDdlProtection) {
    statements.push(
      `create function extensions.refuse_auth_ddl() returns event_trigger language plpgsql as $f$
         declare command record;
         begin
           for command in select * from pg_event_trigger_ddl_commands() loop
             if command.schema_name = 'auth' then
               raise exception 'DDL on % in schema auth is refused: the auth schema is protected', command.object_identity;
             end if;
           end loop;
         end $f$`,
      'create event trigger refuse_auth_ddl on ddl_command_end execute function extensions.refuse_auth_ddl()',
    );
  }
  return statements;
}

/** A fresh database as the supabase/postgres image leaves it before GoTrue's first start. */
export async function createSupabaseImageDatabase(options: SupabaseImageOptions = {}): Promise<SupabaseImageDatabase> {
  if (!postgresUrl) throw new Error('TEST_DATABASE_URL is not set');
  const suffix = randomBytes(6).toString('hex');
  const name = `foyer_supabase_${suffix}`;
  const authAdmin = options.createRole ? `foyer_auth_admin_${suffix}` : 'supabase_auth_admin';
  const clusterUrl = new URL(postgresUrl);
  const databaseUrl = (user?: string): string => {
    const url = new URL(postgresUrl!);
    url.pathname = `/${name}`;
    if (user) {
      url.username = user;
      url.password = '';
    }
    return url.toString();
  };

  const cluster = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  try {
    for (const statement of clusterStatements(authAdmin, options.createRole ?? false)) await cluster.unsafe(statement);
    await cluster.unsafe(`create database ${quoteIdent(name)}`);
  } finally {
    await cluster.end();
  }

  const drop = async (): Promise<void> => {
    const dropper = postgres(postgresUrl!, { max: 1, onnotice: () => {} });
    try {
      await dropper.unsafe(`drop database if exists ${quoteIdent(name)} with (force)`);
      if (authAdmin !== 'supabase_auth_admin') await dropper.unsafe(`drop role if exists ${quoteIdent(authAdmin)}`);
    } finally {
      await dropper.end();
    }
  };

  const database = postgres(databaseUrl(), { max: 1, onnotice: () => {} });
  try {
    await database.begin(async (tx) => {
      for (const statement of databaseStatements(name, authAdmin, options)) await tx.unsafe(statement);
    });
  } catch (error) {
    await database.end();
    await drop();
    throw error;
  }
  await database.end();

  return {
    name,
    host: clusterUrl.hostname,
    port: clusterUrl.port || '5432',
    superuserUrl: databaseUrl(),
    authAdminRole: authAdmin,
    authAdminUrl: databaseUrl(authAdmin),
    drop,
  };
}
