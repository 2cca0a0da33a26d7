/**
 * A rate-limiter-flexible store on Foyer's own Db (PostgreSQL or PGlite): the library's store
 * abstraction (blocking, insurance limiters, `RateLimiterRes`) with one atomic statement per consume
 * (see src/store/rate-limits.ts for why the count is exact).
 */
import type { Queryable } from '../store/db.js';
import { counterStateSql, counterUpsertSql, type CounterState } from '../store/rate-limits.js';
// The library does not re-export its store base class from the package root; it is the documented way
// to write a store (every bundled store extends it), so it is loaded from its file (the version is pinned).
import { RateLimiterRes, RateLimiterStoreAbstract } from './rate-limiter-library.js';

const UPSERT_SQL = counterUpsertSql({ key: '$1', points: '$2', windowMs: '$3', forceExpire: '$4::boolean' });

const GET_SQL = `
select ${counterStateSql()}
  from auth.foyer_rate_limits where key = $1 and (expires_at is null or expires_at > now())`;

/** Expired rows are removed now and then by whoever writes, in proportion to traffic. */
const CLEANUP_EVERY = 500;
const CLEANUP_SQL = `delete from auth.foyer_rate_limits where expires_at < now() - interval '1 minute'`;

export interface DbStoreOptions {
  readonly db: Queryable;
  readonly points: number;
  readonly duration: number;
  readonly keyPrefix: string;
}

export class RateLimiterDb extends RateLimiterStoreAbstract {
  private readonly db: Queryable;
  private writes = 0;

  constructor(options: DbStoreOptions) {
    super({ storeClient: options.db, points: options.points, duration: options.duration, keyPrefix: options.keyPrefix });
    this.db = options.db;
  }

  /** Called by the library for consume, penalty, reward, block and set. */
  async _upsert(rlKey: string, points: number, msDuration: number, forceExpire = false): Promise<CounterState> {
    return this.upsertOn(this.db, rlKey, points, msDuration, forceExpire);
  }

  /** The same count on a given connection: a transaction that holds the embedded engine's only one. */
  async upsertOn(connection: Queryable, rlKey: string, points: number, msDuration: number, forceExpire = false): Promise<CounterState> {
    if (!Number.isInteger(points)) throw new Error('rate limiter points must be whole numbers');
    const [row] = await connection.query<CounterState>(UPSERT_SQL, [rlKey, points, msDuration, forceExpire]);
    this.noteWrite();
    return row;
  }

  /** Counts a write to the table, by this store or by a statement that folded its counter in. */
  noteWrite(): void {
    if (++this.writes % CLEANUP_EVERY === 0) {
      this.db.query(CLEANUP_SQL).catch(() => {
        // Best effort: the next writer tries again.
      });
    }
  }

  async _get(rlKey: string): Promise<CounterState | null> {
    const [row] = await this.db.query<CounterState>(GET_SQL, [rlKey]);
    return row ?? null;
  }

  async _delete(rlKey: string): Promise<boolean> {
    const rows = await this.db.query('delete from auth.foyer_rate_limits where key = $1 returning 1', [rlKey]);
    return rows.length > 0;
  }

  _getRateLimiterRes(_rlKey: string, changedPoints: number, row: CounterState): RateLimiterRes {
    const consumed = Number(row.points);
    return new RateLimiterRes(Math.max(this.points - consumed, 0), Number(row.ms_before_next), consumed, consumed === changedPoints);
  }
}
