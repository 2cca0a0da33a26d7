/**
 * GoTrue's rate limits, enforced by default, on rate-limiter-flexible with one of three stores:
 * memory (one process), the project database (PostgreSQL/PGlite, shared by every Foyer process on it)
 * or Redis. Every limiter is a fixed window of `limit` requests per `windowSeconds` per key; a refused
 * request learns how long until its window ends (Retry-After).
 *
 * A counter's key is the limiter's name and the client, never the limit: changing a limit (setLimits)
 * keeps every count of the current window, and each store caps a window at the length in force when a
 * request is counted, so a tightened limit or a shortened window applies at once to every client.
 */
import type { Redis } from 'ioredis';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateSetting } from '../config/parse-protection.js';
import type { Queryable } from '../store/db.js';
import type { CounterState, InlineCounter } from '../store/rate-limits.js';
import { RateLimiterDb } from './rate-limit-db-store.js';
import { RateLimiterWindowMemory } from './rate-limit-memory-store.js';
import { loadRateLimiterRedis, RateLimiterRes } from './rate-limiter-library.js';
import { claimer } from './single-use.js';

export type RateLimitStore = 'memory' | 'postgres' | 'redis';

/** The limiters, by GoTrue's setting names. */
export const limiterSettings = {
  anonymous_users: 'GOTRUE_RATE_LIMIT_ANONYMOUS_USERS',
  otp: 'GOTRUE_RATE_LIMIT_OTP',
  verify: 'GOTRUE_RATE_LIMIT_VERIFY',
  token_refresh: 'GOTRUE_RATE_LIMIT_TOKEN_REFRESH',
  email_sent: 'GOTRUE_RATE_LIMIT_EMAIL_SENT',
  passkey: 'GOTRUE_RATE_LIMIT_PASSKEY',
  sso: 'GOTRUE_RATE_LIMIT_SSO',
  saml_assertion: 'GOTRUE_SAML_RATE_LIMIT_ASSERTION',
  web3: 'GOTRUE_RATE_LIMIT_WEB3',
  oauth_client_register: 'GOTRUE_RATE_LIMIT_O_AUTH_DYNAMIC_CLIENT_REGISTER',
  sms_sent: 'GOTRUE_RATE_LIMIT_SMS_SENT',
  // GoTrue keeps two buckets of the same size: a challenge and a verification each take from their own.
  mfa_challenge: 'GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY',
  mfa_verify: 'GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY',
  // Foyer's own: issuing a built-in CAPTCHA challenge costs a key derivation.
  captcha_challenge: 'FOYER_RATE_LIMIT_CAPTCHA_CHALLENGE',
} as const;

/** The per-client limiters (keyed by client IP). */
export type ClientLimiterName = keyof typeof limiterSettings;
export const limiterNames = Object.keys(limiterSettings) as ClientLimiterName[];
/**
 * Every limiter: the per-client ones and the project's anonymous sign-up budget (FOYER_ANONYMOUS_BUDGET),
 * one counter for all clients. Unset, the budget's limiter exists but is never consumed.
 */
export type LimiterName = ClientLimiterName | 'anonymous_budget';
const allLimiterNames: readonly LimiterName[] = [...limiterNames, 'anonymous_budget'];

/** The budget's limit while none is set: never reached (the limiter is not consumed then anyway). */
const NO_BUDGET: RateSetting = { limit: 2 ** 31 - 1, windowSeconds: 3600 };

/** The limits themselves: what live settings may change while the counters keep counting. */
export interface RateLimitValues {
  readonly rateLimitAnonymousUsers: RateSetting;
  readonly rateLimitOtp: RateSetting;
  readonly rateLimitVerify: RateSetting;
  readonly rateLimitTokenRefresh: RateSetting;
  readonly rateLimitEmailSent: RateSetting;
  readonly rateLimitPasskey: RateSetting;
  readonly rateLimitSso: RateSetting;
  readonly rateLimitSamlAssertion: RateSetting;
  readonly rateLimitWeb3: RateSetting;
  readonly rateLimitOAuthClientRegister: RateSetting;
  readonly rateLimitSmsSent: RateSetting;
  readonly mfaRateLimitChallengeAndVerify: RateSetting;
  readonly rateLimitCaptchaChallenge: RateSetting;
  readonly anonymousBudget: RateSetting | undefined;
}

export interface RateLimitSettings extends RateLimitValues {
  readonly rateLimitStore: RateLimitStore;
  readonly redisUrl: string | undefined;
  readonly rateLimitKeyPrefix: string;
}

export function limitOf(settings: RateLimitValues, name: LimiterName): RateSetting {
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
    case 'passkey':
      return settings.rateLimitPasskey;
    case 'sso':
      return settings.rateLimitSso;
    case 'saml_assertion':
      return settings.rateLimitSamlAssertion;
    case 'web3':
      return settings.rateLimitWeb3;
    case 'oauth_client_register':
      return settings.rateLimitOAuthClientRegister;
    case 'sms_sent':
      return settings.rateLimitSmsSent;
    case 'mfa_challenge':
    case 'mfa_verify':
      return settings.mfaRateLimitChallengeAndVerify;
    case 'captcha_challenge':
      return settings.rateLimitCaptchaChallenge;
    case 'anonymous_budget':
      return settings.anonymousBudget ?? NO_BUDGET;
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
   * `consume` for a caller inside a transaction on the project database. When the counters live in
   * that database and it runs one statement at a time (the embedded engine: its one connection is the
   * transaction's), the count is made on `tx`, since one made on the database would wait for the
   * transaction forever; it then also rolls back with it. Elsewhere it is `consume`: on a pool, counting
   * in the transaction would hold the counter's row lock, and so every other sender, until it commits.
   */
  consumeWithin(tx: Queryable, name: LimiterName, key: string): Promise<RateLimitDecision>;
  /**
   * The counter of `key` against `name` for a statement to count inside its own transaction, when
   * the counters live in the database that statement runs on (store `postgres`); otherwise undefined.
   */
  inlineCounter(name: LimiterName, key: string): InlineCounter | undefined;
  /** The decision for the counter state a statement that folded in `inlineCounter` returned. */
  decideInline(name: LimiterName, state: CounterState): RateLimitDecision;
  /**
   * Puts new limits in force from the next request on, on the same counters: what a window already
   * counted stays counted, and a client already over a tightened limit is refused.
   */
  setLimits(values: RateLimitValues): void;
  /**
   * Marks `key` used for `ttlMs` milliseconds; true for the first caller only, whichever process it
   * runs in (the store is the limiters'). What makes a CAPTCHA solution single-use.
   */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
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
  // Imported here, not at the top: a server that keeps its counters elsewhere never loads the client.
  const { Redis } = await import('ioredis');
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

/**
 * rate-limiter-flexible's Redis script, with the window rule of the other stores: a window ends no later
 * than one window length (ARGV[2] seconds, the limiter's duration now) from now, so a shortened window
 * is in force at once. Still one atomic script, one round trip.
 */
const REDIS_COUNT_SCRIPT = `redis.call('set', KEYS[1], 0, 'EX', ARGV[2], 'NX')
local consumed = redis.call('incrby', KEYS[1], ARGV[1])
local ttl = redis.call('pttl', KEYS[1])
local window = 1000 * tonumber(ARGV[2])
if ttl == -1 or ttl > window then
  redis.call('pexpire', KEYS[1], window)
  ttl = window
end
return {consumed, ttl}`;

/** Builds every limiter on the configured store. `db` is the project database (used by `postgres`). */
export async function createRateLimits(settings: RateLimitSettings, db: Queryable & { readonly connections?: number }): Promise<RateLimits> {
  const store = settings.rateLimitStore;
  const redis = store === 'redis' ? await connectRedis(settings.redisUrl as string) : undefined;
  const RateLimiterRedis = redis ? loadRateLimiterRedis() : undefined;
  const limiters = new Map<LimiterName, { limiter: RateLimiterAbstract; limit: number }>();
  for (const name of allLimiterNames) {
    const { limit, windowSeconds } = limitOf(settings, name);
    const options = { points: limit, duration: windowSeconds, keyPrefix: `${settings.rateLimitKeyPrefix}:${name}` };
    const limiter =
      RateLimiterRedis
        ? new RateLimiterRedis({ ...options, storeClient: redis, rejectIfRedisNotReady: true, customIncrTtlLuaScript: REDIS_COUNT_SCRIPT })
        : store === 'postgres'
          ? new RateLimiterDb({ ...options, db })
          : new RateLimiterWindowMemory(options);
    limiters.set(name, { limiter: limiter as RateLimiterAbstract, limit });
  }

  const consume = async (name: LimiterName, key: string): Promise<RateLimitDecision> => {
    const { limiter, limit } = limiters.get(name)!;
    try {
      return decision(limit, await limiter.consume(key, 1), true);
    } catch (outcome) {
      if (outcome instanceof RateLimiterRes) return decision(limit, outcome, false);
      throw new RateLimitStoreError(`rate-limit store (${store}) failed: ${(outcome as Error)?.message ?? String(outcome)}`, {
        cause: outcome,
      });
    }
  };
  const oneStatementAtATime = db.connections === 1;

  return {
    store,
    consume,
    async consumeWithin(tx, name, key) {
      const { limiter, limit } = limiters.get(name)!;
      if (!(limiter instanceof RateLimiterDb) || !oneStatementAtATime) return consume(name, key);
      let state: CounterState;
      try {
        state = await limiter.upsertOn(tx, limiter.getKey(key), 1, limiter.duration * 1000);
      } catch (error) {
        throw new RateLimitStoreError(`rate-limit store (${store}) failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      }
      const res = limiter._getRateLimiterRes('', 1, state);
      return decision(limit, res, res.consumedPoints <= limit);
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
    setLimits(values) {
      for (const name of allLimiterNames) {
        const entry = limiters.get(name)!;
        const { limit, windowSeconds } = limitOf(values, name);
        // The library reads both on every consume; the key (prefix and client) stays as it was.
        entry.limiter.points = limit;
        entry.limiter.duration = windowSeconds;
        entry.limit = limit;
      }
    },
    claimOnce: claimer(store, `${settings.rateLimitKeyPrefix}:claimed`, { redis, db }),
    async close() {
      if (redis && redis.status !== 'end') await redis.quit().catch(() => redis.disconnect());
    },
  };
}
