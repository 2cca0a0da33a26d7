/**
 * Single-use marks on the rate limiters' store: the first claim of a key wins, every later one (from
 * any process sharing the store) loses until the mark expires. Memory: this process only (the embedded
 * database serves one process anyway). Database: the counters table, one atomic upsert (the first
 * claim counts 1 point). Redis: SET NX with an expiry.
 */
import type { Redis } from 'ioredis';
import type { Queryable } from '../store/db.js';
import { counterUpsertSql, type CounterState } from '../store/rate-limits.js';
import type { RateLimitStore } from './rate-limit.js';

const CLAIM_SQL = counterUpsertSql({ key: '$1', points: '1', windowMs: '$2', forceExpire: 'false' });

/** Expired marks are dropped now and then by whoever claims, in proportion to traffic. */
const SWEEP_EVERY = 500;

export type Claim = (key: string, ttlMs: number) => Promise<boolean>;

/** Marks kept in this process. */
export function memoryClaimer(): Claim {
  const marks = new Map<string, number>();
  let claims = 0;
  return async (key, ttlMs) => {
    const now = Date.now();
    if (++claims % SWEEP_EVERY === 0) for (const [mark, until] of marks) if (until <= now) marks.delete(mark);
    const until = marks.get(key);
    if (until !== undefined && until > now) return false;
    marks.set(key, now + ttlMs);
    return true;
  };
}

export function claimer(store: RateLimitStore, prefix: string, handles: { redis: Redis | undefined; db: Queryable }): Claim {
  const ttl = (ttlMs: number) => Math.max(1000, Math.ceil(ttlMs));
  switch (store) {
    case 'memory':
      return memoryClaimer();
    case 'postgres':
      return async (key, ttlMs) => {
        const [row] = await handles.db.query<CounterState>(CLAIM_SQL, [`${prefix}:${key}`, ttl(ttlMs)]);
        return Number(row.points) === 1;
      };
    case 'redis': {
      const redis = handles.redis as Redis;
      return async (key, ttlMs) => (await redis.set(`${prefix}:${key}`, '1', 'PX', ttl(ttlMs), 'NX')) === 'OK';
    }
  }
}
