/** `--scale`'s targets (issue 22, point 5), its printed table (in bench/report.ts's style) and results JSON. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FillFigures } from './scale-fill.js';
import { formatWaits, type WaitProfile } from './pg-waits.js';
import type { CleanupUnderLoad, OperationKey, OperationTiming } from './scale-probes.js';
import { OPERATIONS } from './scale-probes.js';
import { spread, type RunMeta, type Sample } from './report.js';

export type HotPathKey = 'foyer-signin' | 'foyer-refresh' | 'foyer-user' | 'foyer-rest';

export const HOT_PATH_LABELS: Record<HotPathKey, string> = {
  'foyer-signin': 'anonymous sign-in',
  'foyer-refresh': 'refresh rotation',
  'foyer-user': 'GET /user',
  'foyer-rest': 'Data API select under RLS',
};

/** Every hot path keeps at least this share of its small-database throughput. */
export const HOT_PATH_TARGET = 0.9;
/** /metrics and the stats API answer within this at scale (median of the repetitions). */
export const OPERATOR_READ_TARGET_MS = 100;
const OPERATOR_READS: readonly OperationKey[] = ['metrics', 'stats', 'stats-month'];
/** Sign-in p99 while a cleanup runs, at most this many times its p99 at scale without one. */
export const CLEANUP_P99_TARGET = 2;

export interface ScaleMeta extends RunMeta {
  /** 1-, 5- and 15-minute load averages at the start and at the end (`uptime`). */
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly totalSeconds: number;
}

export type Timings = Partial<Record<OperationKey, OperationTiming>>;

/** What a line wrote per request, from the server's counters: why writes slow down on large tables. */
export interface WriteCost {
  readonly walKbPerRequest: number;
  /** Full-page images: the first change to a page after a checkpoint logs the whole 8 kB page. */
  readonly fullPagesPerRequest: number;
  /** Dirty pages a backend wrote itself to make room in shared_buffers. */
  readonly backendWritesPerRequest: number;
}

export type ScaleSample = Sample & Partial<WriteCost>;

export interface ScaleInput {
  readonly meta: ScaleMeta;
  readonly fill: FillFigures;
  readonly small: Partial<Record<HotPathKey, ScaleSample[]>>;
  readonly large: Partial<Record<HotPathKey, ScaleSample[]>>;
  /** The same lines' first run right after a checkpoint (information: see measure() in scale.ts). */
  readonly afterCheckpoint: { readonly small: Partial<Record<HotPathKey, ScaleSample[]>>; readonly large: Partial<Record<HotPathKey, ScaleSample[]>> };
  readonly operations: {
    readonly small: Timings;
    readonly large: Timings;
    readonly afterCleanup: Timings;
    /** Users created in the 25 hours before the after-cleanup reads: what the spike window counts. */
    readonly recentSignUps: number;
  };
  /** With a sign-in run (--duration) just before it: the p99 baseline. */
  readonly cleanup: CleanupUnderLoad & {
    readonly signInBefore: ScaleSample;
    /** PostgreSQL's backends on the large database: what they waited on during the sign-ins just before, and during the cleanup. */
    readonly waitsBefore?: WaitProfile;
    readonly waitsDuring?: WaitProfile;
  };
}

const median = (samples: readonly ScaleSample[] | undefined, pick: (s: ScaleSample) => number | undefined) =>
  spread((samples ?? []).map((s) => pick(s) ?? NaN)).median;

const figures = (samples: readonly ScaleSample[]) => ({
  rps: median(samples, (s) => s.rps),
  p99Ms: median(samples, (s) => s.p99Ms),
  cpuMsPerRequest: median(samples, (s) => s.cpuMsPerRequest),
  dbCpuMsPerRequest: median(samples, (s) => s.dbCpuMsPerRequest),
  walKbPerRequest: median(samples, (s) => s.walKbPerRequest),
  fullPagesPerRequest: median(samples, (s) => s.fullPagesPerRequest),
  backendWritesPerRequest: median(samples, (s) => s.backendWritesPerRequest),
});

export function buildScaleResults(input: ScaleInput) {
  const hotPaths = (Object.keys(HOT_PATH_LABELS) as HotPathKey[]).filter((key) => input.small[key] && input.large[key]).map((key) => {
    const small = input.small[key]!;
    const large = input.large[key]!;
    // Within each round (same conditions), then the median over rounds.
    const ratioOf = (l: readonly ScaleSample[], f: readonly ScaleSample[]) => spread(l.slice(0, f.length).map((sample, i) => sample.rps / f[i].rps));
    const ratio = ratioOf(large, small);
    const firstSmall = input.afterCheckpoint.small[key] ?? [];
    const firstLarge = input.afterCheckpoint.large[key] ?? [];
    return {
      key,
      label: HOT_PATH_LABELS[key],
      small: figures(small),
      large: figures(large),
      afterCheckpoint: { small: figures(firstSmall), large: figures(firstLarge), ratio: ratioOf(firstLarge, firstSmall) },
      failed: [...small, ...large].reduce((sum, s) => sum + s.failed, 0),
      ratio,
      target: HOT_PATH_TARGET,
      met: ratio.median >= HOT_PATH_TARGET,
    };
  });
  const operations = OPERATIONS.map((operation) => {
    const target = OPERATOR_READS.includes(operation.key) ? OPERATOR_READ_TARGET_MS : undefined;
    const large = input.operations.large[operation.key];
    return {
      key: operation.key,
      label: operation.label,
      small: input.operations.small[operation.key],
      large,
      afterCleanup: input.operations.afterCleanup[operation.key],
      targetMs: target,
      // Judged on the database as filled; after the cleanup, the spike window also holds the bench's own sign-ups (information).
      met: target === undefined || large === undefined ? undefined : large.ms.median <= target,
    };
  });
  const baselineP99 = input.cleanup.signInBefore.p99Ms ?? NaN;
  const duringP99 = input.cleanup.signIn.p99Ms;
  const p99Ratio = duringP99 / baselineP99;
  return {
    meta: input.meta,
    fill: input.fill,
    hotPaths,
    operations,
    recentSignUps: input.operations.recentSignUps,
    cleanup: {
      ...input.cleanup,
      signInP99BeforeMs: baselineP99,
      signInP99DuringMs: duringP99,
      p99Ratio,
      target: CLEANUP_P99_TARGET,
      met: p99Ratio <= CLEANUP_P99_TARGET,
    },
  };
}

export type ScaleResults = ReturnType<typeof buildScaleResults>;

const int = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? Math.round(n).toLocaleString('en-US').replace(/,/g, ' ') : '–');
const ms = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : n < 10 ? n.toFixed(1) : String(Math.round(n)));
const times = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '–');
const verdict = (met: boolean | undefined) => (met === undefined ? '' : met ? 'met' : 'MISSED');
const timing = (t: OperationTiming | undefined) => (t ? `${ms(t.ms.median)} (${ms(t.ms.max)})` : '–');
const loads = (values: readonly number[]) => values.map((v) => v.toFixed(2)).join(', ');

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length)));
  const cell = (text: string, col: number) => (col === 0 ? text.padEnd(widths[col]) : text.padStart(widths[col]));
  return rows.map((row) => (row.length ? row.map(cell).join('   ').trimEnd() : ''));
}

export function formatScaleTable(results: ScaleResults): string {
  const { meta, fill, cleanup } = results;
  const users = int(fill.users);
  const perRequest = (f: ScaleResults['hotPaths'][number]['small']) =>
    `${f.dbCpuMsPerRequest?.toFixed(2) ?? '–'}; ${f.walKbPerRequest?.toFixed(1) ?? '–'}; ${f.fullPagesPerRequest?.toFixed(1) ?? '–'}`;
  const hot = table([
    ['hot path: per second; p99 ms', 'fresh database', `${users} users`, 'per request: db CPU ms; WAL kB; full pages', 'large / fresh', 'target', ''],
    ...results.hotPaths.flatMap((h) => [
      [
        `${h.label}${h.failed ? ` [${h.failed} failed]` : ''}`,
        `${int(h.small.rps)}/s; ${ms(h.small.p99Ms)}`,
        `${int(h.large.rps)}/s; ${ms(h.large.p99Ms)}`,
        `${perRequest(h.small)} → ${perRequest(h.large)}`,
        `${times(h.ratio.median)}${meta.rounds > 1 ? ` (${times(h.ratio.min)}–${times(h.ratio.max)})` : ''}`,
        `≥ ${h.target}×`,
        verdict(h.met),
      ],
      [
        '  … its first run, right after a checkpoint',
        `${int(h.afterCheckpoint.small.rps)}/s; ${ms(h.afterCheckpoint.small.p99Ms)}`,
        `${int(h.afterCheckpoint.large.rps)}/s; ${ms(h.afterCheckpoint.large.p99Ms)}`,
        `${perRequest(h.afterCheckpoint.small)} → ${perRequest(h.afterCheckpoint.large)}`,
        times(h.afterCheckpoint.ratio.median),
        '(info)',
        '',
      ],
    ]),
  ]);
  const reads = table([
    ['single requests: median (max) ms', 'fresh database', `${users} users`, 'first (cold)', 'after cleanup (info)', 'target', ''],
    ...results.operations.map((o) => [
      o.label,
      timing(o.small),
      timing(o.large),
      ms(o.large?.firstMs),
      timing(o.afterCleanup),
      o.targetMs === undefined ? '(info)' : `≤ ${o.targetMs} ms`,
      verdict(o.met),
    ]),
  ]);
  const cleanupRows = table([
    ['cleanup under sign-in load', 'figure', 'target', ''],
    [`run ${cleanup.runId} (${cleanup.status}): users deleted, batches`, `${int(cleanup.deleted)} of ${int(fill.stale)} stale, ${int(cleanup.batches)}`, '', ''],
    ['rows per second', `${int(cleanup.rowsPerSecond)}/s over ${cleanup.seconds.toFixed(1)} s`, '(info)', ''],
    ['sign-ins meanwhile', `${int(cleanup.signIn.rps)}/s${cleanup.signIn.non2xx + cleanup.signIn.errors ? ` [${cleanup.signIn.non2xx + cleanup.signIn.errors} failed]` : ''}`, '(info)', ''],
    ['sign-in p99: during / just before', `${ms(cleanup.signInP99DuringMs)} / ${ms(cleanup.signInP99BeforeMs)} ms = ${times(cleanup.p99Ratio)}`, `≤ ${cleanup.target}×`, verdict(cleanup.met)],
    ['PostgreSQL backends waiting on, just before', formatWaits(cleanup.waitsBefore), '(info)', ''],
    ['… during the cleanup', formatWaits(cleanup.waitsDuring), '(info)', ''],
  ]);
  const width = Math.max(...[...hot, ...reads, ...cleanupRows].map((line) => line.length));
  const rule = '─'.repeat(width);
  const rowsWritten = Object.entries(fill.rows).map(([name, n]) => `${name.replace('auth.', '')} ${int(n)}`).join(', ');
  return [
    `Foyer scale bench · ${meta.startedAt.slice(0, 16).replace('T', ' ')} UTC · ${meta.commit} · ${users} users · ${meta.connections} connections, ` +
      `${meta.clientIps || 1} client IPs · ${meta.seconds} s × ${meta.rounds} round${meta.rounds > 1 ? 's' : ''}`,
    `Node ${meta.node} · PostgreSQL ${meta.postgres.split(' ')[0]} · ${meta.cpus} CPUs · load generator ${meta.loadGenerator}`,
    `fill: ${fill.seconds.toFixed(0)} s (${rowsWritten}; VACUUM ANALYZE included)`,
    rule, hot[0], rule, ...hot.slice(1),
    rule, reads[0], rule, ...reads.slice(1),
    rule, cleanupRows[0], rule, ...cleanupRows.slice(1),
    rule,
    'per request: the whole PostgreSQL server\'s CPU time, WAL bytes and full-page images (others\' work on it counts too); a line is ' +
      'measured twice after a CHECKPOINT, the target on the second run',
    'backends waiting on: the large database\'s active backends sampled every 50 ms (CPU: no wait event); checkpoints requested: ' +
      'started because the WAL reached max_wal_size, not by time (pg_stat_bgwriter)',
    `single requests: the database as filled, before any load; after cleanup, the spike window (the last 25 hours) holds ${int(results.recentSignUps)} sign-ups, ` +
      'nearly all the bench\'s own; on a large database its reading is reused, as the totals\' are',
    `load average (1, 5, 15 min) ${loads(meta.loadAverage.start)} at start, ${loads(meta.loadAverage.end)} at end · whole run ${(meta.totalSeconds / 60).toFixed(1)} min`,
  ].join('\n');
}

export function writeScaleResults(file: string, results: ScaleResults): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}
