/**
 * TOTP multi-factor authentication settings (GOTRUE_MFA_*), spread into settingsSchema, with GoTrue's
 * names, defaults and floors (conf.MFAConfiguration and its ApplyDefaults): TOTP on, challenges and
 * unverified factors living at least 300 seconds, 10 factors per user, 15 challenges and 15
 * verifications per client IP per minute.
 */
import { ConfigError, parseBool, parseDurationSeconds, parseInteger, parseNumber } from './parse.js';
import { isBlank, parseRate, type RateSetting } from './parse-protection.js';
import { setting } from './setting.js';

/** GoTrue raises shorter expiries to this (defaultChallengeExpiryDuration, defaultFactorExpiryDuration). */
const MIN_EXPIRY_SECONDS = 300;

const enabledByDefault = (env: string, doc: string) =>
  setting({ env: [env], doc, defaultText: 'true', read: (raw, name) => (isBlank(raw) ? true : parseBool(name, raw)) });

export const mfaSettings = {
  mfaTotpEnrollEnabled: enabledByDefault('GOTRUE_MFA_TOTP_ENROLL_ENABLED', 'Allow enrolling TOTP factors (POST /factors with factor_type totp).'),
  mfaTotpVerifyEnabled: enabledByDefault('GOTRUE_MFA_TOTP_VERIFY_ENABLED', 'Allow challenging and verifying TOTP factors (POST /factors/{id}/challenge, /verify).'),
  mfaMaxEnrolledFactors: setting({
    env: ['GOTRUE_MFA_MAX_ENROLLED_FACTORS'],
    doc: 'Most factors a user may have, verified or not (a number; its whole part counts).',
    defaultText: '10',
    read: (raw, name) => (isBlank(raw) ? 10 : Math.trunc(parseNumber(name, raw, 0))),
  }),
  mfaMaxVerifiedFactors: setting({
    env: ['GOTRUE_MFA_MAX_VERIFIED_FACTORS'],
    doc: 'Most verified factors a user may have.',
    defaultText: '10',
    read: (raw, name) => (isBlank(raw) ? 10 : parseInteger(name, raw, 0)),
  }),
  mfaFactorExpirySeconds: setting({
    env: ['GOTRUE_MFA_FACTOR_EXPIRY_DURATION'],
    doc: 'How long an unverified factor that was never challenged is kept (Go duration, at least 300s): older ones are removed at the next enrolment.',
    defaultText: '300s',
    read: (raw, name) => Math.max(MIN_EXPIRY_SECONDS, isBlank(raw) ? MIN_EXPIRY_SECONDS : parseDurationSeconds(name, raw)),
  }),
  mfaChallengeExpirySeconds: setting({
    env: ['GOTRUE_MFA_CHALLENGE_EXPIRY_DURATION'],
    doc: 'Seconds a challenge can be verified (a number of seconds, as GoTrue reads it; at least 300).',
    defaultText: '300',
    read: (raw, name) => {
      if (isBlank(raw)) return MIN_EXPIRY_SECONDS;
      const seconds = Number(raw.trim());
      if (!Number.isFinite(seconds)) throw new ConfigError(`${name} must be a number of seconds such as 300, got ${JSON.stringify(raw)}`);
      return Math.max(MIN_EXPIRY_SECONDS, seconds);
    },
  }),
  mfaRateLimitChallengeAndVerify: setting<RateSetting>({
    env: ['GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY'],
    doc: 'MFA challenges, and separately MFA verifications, per client IP per minute (or N/duration, e.g. 15/1m).',
    defaultText: '15 (per minute)',
    read: (raw, name) => (isBlank(raw) ? { limit: 15, windowSeconds: 60 } : parseRate(name, raw, 60)),
  }),
} as const;
