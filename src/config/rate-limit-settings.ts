/**
 * Rate-limit settings, spread into settingsSchema: GoTrue's limits (on by default, keyed by client IP,
 * IPv6 per /64), who the client is behind a proxy, and where the counters live.
 */
import { parseEnum } from './parse.js';
import {
  isBlank,
  parseHeaderName,
  parseKeyPrefix,
  parseRate,
  parseRedisUrl,
  parseTrustedProxies,
  type RateSetting,
} from './parse-protection.js';
import { setting } from './setting.js';

export const rateLimitSettings = {
  rateLimitAnonymousUsers: setting<RateSetting>({
    env: ['GOTRUE_RATE_LIMIT_ANONYMOUS_USERS'],
    doc: 'Anonymous sign-ins per client IP per hour (or N/duration, e.g. 30/1h); 0 refuses all.',
    defaultText: '30 (per hour)',
    read: (raw, name) => (isBlank(raw) ? { limit: 30, windowSeconds: 3600 } : parseRate(name, raw, 3600)),
  }),
  rateLimitOtp: setting<RateSetting>({
    env: ['GOTRUE_RATE_LIMIT_OTP'],
    doc: 'Email/phone sign-ups, /otp, /recover, /resend, /magiclink per client IP per 5 minutes (or N/duration, e.g. 30/1h).',
    defaultText: '30 (per 5 minutes)',
    read: (raw, name) => (isBlank(raw) ? { limit: 30, windowSeconds: 300 } : parseRate(name, raw, 300)),
  }),
  rateLimitVerify: setting<RateSetting>({
    env: ['GOTRUE_RATE_LIMIT_VERIFY'],
    doc: '/verify requests per client IP per 5 minutes (or N/duration, e.g. 30/1h).',
    defaultText: '30 (per 5 minutes)',
    read: (raw, name) => (isBlank(raw) ? { limit: 30, windowSeconds: 300 } : parseRate(name, raw, 300)),
  }),
  rateLimitTokenRefresh: setting<RateSetting>({
    env: ['GOTRUE_RATE_LIMIT_TOKEN_REFRESH'],
    doc: 'POST /token requests (every grant, as GoTrue) per client IP per 5 minutes (or N/duration, e.g. 30/1h).',
    defaultText: '150 (per 5 minutes)',
    read: (raw, name) => (isBlank(raw) ? { limit: 150, windowSeconds: 300 } : parseRate(name, raw, 300)),
  }),
  rateLimitEmailSent: setting<RateSetting>({
    env: ['GOTRUE_RATE_LIMIT_EMAIL_SENT'],
    doc: 'Emails sent per hour by the whole instance (or N/duration, e.g. 30/1h).',
    defaultText: '30 (per hour)',
    read: (raw, name) => (isBlank(raw) ? { limit: 30, windowSeconds: 3600 } : parseRate(name, raw, 3600)),
  }),
  rateLimitHeader: setting<string | undefined>({
    env: ['GOTRUE_RATE_LIMIT_HEADER'],
    doc: 'Header holding the client IP (first value), believed only from FOYER_TRUSTED_PROXIES; ignored otherwise.',
    defaultText: '(unset: socket address or X-Forwarded-For via trusted proxies)',
    read: (raw, name) => (isBlank(raw) ? undefined : parseHeaderName(name, raw)),
  }),
  trustedProxies: setting<readonly string[]>({
    env: ['FOYER_TRUSTED_PROXIES'],
    doc: 'IPs/CIDRs (or loopback, linklocal, uniquelocal) of proxies whose X-Forwarded-For is believed.',
    defaultText: '(none: the socket address is the client)',
    read: (raw, name) => (isBlank(raw) ? [] : parseTrustedProxies(name, raw)),
  }),
  rateLimitStore: setting({
    env: ['FOYER_RATE_LIMIT_STORE'],
    doc: 'Where counters live: memory (this process), postgres (the project database, shared), redis (REDIS_URL).',
    defaultText: 'postgres (DATABASE_URL set), memory (embedded)',
    read: (raw, name, ctx) =>
      isBlank(raw)
        ? ctx.embedded
          ? 'memory'
          : 'postgres'
        : parseEnum(name, raw.toLowerCase(), ['memory', 'postgres', 'redis'] as const),
  }),
  redisUrl: setting<string | undefined>({
    env: ['REDIS_URL', 'FOYER_REDIS_URL'],
    doc: 'Redis for rate-limit counters (with FOYER_RATE_LIMIT_STORE=redis).',
    defaultText: '(unset)',
    read: (raw, name) => (isBlank(raw) ? undefined : parseRedisUrl(name, raw)),
  }),
  rateLimitKeyPrefix: setting({
    env: ['FOYER_RATE_LIMIT_KEY_PREFIX'],
    doc: 'Prefix of counter keys (to keep several deployments apart in one Redis).',
    defaultText: 'foyer',
    read: (raw, name) => (isBlank(raw) ? 'foyer' : parseKeyPrefix(name, raw)),
  }),
};
