/**
 * CAPTCHA settings, spread into settingsSchema: GoTrue's provider settings (hcaptcha, turnstile) and
 * Foyer's own built-in proof-of-work provider (altcha), when anonymous sign-ins need a challenge
 * (always, only during a sign-up spike, never) and the project-wide anonymous sign-up budget.
 * The bare SECURITY_CAPTCHA_* names are the seed guide's .env names, read too so that file works when
 * Foyer reads it directly. docs/abuse-protection.md explains how the layers fit together.
 */
import { ConfigError, parseBool, parseDurationSeconds, parseEnum, parseInteger, parseUrl } from './parse.js';
import { isBlank, parseRate, type RateSetting } from './parse-protection.js';
import { setting } from './setting.js';

export const captchaProviderNames = ['hcaptcha', 'turnstile', 'altcha'] as const;
export type CaptchaProviderName = (typeof captchaProviderNames)[number];

/** When a group of endpoints needs a CAPTCHA token. */
export const challengeModes = ['always', 'spike', 'never'] as const;
export type ChallengeMode = (typeof challengeModes)[number];

/** What an anonymous sign-in over the project's budget meets. */
export type BudgetAction = 'challenge' | 'refuse';

/** A whole number within [min, max], naming the variable and the range when it is not. */
const boundedInteger = (env: string, fallback: number, min: number, max: number, doc: string) =>
  setting({
    env: [env],
    doc,
    defaultText: fallback.toLocaleString('en-US').replace(/,/g, '_'),
    read: (raw, name) => {
      if (isBlank(raw)) return fallback;
      const value = parseInteger(name, raw.replace(/_/g, ''), min);
      if (value > max) throw new ConfigError(`${name} must be at most ${max}, got ${value}`);
      return value;
    },
  });

export const captchaSettings = {
  captchaEnabled: setting({
    env: ['GOTRUE_SECURITY_CAPTCHA_ENABLED', 'SECURITY_CAPTCHA_ENABLED'],
    doc: 'Require a CAPTCHA token (gotrue_meta_security.captcha_token) on sign-up, password sign-in and OTP/recovery endpoints.',
    defaultText: 'false',
    read: (raw, name) => (isBlank(raw) ? false : parseBool(name, raw)),
  }),
  captchaProvider: setting<CaptchaProviderName | undefined>({
    env: ['GOTRUE_SECURITY_CAPTCHA_PROVIDER', 'SECURITY_CAPTCHA_PROVIDER'],
    doc: "CAPTCHA provider: hcaptcha or turnstile (GoTrue's), or altcha: Foyer's built-in proof-of-work, challenges served at GET /captcha/challenge and verified locally, no third party (required when CAPTCHA is enabled).",
    defaultText: '(unset)',
    read: (raw, name) => (isBlank(raw) ? undefined : parseEnum(name, raw.trim().toLowerCase(), captchaProviderNames)),
  }),
  captchaSecret: setting<string | undefined>({
    env: ['GOTRUE_SECURITY_CAPTCHA_SECRET', 'SECURITY_CAPTCHA_SECRET'],
    doc: 'The provider secret key (required when CAPTCHA is enabled; never logged). With altcha: the key that signs challenges, at least 32 characters (`openssl rand -base64 33`).',
    defaultText: '(unset)',
    read: (raw) => (isBlank(raw) ? undefined : raw.trim()),
  }),
  captchaTimeoutSeconds: setting({
    env: ['GOTRUE_SECURITY_CAPTCHA_TIMEOUT', 'SECURITY_CAPTCHA_TIMEOUT'],
    doc: 'How long to wait for the provider (Go duration; 0 means 10s). A slower answer fails closed.',
    defaultText: '10s',
    read: (raw, name) => {
      const seconds = isBlank(raw) ? 10 : parseDurationSeconds(name, raw);
      return seconds === 0 ? 10 : seconds;
    },
  }),
  captchaVerifyUrl: setting<string | undefined>({
    env: ['FOYER_SECURITY_CAPTCHA_VERIFY_URL'],
    doc: "Siteverify endpoint to call instead of the provider's (a self-hosted proxy, tests).",
    defaultText: "(the provider's siteverify URL)",
    read: (raw, name) => (isBlank(raw) ? undefined : parseUrl(name, raw)),
  }),
  captchaScope: setting({
    env: ['FOYER_SECURITY_CAPTCHA_SCOPE'],
    doc: "Where CAPTCHA applies: all (GoTrue's endpoints) or anonymous (anonymous sign-ins only).",
    defaultText: 'all',
    read: (raw, name) => (isBlank(raw) ? 'all' : parseEnum(name, raw.toLowerCase(), ['all', 'anonymous'] as const)),
  }),
  captchaAnonymous: setting<ChallengeMode>({
    env: ['FOYER_SECURITY_CAPTCHA_ANONYMOUS'],
    doc: 'When anonymous sign-ins need a CAPTCHA token (with CAPTCHA enabled): always, spike (only while the sign-up spike signal fires; with altcha the difficulty rises with the spike) or never.',
    defaultText: 'always',
    read: (raw, name) => (isBlank(raw) ? 'always' : parseEnum(name, raw.trim().toLowerCase(), challengeModes)),
  }),

  // The built-in proof-of-work provider (GOTRUE_SECURITY_CAPTCHA_PROVIDER=altcha).
  altchaDifficulty: boundedInteger(
    'FOYER_SECURITY_ALTCHA_DIFFICULTY',
    5_000,
    100,
    10_000_000,
    'altcha: the most key derivations (PBKDF2-SHA-256, 1,000 iterations each) a browser may need to solve a challenge; on average three quarters of it (about a second on a phone at the default).',
  ),
  altchaMaxDifficulty: boundedInteger(
    'FOYER_SECURITY_ALTCHA_MAX_DIFFICULTY',
    50_000,
    100,
    10_000_000,
    'altcha: the highest difficulty a sign-up spike raises challenges to (the difficulty grows with how far the spike is over its threshold).',
  ),
  altchaExpirySeconds: setting({
    env: ['FOYER_SECURITY_ALTCHA_EXPIRY'],
    doc: 'altcha: how long a challenge may be solved and used (Go duration, 10s to 1h). Each is used once.',
    defaultText: '10m',
    read: (raw, name) => {
      if (isBlank(raw)) return 600;
      const seconds = parseDurationSeconds(name, raw);
      if (seconds < 10 || seconds > 3600) throw new ConfigError(`${name} must be between 10s and 1h, got ${JSON.stringify(raw)}`);
      return Math.round(seconds);
    },
  }),

  // The project-wide budget of anonymous sign-ins (all clients together), besides the per-IP limit.
  rateLimitCaptchaChallenge: setting<RateSetting>({
    env: ['FOYER_RATE_LIMIT_CAPTCHA_CHALLENGE'],
    doc: 'GET /captcha/challenge requests per client IP per 5 minutes (or N/duration, e.g. 300/1h): each costs the server one key derivation, so an unlimited flood of them would be cheap CPU for an attacker.',
    defaultText: '100 (per 5 minutes)',
    read: (raw, name) => (isBlank(raw) ? { limit: 100, windowSeconds: 300 } : parseRate(name, raw, 300)),
  }),
  anonymousBudget: setting<RateSetting | undefined>({
    env: ['FOYER_ANONYMOUS_BUDGET'],
    doc: 'Anonymous sign-ins per hour for the whole project, all client IPs together (or N/duration, e.g. 500/1h); what comes over it meets FOYER_ANONYMOUS_BUDGET_ACTION. Unset: no budget.',
    defaultText: '(unset: no budget)',
    read: (raw, name) => (isBlank(raw) ? undefined : parseRate(name, raw, 3600)),
  }),
  anonymousBudgetAction: setting<BudgetAction>({
    env: ['FOYER_ANONYMOUS_BUDGET_ACTION'],
    doc: 'Anonymous sign-ins over the budget: challenge (they need a CAPTCHA token; needs CAPTCHA enabled) or refuse (429).',
    defaultText: 'challenge',
    read: (raw, name) => (isBlank(raw) ? 'challenge' : parseEnum(name, raw.trim().toLowerCase(), ['challenge', 'refuse'] as const)),
  }),
} as const;

/** Shortest signing key the built-in provider accepts. */
export const MIN_ALTCHA_SECRET_LENGTH = 32;

/** Checks across the CAPTCHA settings; each names the variable to set and what it accepts. */
export function captchaProblems(values: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  const enabled = values.captchaEnabled === true;
  if (enabled) {
    if (values.captchaProvider === undefined) {
      problems.push('GOTRUE_SECURITY_CAPTCHA_PROVIDER must be hcaptcha, turnstile or altcha when GOTRUE_SECURITY_CAPTCHA_ENABLED=true');
    }
    if (values.captchaSecret === undefined) {
      problems.push(
        values.captchaProvider === 'altcha'
          ? `GOTRUE_SECURITY_CAPTCHA_SECRET is required with GOTRUE_SECURITY_CAPTCHA_PROVIDER=altcha: the key that signs challenges, at least ${MIN_ALTCHA_SECRET_LENGTH} characters (openssl rand -base64 33)`
          : 'GOTRUE_SECURITY_CAPTCHA_SECRET is required when GOTRUE_SECURITY_CAPTCHA_ENABLED=true: the secret key from your hCaptcha or Turnstile dashboard',
      );
    } else if (values.captchaProvider === 'altcha' && (values.captchaSecret as string).length < MIN_ALTCHA_SECRET_LENGTH) {
      problems.push(
        `GOTRUE_SECURITY_CAPTCHA_SECRET must be at least ${MIN_ALTCHA_SECRET_LENGTH} characters with GOTRUE_SECURITY_CAPTCHA_PROVIDER=altcha (it signs the challenges; openssl rand -base64 33)`,
      );
    }
  }
  if (typeof values.altchaDifficulty === 'number' && typeof values.altchaMaxDifficulty === 'number' && values.altchaMaxDifficulty < values.altchaDifficulty) {
    problems.push(
      `FOYER_SECURITY_ALTCHA_MAX_DIFFICULTY (${values.altchaMaxDifficulty}) must be at least FOYER_SECURITY_ALTCHA_DIFFICULTY (${values.altchaDifficulty})`,
    );
  }
  if (values.anonymousBudget !== undefined && values.anonymousBudgetAction === 'challenge' && !enabled) {
    problems.push(
      'FOYER_ANONYMOUS_BUDGET_ACTION=challenge needs CAPTCHA (GOTRUE_SECURITY_CAPTCHA_ENABLED=true with a provider, e.g. altcha); or set FOYER_ANONYMOUS_BUDGET_ACTION=refuse',
    );
  }
  return problems;
}
