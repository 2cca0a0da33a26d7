/**
 * Every store and API test runs on both engines. PGlite: a fresh in-memory database. PostgreSQL: a
 * fresh database per test file on TEST_DATABASE_URL, dropped afterwards, so files run in parallel.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { Db } from '../../src/store/db.js';
import { openPglite } from '../../src/store/pglite.js';
import { openPostgres } from '../../src/store/postgres.js';

export type EngineName = 'pglite' | 'postgres';

export interface TestDatabase {
  readonly engine: EngineName;
  /** Set for PostgreSQL: the URL of this test's own database. */
  readonly url: string | undefined;
  readonly db: Db;
  close(): Promise<void>;
}

export const postgresUrl = process.env.TEST_DATABASE_URL;

if (!postgresUrl && process.env.FOYER_REQUIRE_POSTGRES === '1') {
  throw new Error('FOYER_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set');
}

/** The engines this run covers: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export const engines: readonly EngineName[] = postgresUrl ? ['pglite', 'postgres'] : ['pglite'];

/** Creates an empty PostgreSQL database and returns its URL and a function that drops it. */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!postgresUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `foyer_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const dropper = postgres(postgresUrl, { max: 1, onnotice: () => {} });
      await dropper.unsafe(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}

export async function openTestDatabase(engine: EngineName): Promise<TestDatabase> {
  if (engine === 'pglite') {
    const db = await openPglite({ dataDir: undefined });
    return { engine, url: undefined, db, close: () => db.close() };
  }
  const { url, drop } = await createPostgresDatabase();
  const db = await openPostgres({ url, poolSize: 5 });
  return {
    engine,
    url,
    db,
    close: async () => {
      await db.close();
      await drop();
    },
  };
}
