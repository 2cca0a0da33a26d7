import type { Config } from '../config/load.js';
import type { Mailer } from '../mail/mailer.js';
import type { SmsSender } from '../sms/sender.js';
import type { AbuseCounter } from '../security/abuse-counters.js';
import type { CaptchaVerifier } from '../security/captcha/verifier.js';
import type { ClientIpResolver } from '../security/client-ip.js';
import type { Escalation } from '../security/escalation.js';
import type { Keyring } from '../security/jwt.js';
import type { RateLimits } from '../security/rate-limit.js';
import type { Db } from '../store/db.js';

/**
 * What the domain layer needs from the outside world; built once per project by the app. `config`,
 * `captcha`, `mailer` and `sms` may be swapped while the app serves (live settings, src/projects/live.ts):
 * read them from `deps` when a request needs them, never capture them at registration time.
 * `rateLimits` and `escalation` stay the same objects; its limits change in place (RateLimits.setLimits).
 */
export interface AuthDeps {
  readonly db: Db;
  readonly config: Config;
  readonly keyring: Keyring;
  /** Abuse protection (docs/abuse-protection.md): CAPTCHA, rate limits and who the client is. */
  readonly captcha: CaptchaVerifier;
  readonly rateLimits: RateLimits;
  /** Whether the sign-up spike has made anonymous sign-ins need a CAPTCHA (src/security/escalation.ts). */
  readonly escalation: Escalation;
  readonly clientIp: ClientIpResolver;
  /** What this project's CAPTCHA and rate limits refused since the process started. */
  readonly abuse: AbuseCounter;
  readonly mailer: Mailer;
  /** Where SMS go: the configured provider or the outbox (src/sms/sender.ts). */
  readonly sms: SmsSender;
}

/** Facts about the caller that sessions record. */
export interface RequestMeta {
  readonly ip: string | null;
  readonly userAgent: string | null;
}
