/**
 * The stats the console, scripts (`foyer stats`, GET /admin/stats) and /metrics show: totals, hour/day
 * series and the anonymous sign-up spike signal. Numbers come from the database (src/store/stats.ts).
 */
import type { Config } from '../config/load.js';
import type { Queryable } from '../store/db.js';
import { readEscalations, type EscalationPeriod } from '../store/captcha-escalations.js';
import { readActiveAnonymous, readSeries, readSpikeWindow, readTotals, type Bucket, type TotalsRow } from '../store/stats.js';
import { escalationLevel, spikeFactor, type EscalationLevel, type EscalationLevelSettings } from './escalation-level.js';
import { ReadingCache } from './reading-cache.js';

export const PROJECT = 'default';

export type SpikeSettings = Pick<Config, 'spikeThreshold' | 'spikeMinSignups' | 'spikeBaselineHours'>;

export interface Totals {
  /**
   * Users by kind (src/store/user-kinds.ts), which do not overlap: anonymous excludes those awaiting the
   * confirmation of an address (pending_conversion), permanent excludes invitations not accepted (invited).
   */
  readonly users: { readonly anonymous: number; readonly pending_conversion: number; readonly permanent: number; readonly invited: number };
  /** Every anonymous sign-up the database still knows of (see src/store/stats.ts). */
  readonly anonymous_signups: number;
  readonly conversions: { readonly total: number; readonly by_method: Readonly<Record<string, number>> };
  /** conversions / anonymous sign-ups; null before the first sign-up. */
  readonly conversion_rate: number | null;
  readonly cleanup: { readonly deleted: number; readonly runs: Readonly<Record<string, number>> };
}

export function totalsFrom(row: TotalsRow): Totals {
  const conversions = row.converted + row.merged;
  const signups = row.anonymous_users + row.converted + row.merged + row.deleted_anonymous;
  const byMethod: Record<string, number> = { ...row.conversions_by_method };
  if (row.merged > 0) byMethod.merge = row.merged;
  return {
    users: {
      anonymous: row.anonymous_users - row.pending_conversion_users,
      pending_conversion: row.pending_conversion_users,
      permanent: row.permanent_users,
      invited: row.invited_users,
    },
    anonymous_signups: signups,
    conversions: { total: conversions, by_method: byMethod },
    conversion_rate: signups === 0 ? null : round(conversions / signups),
    cleanup: { deleted: row.cleanup_deleted, runs: row.cleanup_runs_by_status },
  };
}

export async function readTotalsReport(db: Queryable): Promise<Totals> {
  return totalsFrom(await readTotals(db));
}

/**
 * The totals pass over auth.users and the audit log's conversions and deletions: on large tables a
 * reading is reused for up to a minute (reading-cache.ts), shared by /metrics and the stats API.
 */
export const totalsReadings = new ReadingCache(readTotals, { tables: ['auth.users', 'auth.audit_log_entries'] });
/** Every anonymous user's last activity, its sessions included: the same. */
const activeReadings = new ReadingCache(readActiveAnonymous, { tables: ['auth.users', 'auth.sessions'] });
/** The series reads the users created in its span, up to a year of them (366 days): the same, per bucket and count. */
const seriesReadings = new ReadingCache((db: Queryable, bucket: Bucket, buckets: number) => readSeries(db, bucket, buckets), {
  tables: ['auth.users', 'auth.audit_log_entries'],
});
/**
 * The spike window counts every sign-up of the last baseline + 1 hours: after a burst (hundreds of
 * thousands of sign-ups in a day) a reading takes a quarter of a second. /metrics and the stats API reuse
 * one the same way, per baseline; the detector itself (the scheduled check, the CAPTCHA escalation) reads
 * it fresh at its own interval (checkSpike), and its readings are served too.
 */
const spikeReadings = new ReadingCache((db: Queryable, baselineHours: number) => readSpikeWindow(db, baselineHours), {
  tables: ['auth.users', 'auth.audit_log_entries'],
});

/**
 * Takes the readings a first scrape and a first stats call need, when the tables are large (a minute
 * or more of waiting at a million users otherwise): called once when `foyer start` schedules a
 * project's jobs.
 */
export async function warmStatsReadings(db: Queryable, settings: SpikeSettings): Promise<void> {
  await totalsReadings.warm(db);
  await spikeReadings.warm(db, settings.spikeBaselineHours);
  await activeReadings.warm(db);
  await seriesReadings.warm(db, 'hour', defaultBuckets.hour);
}

export interface Spike {
  readonly firing: boolean;
  readonly last_hour: number;
  readonly baseline_hours: number;
  readonly baseline_per_hour: number;
  /** last_hour / baseline_per_hour; null when the baseline is 0. */
  readonly ratio: number | null;
  readonly threshold: number;
  readonly min_signups: number;
}

/** Fires when the last hour has at least min_signups and more than threshold × the baseline hourly average. */
export function spikeFrom(window: { last_hour: number; baseline: number }, settings: SpikeSettings): Spike {
  const perHour = window.baseline / settings.spikeBaselineHours;
  const firing = window.last_hour >= settings.spikeMinSignups && window.last_hour > settings.spikeThreshold * perHour;
  return {
    firing,
    last_hour: window.last_hour,
    baseline_hours: settings.spikeBaselineHours,
    baseline_per_hour: round(perHour),
    ratio: perHour === 0 ? null : round(window.last_hour / perHour),
    threshold: settings.spikeThreshold,
    min_signups: settings.spikeMinSignups,
  };
}

export interface SpikeLogger {
  warn(object: Record<string, unknown>, message: string): void;
}

/** Warns when the signal fires: what to look at next. */
function logFiring(spike: Spike, log?: SpikeLogger): void {
  if (!spike.firing || !log) return;
  log.warn(
    { spike },
    `anonymous sign-up spike: ${spike.last_hour} in the last hour, ${spike.baseline_per_hour}/hour over the ${spike.baseline_hours}h before ` +
      `(threshold ${spike.threshold}×, at least ${spike.min_signups}). Check GET /admin/stats and the rate-limit/CAPTCHA metrics.`,
  );
}

/** The detector's reading: taken now, and handed to /metrics and the stats API as their newest. */
export async function checkSpike(db: Queryable, settings: SpikeSettings, log?: SpikeLogger): Promise<Spike> {
  const readAt = new Date();
  const window = await readSpikeWindow(db, settings.spikeBaselineHours);
  spikeReadings.offer(db, { value: window, readAt }, settings.spikeBaselineHours);
  const spike = spikeFrom(window, settings);
  logFiring(spike, log);
  return spike;
}

/** The reading /metrics and the stats API show: now on a small database, up to about a minute old on a large one. */
export async function servedSpike(db: Queryable, settings: SpikeSettings, log?: SpikeLogger): Promise<{ spike: Spike; readAt: Date }> {
  const reading = await spikeReadings.get(db, settings.spikeBaselineHours);
  const spike = spikeFrom(reading.value, settings);
  logFiring(spike, log);
  return { spike, readAt: reading.readAt };
}

export interface SeriesPoint {
  readonly start: string;
  readonly anonymous_signups: number;
  readonly conversions: number;
  /** Share of this bucket's anonymous sign-ups that are permanent now; null when none. */
  readonly cohort_conversion_rate: number | null;
  readonly cleaned_up: number;
}

export interface StatsReport {
  readonly project: string;
  readonly generated_at: string;
  readonly totals: Totals;
  readonly active_anonymous_users: { readonly last_hour: number; readonly last_day: number; readonly last_7_days: number; readonly last_30_days: number };
  readonly series: { readonly bucket: Bucket; readonly points: readonly SeriesPoint[] };
  readonly spike: Spike;
  /** CAPTCHA escalation now (from this reading of the spike), and its periods within the series. */
  readonly escalation: EscalationLevel & { readonly periods: readonly EscalationPeriod[] };
  /**
   * When `totals`, `active_anonymous_users`, `series` and `spike` were read: now on a small database; on a
   * large one up to about a minute ago (src/stats/reading-cache.ts). The escalation periods are read for every call.
   */
  readonly as_of: { readonly totals: string; readonly active_anonymous_users: string; readonly series: string; readonly spike: string };
}

export const defaultBuckets: Record<Bucket, number> = { hour: 48, day: 30 };
export const maxBuckets: Record<Bucket, number> = { hour: 24 * 31, day: 366 };

export async function readStatsReport(
  db: Queryable,
  settings: SpikeSettings & EscalationLevelSettings,
  options: { bucket: Bucket; buckets: number; log?: SpikeLogger },
): Promise<StatsReport> {
  const [totals, active, series, { spike, readAt: spikeReadAt }, periods] = await Promise.all([
    totalsReadings.get(db),
    activeReadings.get(db),
    seriesReadings.get(db, options.bucket, options.buckets),
    servedSpike(db, settings, options.log),
    readEscalations(db, options.bucket === 'hour' ? options.buckets : options.buckets * 24),
  ]);
  return {
    project: PROJECT,
    generated_at: new Date().toISOString(),
    totals: totalsFrom(totals.value),
    active_anonymous_users: active.value,
    series: {
      bucket: options.bucket,
      points: series.value.map((point) => ({
        start: point.start,
        anonymous_signups: point.anonymous_signups,
        conversions: point.conversions,
        cohort_conversion_rate: point.anonymous_signups === 0 ? null : round(point.converted_since / point.anonymous_signups),
        cleaned_up: point.cleaned_up,
      })),
    },
    spike,
    escalation: { ...escalationLevel(settings, spike.firing, spikeFactor(spike)), periods },
    as_of: {
      totals: totals.readAt.toISOString(),
      active_anonymous_users: active.readAt.toISOString(),
      series: series.readAt.toISOString(),
      spike: spikeReadAt.toISOString(),
    },
  };
}

const round = (value: number) => Math.round(value * 10000) / 10000;
