/**
 * Brings a database to what Foyer serves, in one transaction under an advisory lock:
 *   1. GoTrue's `auth` schema at GOTRUE_SCHEMA_VERSION (migrations/gotrue/auth-schema.sql), with every
 *      GoTrue version up to it recorded in auth.schema_migrations, unless GoTrue already took it there
 *      or further;
 *   2. Foyer's own objects (migrations/foyer/NNNN_*.sql, recorded in auth.foyer_schema_migrations),
 *      after moving an earlier Foyer's schema `foyer` into `auth`;
 *   3. as a superuser only, Supabase's API roles and their privileges (migrations/foyer/api-roles.sql).
 * What the login lacks, and data Foyer could not serve, are found first and stop it with a message
 * naming the fix. A failure rolls everything back: the database stays exactly as it was.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Db, ScriptRunner } from './db.js';
import { GOTRUE_SCHEMA_VERSION } from './gotrue-schema.js';
import { API_ROLES, inspectDatabase, quoteIdent, type DatabaseState } from './migrate-preflight.js';

const migrationsDir = fileURLToPath(new URL('./migrations/', import.meta.url));
const readMigration = (path: string): string => readFileSync(migrationsDir + path, 'utf8');

/** Advisory-lock key shared by every Foyer process migrating the same database ("Foyer" in ASCII). */
export const MIGRATION_LOCK_KEY = 0x466f796572;

export interface MigrationResult {
  /** What this run applied: `gotrue <version>` and Foyer's migration names. */
  readonly applied: readonly string[];
  readonly alreadyApplied: number;
}

export interface MigrateOptions {
  /** How long to wait for another process that is migrating the same database (default 60 s). */
  readonly lockWaitMs?: number;
}

/** Stops a start: the database is not as Foyer needs it, and the message says what to do. */
export class MigrationRefusedError extends Error {
  constructor(problems: readonly string[]) {
    super(`the database cannot be served as it is (nothing was changed):\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'MigrationRefusedError';
  }
}

/** Foyer's own migrations, in file-name order. */
export function listMigrations(): { version: string; sql: string }[] {
  return readdirSync(migrationsDir + 'foyer/')
    .filter((name) => /^\d{4}_[a-z0-9_]+\.sql$/.test(name))
    .sort()
    .map((name) => ({ version: name.replace(/\.sql$/, ''), sql: readMigration(`foyer/${name}`) }));
}

export async function migrate(db: Db, options: MigrateOptions = {}): Promise<MigrationResult> {
  const deadline = Date.now() + (options.lockWaitMs ?? 60_000);
  for (;;) {
    const attempt = await db.tryWithAdvisoryLock(MIGRATION_LOCK_KEY, (locked) => migrateLocked(locked));
    if (attempt.acquired) return attempt.value;
    if (Date.now() >= deadline) {
      throw new Error(
        `another session has held Foyer's migration lock on this database for ${Math.round((options.lockWaitMs ?? 60_000) / 1000)} s ` +
          `(another Foyer starting, or \`foyer migrate\`). If none is running, end the session that holds it:\n` +
          `    select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and objid = ${MIGRATION_LOCK_KEY % 2 ** 32};`,
      );
    }
    await sleep(250);
  }
}

async function migrateLocked(locked: ScriptRunner): Promise<MigrationResult> {
  const { state, problems } = await inspectDatabase(locked);
  if (problems.length) throw new MigrationRefusedError(problems);

  const applied: string[] = [];
  const parts: string[] = [];
  if (!state.authSchemaExists) parts.push(`create schema auth authorization ${quoteIdent(state.login)};`);
  if (state.superuser) parts.push(readMigration('foyer/api-roles.sql'));
  if (state.legacyFoyerSchema) {
    parts.push(readMigration('foyer/legacy-foyer-schema.sql'));
    applied.push('move schema foyer into auth');
  }
  if (state.authSchemaBehind) {
    parts.push(readMigration('gotrue/auth-schema.sql'));
    applied.push(`gotrue ${GOTRUE_SCHEMA_VERSION}`);
  }
  if (state.missingGotrueVersions.length) {
    parts.push(
      `insert into auth.schema_migrations (version) values ${state.missingGotrueVersions.map((version) => `('${version}')`).join(', ')};`,
    );
  }
  parts.push(apiRoleGrants(state));
  parts.push(`create table if not exists auth.foyer_schema_migrations (
    version text primary key,
    applied_at timestamptz not null default now()
  );
  alter table auth.foyer_schema_migrations enable row level security;`);
  for (const migration of listMigrations()) {
    if (state.foyerMigrationsApplied.has(migration.version)) continue;
    parts.push(migration.sql, `insert into auth.foyer_schema_migrations (version) values ('${migration.version}');`);
    applied.push(migration.version);
  }
  // One script is one implicit transaction on both engines: all of it, or none of it.
  if (applied.length || !state.authSchemaExists) await locked.execScript(parts.join('\n;\n'));
  return { applied, alreadyApplied: state.foyerMigrationsApplied.size };
}

/** The API roles read the claims helpers in `auth`, as on Supabase; granted only where missing. */
function apiRoleGrants(state: DatabaseState): string {
  const roles = state.superuser ? API_ROLES : API_ROLES.filter((role) => !state.missingApiRoles.includes(role));
  return `do $$
declare
  role_name text;
begin
  foreach role_name in array array[${roles.map((role) => `'${role}'`).join(', ')}]::text[] loop
    if not has_schema_privilege(role_name, 'auth', 'USAGE') then
      execute format('grant usage on schema auth to %I', role_name);
    end if;
  end loop;
end $$;`;
}
