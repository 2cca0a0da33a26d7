/**
 * Console login throttling: at most 10 failed logins per client IP and address in 15 minutes; then
 * every attempt (right password or not) is refused until the window lets one through again.
 *
 * Two kinds. In this process's memory (createLoginLimiter): the embedded database has one process.
 * On PostgreSQL, where several Foyer processes (workers of one `foyer start`, or servers behind a
 * balancer) serve one console, in the control database (createSharedLoginLimiter): otherwise each
 * process would allow its own 10.
 */
import type { Queryable } from '../store/db.js';
import { counterUpsertSql, type CounterState } from '../store/rate-limits.js';

export interface LoginLimiter {
  /**
   * Seconds to wait before trying again, or 0 when an attempt is allowed. The shared limiter counts
   * the attempt here, before the password is checked, so that concurrent attempts cannot all pass
   * this check before any of them has failed; its fail() then adds nothing.
   */
  retryAfter(key: string): number | Promise<number>;
  fail(key: string): void | Promise<void>;
  /** The right password: the address's count starts over. */
  succeed(key: string): void | Promise<void>;
}

const MAX_FAILURES = 10;
const WINDOW_MS = 15 * 60_000;
const COUNT_ATTEMPT_SQL = counterUpsertSql({ key: '$1', points: '1', windowMs: '$2', forceExpire: 'false' });

/**
 * Attempts counted in auth.foyer_rate_limits (the rate limiters' table, one atomic upsert per attempt),
 * a fixed window of 15 minutes from the first: exactly 10 attempts reach the password check, however
 * many processes receive them at once.
 */
export function createSharedLoginLimiter(db: Queryable, keyPrefix: string): LoginLimiter {
  const counterKey = (key: string) => `${keyPrefix}:console_login:${key}`;
  return {
    async retryAfter(key) {
      const [state] = await db.query<CounterState>(COUNT_ATTEMPT_SQL, [counterKey(key), WINDOW_MS]);
      if (Number(state.points) <= MAX_FAILURES) return 0;
      return Math.max(1, Math.ceil(Number(state.ms_before_next) / 1000));
    },
    fail() {
      // Counted as an attempt already.
    },
    async succeed(key) {
      await db.query('delete from auth.foyer_rate_limits where key = $1', [counterKey(key)]);
    },
  };
}

export function createLoginLimiter(options: { maxFailures?: number; windowMs?: number; now?: () => number } = {}): LoginLimiter {
  const maxFailures = options.maxFailures ?? MAX_FAILURES;
  const windowMs = options.windowMs ?? WINDOW_MS;
  const now = options.now ?? Date.now;
  const failures = new Map<string, number[]>();

  const recent = (key: string): number[] => {
    const cutoff = now() - windowMs;
    const kept = (failures.get(key) ?? []).filter((at) => at > cutoff);
    if (kept.length) failures.set(key, kept);
    else failures.delete(key);
    return kept;
  };
  // Forget idle keys so the map cannot grow without bound.
  const sweep = setInterval(() => {
    for (const key of [...failures.keys()]) recent(key);
  }, windowMs);
  sweep.unref();

  return {
    retryAfter(key) {
      const list = recent(key);
      if (list.length < maxFailures) return 0;
      return Math.max(1, Math.ceil((list[list.length - maxFailures] + windowMs - now()) / 1000));
    },
    fail(key) {
      const list = recent(key);
      list.push(now());
      failures.set(key, list.slice(-maxFailures * 2));
    },
    succeed(key) {
      failures.delete(key);
    },
  };
}
