/**
 * How many pages a piece of store code touches: each statement it runs is run once more under
 * EXPLAIN (ANALYZE, BUFFERS), in the same transaction. Tests use it to show that a lookup's cost does
 * not grow with a table (PostgreSQL's own accounting, the same on both engines).
 */
import type { Db, Queryable, SqlParam } from '../../src/store/db.js';

export interface Counted<T> {
  readonly result: T;
  /** Shared buffers hit or read by the statements' execution (planning not included). */
  readonly pages: number;
}

class RolledBack<T> extends Error {
  constructor(readonly counted: Counted<T>) {
    super('rolled back on purpose');
  }
}

/** Runs `work` in one transaction; `rollback` undoes its writes and locks afterwards. */
export async function countPages<T>(db: Db, work: (db: Queryable) => Promise<T>, options: { rollback?: boolean } = {}): Promise<Counted<T>> {
  try {
    return await db.transaction(async (tx) => {
      let pages = 0;
      const explained: Queryable = {
        async query<Row>(text: string, params?: readonly SqlParam[]) {
          const rows = await tx.query<Row>(text, params);
          const [explain] = await tx.query<{ 'QUERY PLAN': [{ Plan: Record<string, number> }] }>(`explain (analyze, buffers, format json) ${text}`, params);
          const plan = explain['QUERY PLAN'][0].Plan;
          pages += (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0);
          return rows;
        },
      };
      const counted = { result: await work(explained), pages };
      if (options.rollback) throw new RolledBack(counted);
      return counted;
    });
  } catch (error) {
    if (error instanceof RolledBack) return error.counted as Counted<T>;
    throw error;
  }
}
