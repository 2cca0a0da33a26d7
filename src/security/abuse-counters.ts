/**
 * Counters of what abuse protection refused, per endpoint, since the process started. A plain module
 * with a getter: the metrics endpoint (prom-client) and the admin status read it; nothing here resets it.
 */

/** Why a CAPTCHA check refused: no usable token, the provider said no, or no verdict (fail closed). */
export type CaptchaRefusal = 'missing' | 'rejected' | 'unavailable';

export interface AbuseCounters {
  /** endpoint (e.g. "POST /signup") → refusal → count */
  readonly captcha: Readonly<Record<string, Readonly<Partial<Record<CaptchaRefusal, number>>>>>;
  /** CAPTCHA checks that passed, per endpoint. */
  readonly captchaPassed: Readonly<Record<string, number>>;
  /** endpoint → limiter → requests refused with 429 */
  readonly rateLimited: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** endpoint → limiter → requests refused because the counter store failed (fail closed) */
  readonly rateLimitStoreErrors: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

const captcha = new Map<string, Map<CaptchaRefusal, number>>();
const captchaPassed = new Map<string, number>();
const rateLimited = new Map<string, Map<string, number>>();
const storeErrors = new Map<string, Map<string, number>>();

function bump<K>(outer: Map<string, Map<K, number>>, endpoint: string, key: K): void {
  let inner = outer.get(endpoint);
  if (!inner) outer.set(endpoint, (inner = new Map()));
  inner.set(key, (inner.get(key) ?? 0) + 1);
}

export function countCaptchaRefusal(endpoint: string, refusal: CaptchaRefusal): void {
  bump(captcha, endpoint, refusal);
}

export function countCaptchaPassed(endpoint: string): void {
  captchaPassed.set(endpoint, (captchaPassed.get(endpoint) ?? 0) + 1);
}

export function countRateLimited(endpoint: string, limiter: string): void {
  bump(rateLimited, endpoint, limiter);
}

export function countRateLimitStoreError(endpoint: string, limiter: string): void {
  bump(storeErrors, endpoint, limiter);
}

const nested = <K extends string>(outer: Map<string, Map<K, number>>) =>
  Object.fromEntries([...outer].map(([endpoint, inner]) => [endpoint, Object.fromEntries(inner)]));

/** A snapshot (plain objects, safe to serialise and to compare between two reads). */
export function getAbuseCounters(): AbuseCounters {
  return {
    captcha: nested(captcha),
    captchaPassed: Object.fromEntries(captchaPassed),
    rateLimited: nested(rateLimited),
    rateLimitStoreErrors: nested(storeErrors),
  };
}
