/**
 * GoTrue's rate limits, enforced by default, on rate-limiter-flexible with one of three stores:
 * memory (one process), the project database (PostgreSQL/PGlite, shared by every Foyer process on it)
 * or Redis. Every limiter is a fixed window of `limit` requests per `windowSeconds` per key; a refused
 * request learns how long until its window ends (Retry-After).
 */
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateSetting } from '../config/parse-protection.js';
import type { Queryable } from '../store/db.js';
import type { CounterState, InlineCounter } from '../store/rate-limits.js';
import { RateLimiterDb } from './rate-limit-db-store.js';

export type RateLimitStore = 'memory' | 'postgres' | 'redis';

/** The limiters, by GoTrue's setting names. */
export const limiterSettings = {
  anonymous_users: 'GOTRUE_RATE_LIMIT_ANONYMOUS_USERS',
  otp: 'GOTRUE_RATE_LIMIT_OTP',
  verify: 'GOTRUE_RATE_LIMIT_VERIFY',
  token_refresh: 'GOTRUE_RATE_LIMIT_TOKEN_REFRESH',
  email_sent: 'GOTRUE_RATE_LIMIT_EMAIL_SENT',
} as const;

export type LimiterName = keyof typeof limiterSettings;
export const limiterNames = Object.keys(limiterSettings) as LimiterName[];

export interface RateLimitSettings {
  readonly rateLimitStore: RateLimitStore;
  readonly redisUrl: string | undefined;
  readonly rateLimitKeyPrefix: string;
  readonly rateLimitAnonymousUsers: RateSetting;
  readonly rateLimitOtp: RateSetting;
  readonly rateLimitVerify: RateSetting;
  readonly rateLimitTokenRefresh: RateSetting;
  readonly rateLimitEmailSent: RateSetting;
}

export function limitOf(settings: RateLimitSettings, name: LimiterName): RateSetting {
  switch (name) {
    case 'anonymous_users':
      return settings.rateLimitAnonymousUsers;
    case 'otp':
      return settings.rateLimitOtp;
    case 'verify':
      return settings.rateLimitVerify;
    case 'token_refresh':
      return settings.rateLimitTokenRefresh;
    case 'email_sent':
      return settings.rateLimitEmailSent;
  }
}

export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Whole seconds until the window ends (at least 1 when refused). */
  readonly retryAfterSeconds: number;
}

export interface RateLimits {
  readonly store: RateLimitStore;
  /**
   * Counts one request of `key` against `name`. Resolves with the decision; rejects only when the
   * store fails (the caller fails closed).
   */
  consume(name: LimiterName, key: string): Promise<RateLimitDecision>;
  /**
   * The counter of `key` against `name` for a statement to count inside its own transaction, when
   * the counters live in the database that statement runs on (store `postgres`); otherwise undefined.
   */
  inlineCounter(name: LimiterName, key: string): InlineCounter | undefined;
  /** The decision for the counter state a statement that folded in `inlineCounter` returned. */
  decideInline(name: LimiterName, state: CounterState): RateLimitDecision;
  /** Closes what the store holds open (the Redis connection). */
  close(): Promise<void>;
}

function decision(limit: number, res: RateLimiterRes, allowed: boolean): RateLimitDecision {
  const ms = res.msBeforeNext;
  const seconds = ms < 0 ? 0 : Math.ceil(ms / 1000);
  return { allowed, limit, remaining: res.remainingPoints, retryAfterSeconds: allowed ? seconds : Math.max(1, seconds) };
}

export class RateLimitStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RateLimitStoreError';
  }
}

async function connectRedis(url: string): Promise<Redis> {
  // No offline queue: while Redis is unreachable a consume fails at once (and the request fails closed)
  // instead of waiting in a queue. The first connection is awaited, so a wrong REDIS_URL stops start-up.
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 5000 });
  redis.on('error', () => {
    // Reported through failing commands; ioredis reconnects by itself.
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    const safeUrl = url.replace(/\/\/([^@/]*)@/, '//***@');
    throw new RateLimitStoreError(`Cannot connect to Redis at ${safeUrl}: ${(error as Error).message}`, { cause: error });
  }
  return redis;
}

/** Builds every limiter on the configured store. `db` is the project database (used by `postgres`). */
export async function createRateLimits(settings: RateLimitSettings, db: Queryable): Promise<RateLimits> {
  const store = settings.rateLimitStore;
  const redis = store === 'redis' ? await connectRedis(settings.redisUrl as string) : undefined;
  const limiters = new Map<LimiterName, { limiter: RateLimiterAbstract; limit: number }>();
  for (const name of limiterNames) {
    const { limit, windowSeconds } = limitOf(settings, name);
    const options = { points: limit, duration: windowSeconds, keyPrefix: `${settings.rateLimitKeyPrefix}:${name}` };
    const limiter =
      store === 'redis'
        ? new RateLimiterRedis({ ...options, storeClient: redis, rejectIfRedisNotReady: true })
        : store === 'postgres'
          ? new RateLimiterDb({ ...options, db })
          : new RateLimiterMemory(options);
    limiters.set(name, { limiter: limiter as RateLimiterAbstract, limit });
  }

  return {
    store,
    async consume(name, key) {
      const { limiter, limit } = limiters.get(name)!;
      try {
        return decision(limit, await limiter.consume(key, 1), true);
      } catch (outcome) {
        if (outcome instanceof RateLimiterRes) return decision(limit, outcome, false);
        throw new RateLimitStoreError(`rate-limit store (${store}) failed: ${(outcome as Error)?.message ?? String(outcome)}`, {
          cause: outcome,
        });
      }
    },
    inlineCounter(name, key) {
      const { limiter, limit } = limiters.get(name)!;
      if (!(limiter instanceof RateLimiterDb)) return undefined;
      return { key: limiter.getKey(key), windowMs: limiter.duration * 1000, limit };
    },
    decideInline(name, state) {
      const { limiter, limit } = limiters.get(name)!;
      if (!(limiter instanceof RateLimiterDb)) throw new Error(`rate limiter ${name} has no counter in the database`);
      limiter.noteWrite();
      // The same reading of a counter row as the store's own consume.
      const res = limiter._getRateLimiterRes('', 1, state);
      return decision(limit, res, res.consumedPoints <= limit);
    },
    async close() {
      if (redis && redis.status !== 'end') await redis.quit().catch(() => redis.disconnect());
    },
  };
}
