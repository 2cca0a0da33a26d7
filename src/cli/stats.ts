/** `foyer stats`: totals, activity, the spike signal and a sign-up series of a project, on its live settings. */
import type { Config, Env } from '../config/load.js';
import type { StatsReport } from '../stats/report.js';
import type { Bucket } from '../store/stats.js';
import { table } from './context.js';
import { runOperation } from './local-admin/run.js';

export interface StatsOptions {
  readonly bucket: Bucket;
  readonly buckets: number;
  readonly json?: boolean;
  readonly failOnSpike?: boolean;
  readonly project?: string;
}

const percent = (rate: number | null) => (rate === null ? '-' : `${(rate * 100).toFixed(1)}%`);

function render(report: StatsReport): string {
  const { totals, active_anonymous_users: active, spike, series } = report;
  const methods = Object.entries(totals.conversions.by_method).map(([method, n]) => `${method} ${n}`).join(', ') || 'none';
  const peak = Math.max(1, ...series.points.map((point) => point.anonymous_signups));
  const lines = [
    `Project ${report.project}`,
    `  users:               ${totals.users.anonymous} anonymous, ${totals.users.pending_conversion} pending conversion, ${totals.users.invited} invited (not accepted), ${totals.users.permanent} permanent`,
    `  anonymous sign-ups:  ${totals.anonymous_signups}`,
    `  conversions:         ${totals.conversions.total} (${methods}); rate ${percent(totals.conversion_rate)}`,
    `  cleaned up:          ${totals.cleanup.deleted} stale anonymous users`,
    `  active anonymous:    ${active.last_hour} in the last hour, ${active.last_day} day, ${active.last_7_days} 7 days, ${active.last_30_days} 30 days`,
    spike.firing
      ? `  SPIKE:               ${spike.last_hour} anonymous sign-ups in the last hour vs ${spike.baseline_per_hour}/hour (threshold ${spike.threshold}×)`
      : `  spike:               none (${spike.last_hour} in the last hour, baseline ${spike.baseline_per_hour}/hour, threshold ${spike.threshold}×)`,
    '',
    table([
      [`${series.bucket} (UTC)`, 'sign-ups', '', 'conversions', 'cohort rate', 'cleaned up'],
      ...series.points.map((point) => [
        point.start.replace(/:00(\.0+)?Z$/, 'Z'),
        String(point.anonymous_signups),
        '#'.repeat(Math.round((point.anonymous_signups / peak) * 20)),
        String(point.conversions),
        percent(point.cohort_conversion_rate),
        String(point.cleaned_up),
      ]),
    ]),
  ];
  return `${lines.join('\n')}\n`;
}

/** Returns the exit code: 3 with --fail-on-spike when the spike signal fires. */
export async function printStats(config: Config, env: Env, options: StatsOptions): Promise<number> {
  const params = { project: options.project, bucket: options.bucket, buckets: options.buckets };
  const report = (await runOperation(config, env, 'stats', params)) as StatsReport;
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : render(report));
  if (report.spike.firing) process.stderr.write(`warning: anonymous sign-up spike (${report.spike.last_hour} in the last hour)\n`);
  return options.failOnSpike && report.spike.firing ? 3 : 0;
}
