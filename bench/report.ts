/** Medians over rounds, the ratios and targets of issue 8, the printed table and results JSON. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describeThreads, type CriticalThreads, type ThreadShares } from './threads.js';

export type MeasurementKey =
  | 'limit-signin' | 'limit-refresh' | 'limit-rest' | 'limit-rest-insert'
  | 'foyer-signin' | 'foyer-signin-hook' | 'foyer-refresh' | 'foyer-user' | 'foyer-rest' | 'foyer-rest-insert'
  | 'baseline-signin' | 'baseline-refresh'
  | 'peer-signin' | 'peer-session'
  | 'pglite-signin';

export interface Sample {
  readonly rps: number;
  /** Successful requests (2xx) or transactions. */
  readonly count: number;
  /** CPU time of the server process per successful request (HTTP contenders): efficiency, less skewed by others. */
  readonly cpuMsPerRequest?: number;
  /** CPU time of the local PostgreSQL server per successful request or transaction, all its processes. */
  readonly dbCpuMsPerRequest?: number;
  /** CPU time of the load generator per response (HTTP contenders): what it takes from the server's CPUs. */
  readonly loadCpuMsPerRequest?: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  /** The slowest response. */
  readonly maxMs?: number;
  /** The server's resident memory (process tree) before its first load, in MB (first round only). */
  readonly rssIdleMb?: number;
  /** The highest resident memory (process tree) while the measurement ran, in MB. */
  readonly rssLoadedMb?: number;
  /** Failed requests or transactions (non-2xx, connection errors, pgbench failures). */
  readonly failed: number;
  /** What the failures were (HTTP status codes, connection errors), when there were any. */
  readonly failures?: Record<string, number>;
  /** Share of the CPUs busy in the second before the measurement, when everything measured was idle. */
  readonly busyBefore?: number;
  /** Share of the CPUs busy while the measurement ran, whoever used them (the kernel's own work included). */
  readonly busyDuring?: number;
  /** Share of the CPUs' time the hypervisor gave to other guests while the measurement ran. */
  readonly stealDuring?: number;
  /** How the server's JavaScript thread and the busiest PostgreSQL backend spent the measurement (HTTP contenders). */
  readonly threads?: CriticalThreads;
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export const LABELS: Record<MeasurementKey, string> = {
  'limit-signin': 'limit  pgbench: sign-in writes, 1 statement',
  'limit-refresh': 'limit  pgbench: refresh rotation, 1 statement',
  'foyer-signin': 'Foyer  anonymous sign-in (PostgreSQL)',
  'foyer-signin-hook': 'Foyer  sign-in, custom access token hook (SQL)',
  'baseline-signin': 'Foyer  anonymous sign-in at --baseline',
  'foyer-refresh': 'Foyer  refresh rotation (PostgreSQL)',
  'baseline-refresh': 'Foyer  refresh rotation at --baseline',
  'foyer-user': 'Foyer  GET /user (PostgreSQL)',
  'foyer-rest': 'Foyer  Data API select under RLS (PostgreSQL)',
  'limit-rest': 'limit  pgbench: the Data API select\'s transaction',
  'limit-rest-insert': 'limit  pgbench: the Data API insert\'s transaction',
  'foyer-rest-insert': 'Foyer  Data API insert, return=representation',
  'peer-signin': 'peer   Better Auth sign-in/anonymous',
  'peer-session': 'peer   Better Auth get-session',
  'pglite-signin': 'Foyer  anonymous sign-in (embedded PGlite)',
};

interface Ratio {
  readonly label: string;
  readonly over: MeasurementKey;
  readonly under: MeasurementKey;
  /** rps: over's rate / under's rate; cpu: under's CPU per request / over's (how many times leaner). */
  readonly metric?: 'cpu';
  /** Issue 8's target (Foyer ≥ target × the other), or none (information only). */
  readonly target?: number;
}

/** Issue 22's targets where it set them (issue 8's where not). */
const RATIOS: Ratio[] = [
  { label: 'sign-in     Foyer / limit', over: 'foyer-signin', under: 'limit-signin', target: 1.0 },
  { label: 'sign-in     Foyer / peer', over: 'foyer-signin', under: 'peer-signin', target: 8 },
  { label: 'refresh     Foyer / limit', over: 'foyer-refresh', under: 'limit-refresh', target: 0.9 },
  { label: 'GET /user   Foyer / peer get-session', over: 'foyer-user', under: 'peer-session', target: 5 },
  { label: 'Data API    select, Foyer / limit', over: 'foyer-rest', under: 'limit-rest', target: 0.8 },
  { label: 'Data API    insert, Foyer / limit', over: 'foyer-rest-insert', under: 'limit-rest-insert', target: 0.8 },
  { label: 'sign-in     PGlite / PostgreSQL', over: 'pglite-signin', under: 'foyer-signin' },
  { label: 'sign-in     with a custom access token hook / without', over: 'foyer-signin-hook', under: 'foyer-signin' },
  { label: 'sign-in     this checkout / --baseline', over: 'foyer-signin', under: 'baseline-signin' },
  { label: 'sign-in     server CPU per request, --baseline / this checkout', over: 'foyer-signin', under: 'baseline-signin', metric: 'cpu' },
  { label: 'refresh     this checkout / --baseline', over: 'foyer-refresh', under: 'baseline-refresh' },
  { label: 'refresh     server CPU per request, --baseline / this checkout', over: 'foyer-refresh', under: 'baseline-refresh', metric: 'cpu' },
  { label: 'sign-in     server CPU per request, peer / Foyer', over: 'foyer-signin', under: 'peer-signin', metric: 'cpu' },
  { label: 'session     server CPU per request, peer / Foyer', over: 'foyer-user', under: 'peer-session', metric: 'cpu' },
];

/**
 * What bounds a Foyer-versus-limit ratio on this machine. Foyer, PostgreSQL and the load generator share
 * its CPUs, so within a round the rate cannot pass CPUs / (server + db + load CPU per request). Printed as
 * that ceiling over the round's limit, with how busy the measured rate kept the CPUs: a ceiling under the
 * target says the target needs less CPU per request, whatever the concurrency; CPUs well short of busy
 * say the rate is bounded by waiting (round trips, commits), not by CPU.
 */
interface Ceiling {
  readonly label: string;
  readonly over: MeasurementKey;
  readonly under: MeasurementKey;
}

const CEILINGS: Ceiling[] = [
  { label: 'sign-in     all CPUs busy / limit', over: 'foyer-signin', under: 'limit-signin' },
  { label: 'refresh     all CPUs busy / limit', over: 'foyer-refresh', under: 'limit-refresh' },
  { label: 'Data API    select, all CPUs busy / limit', over: 'foyer-rest', under: 'limit-rest' },
  { label: 'Data API    insert, all CPUs busy / limit', over: 'foyer-rest-insert', under: 'limit-rest-insert' },
];

/** Per round: the CPU time of every process per request, the rate it allows, that over the limit, and the CPUs' busy share. */
function ceilingRounds(samples: Samples, ceiling: Ceiling, cpus: number) {
  const over = samples[ceiling.over] ?? [];
  const under = samples[ceiling.under] ?? [];
  return over.slice(0, under.length).flatMap((sample, i) => {
    const { cpuMsPerRequest, dbCpuMsPerRequest, loadCpuMsPerRequest } = sample;
    if (cpuMsPerRequest === undefined || dbCpuMsPerRequest === undefined || loadCpuMsPerRequest === undefined) return [];
    const cpuMsPerRequestAll = cpuMsPerRequest + dbCpuMsPerRequest + loadCpuMsPerRequest;
    const ceilingRps = (cpus * 1000) / cpuMsPerRequestAll;
    return [{
      cpuMsPerRequestAll,
      ceilingRps,
      overLimit: ceilingRps / under[i].rps,
      busy: (sample.rps * cpuMsPerRequestAll) / (cpus * 1000),
      machineBusy: sample.busyDuring ?? NaN,
      steal: sample.stealDuring ?? NaN,
      threads: sample.threads,
    }];
  });
}

/** Each share's median over the rounds that read it; undefined when none did. */
function medianThreads(rounds: readonly CriticalThreads[]): CriticalThreads | undefined {
  const medianOf = (read: readonly ThreadShares[]): ThreadShares | undefined =>
    read.length === 0 ? undefined : { run: spread(read.map((s) => s.run)).median, waitCpu: spread(read.map((s) => s.waitCpu)).median };
  const server = medianOf(rounds.map((threads) => threads.server));
  const backend = medianOf(rounds.flatMap((threads) => (threads.backend ? [threads.backend] : [])));
  return server ? { server, ...(backend ? { backend } : {}) } : undefined;
}

/** A bound on one figure (latency, CPU, memory): met when the figure is at most `limit`. */
interface Bound {
  readonly label: string;
  readonly unit: 'ms' | 'MB';
  /** The figure, from the measurements present (undefined: not measured in this run). */
  readonly value: (m: Partial<Record<MeasurementKey, Summary>>) => number | undefined;
  readonly limit?: number;
  /** A figure of the Foyer process or its responses, which the CPU profiler inflates (40 MB idle, for one): a profiled run does not judge it. */
  readonly skewedByProfiler?: boolean;
}

/** The same Foyer process (PostgreSQL) serves these: its memory is the highest over them. */
const FOYER_POSTGRES: MeasurementKey[] = ['foyer-signin', 'foyer-refresh', 'foyer-user', 'foyer-rest', 'foyer-rest-insert'];
const highest = (values: (number | undefined)[]) => {
  const known = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  return known.length ? Math.max(...known) : undefined;
};

const BOUNDS: Bound[] = [
  { label: 'sign-in     p99 (median of rounds)', unit: 'ms', value: (m) => m['foyer-signin']?.p99Ms?.median, limit: 30, skewedByProfiler: true },
  { label: 'sign-in     slowest response (all rounds)', unit: 'ms', value: (m) => m['foyer-signin']?.maxMs, limit: 100, skewedByProfiler: true },
  { label: 'refresh     p99 (median of rounds)', unit: 'ms', value: (m) => m['foyer-refresh']?.p99Ms?.median, limit: 30, skewedByProfiler: true },
  { label: 'refresh     slowest response (all rounds)', unit: 'ms', value: (m) => m['foyer-refresh']?.maxMs, limit: 100, skewedByProfiler: true },
  { label: 'Data API    select, server CPU per request', unit: 'ms', value: (m) => m['foyer-rest']?.cpuMsPerRequest?.median, limit: 0.3, skewedByProfiler: true },
  { label: 'Data API    insert, server CPU per request', unit: 'ms', value: (m) => m['foyer-rest-insert']?.cpuMsPerRequest?.median, limit: 0.3, skewedByProfiler: true },
  { label: 'memory      Foyer (PostgreSQL) idle', unit: 'MB', value: (m) => highest(FOYER_POSTGRES.map((k) => m[k]?.rssIdleMb)), limit: 100, skewedByProfiler: true },
  { label: 'memory      Foyer (PostgreSQL) under load', unit: 'MB', value: (m) => highest(FOYER_POSTGRES.map((k) => m[k]?.rssLoadedMb)), limit: 200, skewedByProfiler: true },
  { label: 'memory      Foyer (embedded PGlite) idle', unit: 'MB', value: (m) => m['pglite-signin']?.rssIdleMb, limit: 300, skewedByProfiler: true },
  { label: 'memory      Foyer (embedded PGlite) under load', unit: 'MB', value: (m) => m['pglite-signin']?.rssLoadedMb },
  { label: 'memory      peer idle', unit: 'MB', value: (m) => highest([m['peer-signin']?.rssIdleMb, m['peer-session']?.rssIdleMb]) },
  { label: 'memory      peer under load', unit: 'MB', value: (m) => highest([m['peer-signin']?.rssLoadedMb, m['peer-session']?.rssLoadedMb]) },
];

/** CPUs busier than this while everything measured is idle means someone else is using the machine. */
export const BUSY = 0.15;

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return { median: NaN, min: NaN, max: NaN };
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

export type Samples = Partial<Record<MeasurementKey, Sample[]>>;

/** What every bench report says about its run (the main bench's and the scale mode's). */
export interface RunMeta {
  readonly startedAt: string;
  readonly commit: string;
  readonly node: string;
  readonly postgres: string;
  readonly cpus: number;
  readonly connections: number;
  readonly clientIps: number;
  readonly seconds: number;
  readonly rounds: number;
  /** The HTTP load generator, e.g. "wrk 4.1.0". */
  readonly loadGenerator: string;
  /** Foyer ran under the CPU profiler (`--profile`): its CPU and memory figures are the profiler's too. */
  readonly profiled?: boolean;
}

export interface Meta extends RunMeta {
  readonly betterAuth: string;
  /** 1-minute load average when the run started and when it ended (other work on the machine skews figures). */
  readonly loadAverage: { readonly start: number; readonly end: number };
  /** Extra Foyer environment given with --foyer-env. */
  readonly foyerEnv: Readonly<Record<string, string>>;
  /** The commit measured beside this checkout (`--baseline`), when one was. */
  readonly baseline?: string;
}

/** Ratios are taken within each round (same conditions), then summarised. */
function ratioRounds(samples: Samples, ratio: Ratio): number[] {
  const over = samples[ratio.over] ?? [];
  const under = samples[ratio.under] ?? [];
  return over.slice(0, under.length).map((sample, i) =>
    ratio.metric === 'cpu' ? (under[i].cpuMsPerRequest ?? NaN) / (sample.cpuMsPerRequest ?? NaN) : sample.rps / under[i].rps,
  );
}

interface Summary {
  readonly p99Ms?: Spread;
  readonly cpuMsPerRequest?: Spread;
  readonly maxMs?: number;
  readonly rssIdleMb?: number;
  readonly rssLoadedMb?: number;
}

const spreadOf = (rounds: readonly Sample[], pick: (s: Sample) => number | undefined): Spread | undefined =>
  rounds[0] === undefined || pick(rounds[0]) === undefined ? undefined : spread(rounds.map((s) => pick(s) ?? NaN));

export function buildResults(meta: Meta, samples: Samples) {
  const measurements = Object.fromEntries(
    (Object.keys(samples) as MeasurementKey[]).map((key) => {
      const rounds = samples[key]!;
      return [key, {
        label: LABELS[key].replace(/\s+/g, ' '),
        rounds,
        rps: spread(rounds.map((s) => s.rps)),
        p50Ms: spreadOf(rounds, (s) => s.p50Ms),
        p99Ms: spreadOf(rounds, (s) => s.p99Ms),
        maxMs: highest(rounds.map((s) => s.maxMs)),
        cpuMsPerRequest: spreadOf(rounds, (s) => s.cpuMsPerRequest),
        dbCpuMsPerRequest: spreadOf(rounds, (s) => s.dbCpuMsPerRequest),
        loadCpuMsPerRequest: spreadOf(rounds, (s) => s.loadCpuMsPerRequest),
        rssIdleMb: rounds[0]?.rssIdleMb,
        rssLoadedMb: highest(rounds.map((s) => s.rssLoadedMb)),
        failed: rounds.reduce((sum, s) => sum + s.failed, 0),
      }];
    }),
  );
  const ratios = RATIOS.flatMap((ratio) => {
    const rounds = ratioRounds(samples, ratio);
    if (rounds.length === 0) return [];
    const value = spread(rounds);
    // Under the profiler, Foyer's side of every ratio pays for the sampling: shown, not judged.
    const met = ratio.target === undefined || meta.profiled ? undefined : value.median >= ratio.target;
    return [{ label: ratio.label.replace(/\s+/g, ' '), metric: ratio.metric ?? 'rps', over: ratio.over, under: ratio.under, rounds, ...value, target: ratio.target, met }];
  });
  const bounds = BOUNDS.flatMap((bound) => {
    const value = bound.value(measurements);
    if (value === undefined) return [];
    const met = bound.limit === undefined || (bound.skewedByProfiler && meta.profiled) ? undefined : value <= bound.limit;
    return [{ label: bound.label.replace(/\s+/g, ' '), unit: bound.unit, value, limit: bound.limit, met }];
  });
  const ceilings = CEILINGS.flatMap((ceiling) => {
    const rounds = ceilingRounds(samples, ceiling, meta.cpus);
    if (rounds.length === 0) return [];
    return [{
      label: ceiling.label.replace(/\s+/g, ' '),
      over: ceiling.over,
      under: ceiling.under,
      rounds,
      ...spread(rounds.map((r) => r.overLimit)),
      busy: spread(rounds.map((r) => r.busy)).median,
      machineBusy: spread(rounds.map((r) => r.machineBusy)).median,
      steal: spread(rounds.map((r) => r.steal)).median,
      cpuMsPerRequestAll: spread(rounds.map((r) => r.cpuMsPerRequestAll)).median,
      threads: medianThreads(rounds.flatMap((r) => (r.threads ? [r.threads] : []))),
    }];
  });
  return { meta, measurements, ratios, ceilings, bounds };
}

export type Results = ReturnType<typeof buildResults>;

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US').replace(/,/g, ' ') : '–');
const ms = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : n < 10 ? n.toFixed(1) : String(Math.round(n)));
const times = (n: number) => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(2) : n.toFixed(1)}×` : '–');
const verdict = (met: boolean | undefined) => (met === undefined ? '' : met ? 'met' : 'MISSED');
/** The target column: a target left unjudged (a profiled run) says so. */
const targetCell = (target: string | undefined, met: boolean | undefined) =>
  target === undefined ? '(info)' : met === undefined ? `${target} (profiled: not judged)` : target;

export function formatTable(results: Results): string {
  const { meta } = results;
  const rows: string[][] = [['', 'per second: median (min–max)', 'p50 ms', 'p99 ms (max)', 'CPU ms/req', 'db CPU', 'load CPU', 'RSS MB', 'target', '']];
  for (const [key, m] of Object.entries(results.measurements)) {
    const flag = m.failed > 0 ? ` [${m.failed} failed]` : '';
    rows.push([
      LABELS[key as MeasurementKey],
      `${int(m.rps.median)} (${int(m.rps.min)}–${int(m.rps.max)})${flag}`,
      ms(m.p50Ms?.median),
      m.p99Ms ? `${ms(m.p99Ms.median)} (${ms(m.maxMs ?? m.p99Ms.max)})` : '–',
      m.cpuMsPerRequest ? m.cpuMsPerRequest.median.toFixed(2) : '–',
      m.dbCpuMsPerRequest ? m.dbCpuMsPerRequest.median.toFixed(2) : '–',
      m.loadCpuMsPerRequest ? m.loadCpuMsPerRequest.median.toFixed(2) : '–',
      m.rssLoadedMb === undefined ? '–' : `${int(m.rssIdleMb ?? NaN)}/${int(m.rssLoadedMb)}`,
      '',
      '',
    ]);
  }
  rows.push([]);
  for (const r of results.ratios) {
    rows.push([`ratio  ${r.label}`, `${times(r.median)} (${times(r.min)}–${times(r.max)})`, '', '', '', '', '', '', targetCell(r.target ? `≥ ${r.target}×` : undefined, r.met), verdict(r.met)]);
  }
  if (results.ceilings.length > 0) rows.push([]);
  for (const c of results.ceilings) {
    rows.push([
      `ceiling  ${c.label}`, `${times(c.median)} (${times(c.min)}–${times(c.max)})`, '', '', c.cpuMsPerRequestAll.toFixed(2), '', '', '',
      `(info) CPUs busy: ${Math.round(c.busy * 100)} % these, ${Number.isFinite(c.machineBusy) ? Math.round(c.machineBusy * 100) : '–'} % in all` +
        (c.steal >= 0.01 ? `, ${Math.round(c.steal * 100)} % stolen` : '') +
        (c.threads ? `; ${describeThreads(c.threads)}` : ''), '',
    ]);
  }
  rows.push([]);
  for (const b of results.bounds) {
    const figure = b.unit === 'MB' ? `${int(b.value)} MB` : `${b.value < 1 ? b.value.toFixed(2) : ms(b.value)} ms`;
    rows.push([`bound  ${b.label}`, figure, '', '', '', '', '', '', targetCell(b.limit === undefined ? undefined : `≤ ${b.limit} ${b.unit}`, b.met), verdict(b.met)]);
  }
  const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length)));
  const cell = (text: string, col: number) => (col === 0 ? text.padEnd(widths[col]) : text.padStart(widths[col]));
  const line = (row: string[]) => row.map(cell).join('   ').trimEnd();
  const rule = '─'.repeat(widths.reduce((sum, w) => sum + w + 3, -3));
  const title = [
    `Foyer bench · ${meta.startedAt.slice(0, 16).replace('T', ' ')} UTC · ${meta.commit} · ${meta.connections} connections, ` +
      `${meta.clientIps || 1} client IPs · ${meta.seconds} s × ${meta.rounds} rounds`,
    `Node ${meta.node} · PostgreSQL ${meta.postgres.split(' ')[0]} · Better Auth ${meta.betterAuth} · ${meta.cpus} CPUs · ` +
      `load generator ${meta.loadGenerator}`,
  ].join('\n');
  const notes = [
    'CPU ms/req: the server process\'s CPU time per 2xx response; db CPU: the local PostgreSQL\'s (all its processes) per 2xx ' +
      'response or pgbench transaction; load CPU: the load generator\'s per response; p99 (max): the median p99 and the slowest ' +
      'response of all rounds; RSS MB: the server\'s resident memory (with its child processes) idle before its first load / the most under load; ' +
      'ceiling: the rate at which server, db and load CPU per request (their sum in the CPU column) would keep every CPU busy, over the limit ' +
      'of the same round; CPUs busy: these three processes\' share of all CPU time at the measured rate, and everything\'s (the kernel\'s ' +
      'own work, such as loopback networking, included; time stolen by the hypervisor apart); JS thread, busiest db backend: the share of ' +
      'the measurement the server\'s JavaScript thread and the PostgreSQL backend that ran most (a hot path\'s batch lane) spent on a CPU, ' +
      'and waiting for one; the rest they slept, waiting for each other, a disk or the network',
    `load average ${meta.loadAverage.start.toFixed(1)} at start, ${meta.loadAverage.end.toFixed(1)} at end`,
  ];
  const all = Object.values(results.measurements).flatMap((m) => m.rounds);
  const busy = all.filter((s) => (s.busyBefore ?? 0) > BUSY);
  if (busy.length > 0) {
    notes.push(`WARNING: ${busy.length} of ${all.length} measurements started while other work kept the CPUs >${BUSY * 100} % busy; figures are skewed`);
  }
  const env = Object.entries(meta.foyerEnv);
  if (env.length) notes.push(`Foyer env: ${env.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  return [title, rule, line(rows[0]), rule, ...rows.slice(1).map(line), rule, ...notes].join('\n');
}

export function writeResults(file: string, results: Results & { readonly captcha?: unknown }): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}
