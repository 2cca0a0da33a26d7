import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { lockDirectory } from './dir-lock.js';
import { OID, timestampToRfc3339, type Db, type Queryable, type SqlParam } from './db.js';

export interface PgliteOptions {
  /** A directory on disk, or undefined for an in-memory database (tests). */
  readonly dataDir: string | undefined;
}

const asQueryable = (target: PGlite | Transaction): Queryable => ({
  async query<Row>(text: string, params: readonly SqlParam[] = []) {
    const result = await target.query<Row>(text, params as unknown[]);
    return result.rows;
  },
});

export async function openPglite(options: PgliteOptions): Promise<Db> {
  let release = () => {};
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    release = lockDirectory(options.dataDir);
  }
  const pg = new PGlite({
    dataDir: options.dataDir,
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
  const execScript = async (script: string) => {
    await pg.exec(script);
  };
  return {
    engine: 'pglite',
    connections: 1,
    query: base.query,
    transaction: (work) => pg.transaction((tx) => work(asQueryable(tx))),
    execScript,
    // One process owns an embedded database, so there is nobody to exclude.
    withAdvisoryLock: (_lockKey, work) => work({ query: base.query, execScript }),
    tryWithAdvisoryLock: async (_lockKey, work) => ({ acquired: true, value: await work({ query: base.query, execScript }) }),
    async close() {
      if (!pg.closed) await pg.close();
      release();
    },
  };
}
