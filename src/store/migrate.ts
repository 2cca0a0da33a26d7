/** Forward-only SQL migrations, applied in file-name order, each in one transaction, under a lock. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.js';

const migrationsDir = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Advisory-lock key shared by every Foyer process migrating the same database ("Foyer" in ASCII). */
export const MIGRATION_LOCK_KEY = 0x466f796572;

export interface MigrationResult {
  readonly applied: readonly string[];
  readonly alreadyApplied: number;
}

export function listMigrations(): { version: string; sql: string }[] {
  return readdirSync(migrationsDir)
    .filter((name) => /^\d{4}_[a-z0-9_]+\.sql$/.test(name))
    .sort()
    .map((name) => ({ version: name.replace(/\.sql$/, ''), sql: readFileSync(migrationsDir + name, 'utf8') }));
}

export async function migrate(db: Db): Promise<MigrationResult> {
  return db.withAdvisoryLock(MIGRATION_LOCK_KEY, async (locked) => {
    // Idempotent on purpose: two processes may both reach here before either holds the lock's result.
    await locked.execScript(`
      create schema if not exists foyer;
      create table if not exists foyer.schema_migrations (
        version text primary key,
        applied_at timestamptz not null default now()
      );`);
    const done = new Set(
      (await locked.query<{ version: string }>('select version from foyer.schema_migrations')).map((row) => row.version),
    );
    const applied: string[] = [];
    for (const migration of listMigrations()) {
      if (done.has(migration.version)) continue;
      // A multi-statement script runs as one implicit transaction on both engines: all of it or none.
      await locked.execScript(
        `${migration.sql}\n;insert into foyer.schema_migrations (version) values ('${migration.version}');`,
      );
      applied.push(migration.version);
    }
    return { applied, alreadyApplied: done.size };
  });
}
