/**
 * Counters of what abuse protection refused, per endpoint, since the process started. Each project
 * counts its own (AuthDeps.abuse: the console's Growth page shows a project's refusals, not the
 * process's), and every count also lands in the process-wide totals that getAbuseCounters reads.
 * Nothing here resets.
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

function bump<K>(outer: Map<string, Map<K, number>>, endpoint: string, key: K): void {
  let inner = outer.get(endpoint);
  if (!inner) outer.set(endpoint, (inner = new Map()));
  inner.set(key, (inner.get(key) ?? 0) + 1);
}

const nested = <K extends string>(outer: Map<string, Map<K, number>>) =>
  Object.fromEntries([...outer].map(([endpoint, inner]) => [endpoint, Object.fromEntries(inner)]));

/** One set of counters: a project's, or the process's. */
export class AbuseCounter {
  private readonly captcha = new Map<string, Map<CaptchaRefusal, number>>();
  private readonly captchaPassed = new Map<string, number>();
  private readonly rateLimited = new Map<string, Map<string, number>>();
  private readonly storeErrors = new Map<string, Map<string, number>>();

  /** @param parent the process-wide counter every count is added to as well (none for that one). */
  constructor(private readonly parent?: AbuseCounter) {}

  captchaRefusal(endpoint: string, refusal: CaptchaRefusal): void {
    bump(this.captcha, endpoint, refusal);
    this.parent?.captchaRefusal(endpoint, refusal);
  }

  captchaPass(endpoint: string): void {
    this.captchaPassed.set(endpoint, (this.captchaPassed.get(endpoint) ?? 0) + 1);
    this.parent?.captchaPass(endpoint);
  }

  rateLimit(endpoint: string, limiter: string): void {
    bump(this.rateLimited, endpoint, limiter);
    this.parent?.rateLimit(endpoint, limiter);
  }

  rateLimitStoreError(endpoint: string, limiter: string): void {
    bump(this.storeErrors, endpoint, limiter);
    this.parent?.rateLimitStoreError(endpoint, limiter);
  }

  /** A snapshot (plain objects, safe to serialise and to compare between two reads). */
  snapshot(): AbuseCounters {
    return {
      captcha: nested(this.captcha),
      captchaPassed: Object.fromEntries(this.captchaPassed),
      rateLimited: nested(this.rateLimited),
      rateLimitStoreErrors: nested(this.storeErrors),
    };
  }
}

const processWide = new AbuseCounter();

/** A project's counters, adding to the process-wide ones. */
export const createAbuseCounter = (): AbuseCounter => new AbuseCounter(processWide);

/** Every project's refusals in this process. */
export function getAbuseCounters(): AbuseCounters {
  return processWide.snapshot();
}
