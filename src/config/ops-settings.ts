/**
 * Operations settings, spread into settingsSchema: anonymous-user cleanup, GoTrue's database
 * housekeeping, the sign-up spike signal and who may read /metrics (docs/operations.md).
 * Impossible values (negative days, batch 0, an interval of 0) stop `foyer start` with the variable named.
 */
import { ConfigError, parseBool, parseDurationSeconds, parseEnum, parseInteger, parseNumber } from './parse.js';
import { isBlank } from './parse-protection.js';
import { setting } from './setting.js';

const flag = (env: string, fallback: boolean, doc: string) =>
  setting({ env: [env], doc, defaultText: String(fallback), read: (raw, name) => (isBlank(raw) ? fallback : parseBool(name, raw)) });

/** A whole number within [min, max], with a message that names the variable and the range. */
const boundedInteger = (env: string, fallback: number, min: number, max: number, doc: string) =>
  setting({
    env: [env],
    doc,
    defaultText: String(fallback),
    read: (raw, name) => {
      if (isBlank(raw)) return fallback;
      const value = parseInteger(name, raw, min);
      if (value > max) throw new ConfigError(`${name} must be at most ${max}, got ${value}`);
      return value;
    },
  });

/** A Go duration (or seconds) of at least `minSeconds`. */
const interval = (env: string, fallbackSeconds: number, fallbackText: string, minSeconds: number, doc: string) =>
  setting({
    env: [env],
    doc,
    defaultText: fallbackText,
    read: (raw, name) => {
      if (isBlank(raw)) return fallbackSeconds;
      const seconds = parseDurationSeconds(name, raw);
      if (seconds < minSeconds) throw new ConfigError(`${name} must be at least ${minSeconds}s, got ${JSON.stringify(raw)}`);
      return seconds;
    },
  });

export const opsSettings = {
  // Lifecycle cleanup of anonymous users who never came back (architecture decision 4).
  cleanupEnabled: flag(
    'FOYER_ANONYMOUS_CLEANUP_ENABLED',
    false,
    'Run the anonymous-user cleanup on a schedule in `foyer start` (`foyer cleanup` and the admin API work either way).',
  ),
  cleanupInactiveDays: boundedInteger(
    'FOYER_ANONYMOUS_CLEANUP_INACTIVE_DAYS',
    30,
    1,
    36500,
    'An anonymous user is stale after this many days without a sign-in or a token refresh (not counted from creation).',
  ),
  cleanupKeepDataOwners: flag(
    'FOYER_ANONYMOUS_CLEANUP_KEEP_DATA_OWNERS',
    true,
    'Keep stale anonymous users who own rows in tables whose foreign keys reference auth.users. false deletes them too (their rows follow each foreign key’s ON DELETE rule; users behind a RESTRICT/NO ACTION key are always kept).',
  ),
  cleanupBatchSize: boundedInteger(
    'FOYER_ANONYMOUS_CLEANUP_BATCH_SIZE',
    500,
    1,
    10000,
    'Users deleted per transaction; each batch commits on its own, so an interrupted run loses nothing.',
  ),
  cleanupPacePercent: boundedInteger(
    'FOYER_ANONYMOUS_CLEANUP_PACE_PERCENT',
    50,
    1,
    100,
    'The share of its time a cleanup run spends deleting: after each batch it waits long enough (at most 5s) to stay at this share, so live traffic keeps the rest of the database. 100: no waits.',
  ),
  cleanupIntervalSeconds: interval(
    'FOYER_ANONYMOUS_CLEANUP_INTERVAL',
    3600,
    '1h',
    60,
    'How often the scheduled cleanup (and GOTRUE_DB_CLEANUP_ENABLED housekeeping) runs; Go duration, at least 1m.',
  ),
  dbCleanupEnabled: flag(
    'GOTRUE_DB_CLEANUP_ENABLED',
    false,
    "GoTrue's housekeeping: delete refresh tokens revoked over 24h ago, sessions expired over 72h ago and OAuth flow states over 24h old, in small batches. It never deletes users (that is FOYER_ANONYMOUS_CLEANUP_ENABLED).",
  ),

  // Spike signal (stats API, /metrics, a warning in the log).
  spikeThreshold: setting({
    env: ['FOYER_ANONYMOUS_SPIKE_THRESHOLD'],
    doc: 'Anonymous sign-ups in the last hour above this multiple of the baseline hourly average fire the spike signal (more than 1).',
    defaultText: '3',
    read: (raw, name) => {
      if (isBlank(raw)) return 3;
      const value = parseNumber(name, raw, 0);
      if (value <= 1) throw new ConfigError(`${name} must be a number greater than 1 (a multiple of the baseline), got ${JSON.stringify(raw)}`);
      return value;
    },
  }),
  spikeMinSignups: boundedInteger(
    'FOYER_ANONYMOUS_SPIKE_MIN_SIGNUPS',
    20,
    1,
    Number.MAX_SAFE_INTEGER,
    'The spike signal needs at least this many anonymous sign-ups in the last hour (so 3 after an empty day is no spike).',
  ),
  spikeBaselineHours: boundedInteger(
    'FOYER_ANONYMOUS_SPIKE_BASELINE_HOURS',
    24,
    1,
    24 * 90,
    'Hours before the last one whose average hourly sign-ups form the baseline.',
  ),

  spikeCheckIntervalSeconds: interval(
    'FOYER_ANONYMOUS_SPIKE_CHECK_INTERVAL',
    30,
    '30s',
    1,
    'How often every Foyer process re-reads the spike signal (Go duration, at least 1s): how soon escalation (FOYER_SECURITY_CAPTCHA_ANONYMOUS=spike) turns on and off.',
  ),

  // Who may read /metrics.
  metricsAuth: setting({
    env: ['FOYER_METRICS_AUTH'],
    doc: '/metrics access: service_role (a Bearer token with an admin role, as the admin API) or none (anyone who reaches the port).',
    defaultText: 'service_role',
    read: (raw, name) => (isBlank(raw) ? 'service_role' : parseEnum(name, raw.trim().toLowerCase(), ['service_role', 'none'] as const)),
  }),
} as const;
