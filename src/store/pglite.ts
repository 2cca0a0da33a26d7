import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { lockDirectory } from './dir-lock.js';
import { OID, StatementAfterLastError, timestampToRfc3339, type Db, type QueryOptions, type Queryable, type SqlParam } from './db.js';

export interface PgliteOptions {
  /** A directory on disk, or undefined for an in-memory database (tests). */
  readonly dataDir: string | undefined;
}

/**
 * PostgreSQL settings PGlite starts with, on top of its own (single-user mode, no parallel workers…).
 * PGlite's WebAssembly memory only grows, and PostgreSQL touches all of its shared memory when it
 * starts, so the buffer pool is resident for the life of the process: at PostgreSQL's default of 128 MB
 * it was most of an idle embedded server's memory (about 400 MB RSS, 250 MB with 16 MB). 16 MB holds the
 * hot pages of an embedded deployment's auth tables (2 048 pages); a page that is not cached is read
 * through the operating system's file cache, not from the disk, so sign-in throughput did not move
 * (docs/operations.md, "Memory"). wal_buffers follows as 1/32 of it (512 kB).
 */
const PGLITE_SETTINGS = ['-c', 'shared_buffers=16MB'];

/** PGlite's own start parameters (a static of the class that its type declarations leave out). */
function pgliteStartParams(): string[] {
  const defaults = (PGlite as unknown as { defaultStartParams?: readonly string[] }).defaultStartParams;
  if (!defaults) throw new Error('this PGlite version has no defaultStartParams: check PGLITE_SETTINGS in src/store/pglite.ts');
  return [...defaults, ...PGLITE_SETTINGS];
}

const asQueryable = (target: PGlite | Transaction): Queryable => ({
  async query<Row>(text: string, params: readonly SqlParam[] = []) {
    const result = await target.query<Row>(text, params as unknown[]);
    return result.rows;
  },
});

/** A transaction's statements: as on PostgreSQL, none may follow the one marked last (`QueryOptions`). */
function inTransaction(tx: Transaction): Queryable {
  const statements = asQueryable(tx);
  let ended = false;
  return {
    async query<Row>(text: string, params?: readonly SqlParam[], options?: QueryOptions) {
      if (ended) throw new StatementAfterLastError();
      if (options?.last) ended = true;
      return statements.query<Row>(text, params);
    },
  };
}

export async function openPglite(options: PgliteOptions): Promise<Db> {
  let release = () => {};
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    release = lockDirectory(options.dataDir);
  }
  const pg = new PGlite({
    dataDir: options.dataDir,
    startParams: pgliteStartParams(),
    parsers: { [OID.timestamptz]: timestampToRfc3339, [OID.timestamp]: timestampToRfc3339, [OID.int8]: (v: string) => Number(v) },
  });
  try {
    await pg.waitReady;
    await pg.exec(`set timezone = 'UTC'`);
  } catch (error) {
    release();
    throw error;
  }
  const base = asQueryable(pg);
  const lane = { db: base, batchesInFlight: 1 };
  const execScript = async (script: string) => {
    await pg.exec(script);
  };
  return {
    engine: 'pglite',
    connections: 1,
    query: base.query,
    // The engine runs on this thread: a statement at a time, whoever sends it.
    batchLane: () => lane,
    transaction: (work) => pg.transaction((tx) => work(inTransaction(tx))),
    execScript,
    // One process owns an embedded database, so there is nobody to exclude.
    withAdvisoryLock: (_lockKey, work) => work({ query: base.query, execScript }),
    tryWithAdvisoryLock: async (_lockKey, work) => ({ acquired: true, value: await work({ query: base.query, execScript }) }),
    async close() {
      if (!pg.closed) await pg.close();
      release();
      // Closing twice must not remove a lock another process has taken since.
      release = () => {};
    },
  };
}
