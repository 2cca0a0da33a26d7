/**
 * Scale mode (`npm run bench -- --scale [N]`, issue 22 point 5): is Foyer as fast with a million users as
 * with none? Two Foyer children on PostgreSQL, one on a freshly migrated database and one on a database
 * filled with N users (bench/scale-fill.ts), measured in the same run, line by line, so each "within
 * 10 %" is a same-run ratio. Then the reads an operator makes, timed one request at a time, and a
 * cleanup of the stale tenth of the users while sign-ins go on. Table and targets: bench/scale-report.ts.
 */
import pg from 'pg';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { analyze, checkpoint, databaseUrl } from './databases.js';
import { migrateFoyer, startFoyer } from './foyer.js';
import { runMeta } from './run-meta.js';
import { chooseLoadGenerator, type LoadShape } from './load.js';
import { databaseCpuSeconds } from './machine.js';
import type { BenchOptions } from './options.js';
import { cleanupAll, cpuSeconds } from './processes.js';
import { sampleWaits } from './pg-waits.js';
import { fillScaleDatabase } from './scale-fill.js';
import { cleanupUnderLoad, firstRequest, OPERATIONS, repeatedRequests, scaleServer, type OperationKey, type ScaleServer } from './scale-probes.js';
import { buildScaleResults, formatScaleTable, HOT_PATH_LABELS, writeScaleResults, type HotPathKey, type ScaleSample, type Timings } from './scale-report.js';
import { foyerSessionMeasurements, foyerSignIn, type Measurement } from './workloads.js';

export interface ScaleContext {
  scratchDir(): string;
  benchDatabase(serverUrl: string, name: string): Promise<string>;
  readonly resultsDir: string;
}

const SMALL_DB = 'foyer_bench_scale_small';
const LARGE_DB = 'foyer_bench_scale';
/** Single operations: at most this many repetitions, and no more than this long each (at least 3). */
const REPETITIONS = 20;
const OPERATION_BUDGET_MS = 20_000;
/** What is timed again after the cleanup, whose 100 000 audit entries the totals read. */
const AFTER_CLEANUP: readonly OperationKey[] = ['metrics', 'stats', 'stats-month'];

const log = (message: string) => process.stderr.write(`${message}\n`);

interface Side {
  readonly name: string;
  readonly url: string;
  readonly server: ScaleServer;
  readonly measurements: Measurement[];
}

async function startSide(name: string, url: string, dir: string, options: BenchOptions, shape: LoadShape): Promise<Side> {
  const foyer = await startFoyer(`Foyer (${name})`, { databaseUrl: url, dataDir: join(dir, name.replace(/\W+/g, '-')), env: options.foyerEnv, dataApi: true });
  log(`Foyer (${name}) at ${foyer.url}, admin listener ${foyer.restUrl}`);
  const measurements = [foyerSignIn('foyer-signin', foyer, shape), ...(await foyerSessionMeasurements(foyer, shape))];
  return { name, url, server: scaleServer(foyer), measurements };
}

interface ServerCounters {
  readonly walBytes: number;
  /** Full-page images: the first change to a page after a checkpoint logs the whole 8 kB page. */
  readonly fullPages: number;
  /** Dirty pages a backend had to write itself to make room in shared_buffers. */
  readonly backendWrites: number;
}

/** The server's own counters (the whole server: others' work on it counts too). */
async function serverCounters(serverUrl: string): Promise<ServerCounters> {
  const client = new pg.Client({ connectionString: databaseUrl(serverUrl, 'postgres') });
  await client.connect();
  try {
    const { rows } = await client.query<{ wal_bytes: string; wal_fpi: string; buffers_backend: string }>(
      'select w.wal_bytes, w.wal_fpi, b.buffers_backend from pg_stat_wal w, pg_stat_bgwriter b',
    );
    return { walBytes: Number(rows[0].wal_bytes), fullPages: Number(rows[0].wal_fpi), backendWrites: Number(rows[0].buffers_backend) };
  } finally {
    await client.end();
  }
}

/** One timed run of a line, with the server's write counters. */
async function timedRun(side: Side, measurement: Measurement, label: string, options: BenchOptions): Promise<ScaleSample> {
  const cpuBefore = measurement.pid ? cpuSeconds(measurement.pid) : 0;
  const dbBefore = databaseCpuSeconds();
  const countersBefore = await serverCounters(options.serverUrl);
  const result = await measurement.run(options.seconds);
  const countersAfter = await serverCounters(options.serverUrl);
  const dbAfter = databaseCpuSeconds();
  const per = (after: number, before: number) => (after - before) / result.count;
  const sample: ScaleSample = {
    ...result,
    ...(measurement.pid ? { cpuMsPerRequest: ((cpuSeconds(measurement.pid) - cpuBefore) * 1000) / result.count } : {}),
    ...(dbBefore === undefined || dbAfter === undefined ? {} : { dbCpuMsPerRequest: ((dbAfter - dbBefore) * 1000) / result.count }),
    walKbPerRequest: per(countersAfter.walBytes, countersBefore.walBytes) / 1024,
    fullPagesPerRequest: per(countersAfter.fullPages, countersBefore.fullPages),
    backendWritesPerRequest: per(countersAfter.backendWrites, countersBefore.backendWrites),
  };
  const failed = sample.failed ? `  FAILED ${sample.failed} ${JSON.stringify(sample.failures ?? {})}` : '';
  log(`${label}  ${side.name.padEnd(16)} ${measurement.key.padEnd(14)} ${Math.round(sample.rps).toString().padStart(6)}/s` +
    `  p99 ${(sample.p99Ms ?? NaN).toFixed(1)} ms  server CPU ${(sample.cpuMsPerRequest ?? NaN).toFixed(2)} ms/req` +
    `  db CPU ${(sample.dbCpuMsPerRequest ?? NaN).toFixed(2)} ms/req  WAL ${sample.walKbPerRequest!.toFixed(1)} kB/req` +
    ` (${sample.fullPagesPerRequest!.toFixed(2)} full pages)  backend writes ${sample.backendWritesPerRequest!.toFixed(2)}/req${failed}`);
  return sample;
}

/**
 * One measurement: warm-up on the first round, ANALYZE and CHECKPOINT first, as in the main bench, then
 * two runs. Right after a checkpoint, the first change to each page writes the whole page to the WAL;
 * a sign-in changes about eight pages of indexes on random keys (uuids, tokens), which at a million
 * users are eight different pages each time, until most have been changed once: 40 kB of WAL per
 * sign-in instead of 4 (on a small database the same few pages take every change). Between two
 * checkpoints (5 minutes by default) that burst passes, so the target is judged on the second run; the
 * first is shown too.
 */
async function measure(side: Side, measurement: Measurement, round: number, options: BenchOptions): Promise<{ afterCheckpoint: ScaleSample; steady: ScaleSample }> {
  if (round === 1 && options.warmupSeconds > 0) await measurement.run(options.warmupSeconds);
  await analyze(side.url);
  await checkpoint(options.serverUrl);
  const afterCheckpoint = await timedRun(side, measurement, `round ${round}/${options.rounds} after checkpoint`, options);
  const steady = await timedRun(side, measurement, `round ${round}/${options.rounds} steady          `, options);
  return { afterCheckpoint, steady };
}

async function countRecentSignUps(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from auth.users where created_at >= now() - interval '25 hours'`);
    return rows[0].n;
  } finally {
    await client.end();
  }
}

/**
 * Every operation's first request, then each one repeated: the first requests take the readings a
 * start leaves to them (and wait for those `foyer start` is taking in the background), so the repeated
 * ones measure the steady state rather than the other operations' first readings running beside them.
 */
async function timeOperations(side: Side, keys: readonly OperationKey[]): Promise<Timings> {
  const operations = OPERATIONS.filter((o) => keys.includes(o.key));
  const firsts = new Map<OperationKey, number>();
  for (const operation of operations) firsts.set(operation.key, await firstRequest(side.server, operation));
  const timings: Timings = {};
  for (const operation of operations) {
    const timing = await repeatedRequests(side.server, operation, REPETITIONS, OPERATION_BUDGET_MS, firsts.get(operation.key)!);
    timings[operation.key] = timing;
    log(`${side.name.padEnd(16)} ${operation.label.padEnd(52)} median ${timing.ms.median.toFixed(1)} ms, max ${timing.ms.max.toFixed(1)} ms, ` +
      `first ${timing.firstMs.toFixed(1)} ms (${timing.repetitions}×)`);
  }
  return timings;
}

export async function runScale(options: BenchOptions, context: ScaleContext): Promise<void> {
  const users = options.scaleUsers!;
  const started = Date.now();
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg();
  const dir = context.scratchDir();
  const generator = chooseLoadGenerator(options.load, dir);
  log(`load generator: ${generator.label}`);
  const shape: LoadShape = { connections: options.connections, clientIps: options.clientIps, generator };

  const smallUrl = await context.benchDatabase(options.serverUrl, SMALL_DB);
  const largeUrl = await context.benchDatabase(options.serverUrl, LARGE_DB);
  log('migrating both databases (foyer migrate)…');
  await migrateFoyer({ databaseUrl: smallUrl, dataDir: join(dir, 'migrate-small'), env: options.foyerEnv });
  await migrateFoyer({ databaseUrl: largeUrl, dataDir: join(dir, 'migrate-large'), env: options.foyerEnv });
  log(`filling ${LARGE_DB} with ${users.toLocaleString('en-US')} users…`);
  const fill = await fillScaleDatabase(largeUrl, users, log);
  log(`filled in ${fill.seconds.toFixed(1)} s`);
  const small = await startSide('fresh database', smallUrl, dir, options, shape);
  const large = await startSide(`${users.toLocaleString('en-US')} users`, largeUrl, dir, options, shape);

  // Before any load: the database as filled, whose last day holds the sign-ups of a year's pace.
  const all = OPERATIONS.map((o) => o.key);
  const smallTimings = await timeOperations(small, all);
  const largeTimings = await timeOperations(large, all);

  // Small then large, line by line: whatever else the machine does affects both alike.
  const samples: Record<'small' | 'large', Partial<Record<HotPathKey, ScaleSample[]>>> = { small: {}, large: {} };
  const afterCheckpoint: Record<'small' | 'large', Partial<Record<HotPathKey, ScaleSample[]>>> = { small: {}, large: {} };
  for (let round = 1; round <= options.rounds; round++) {
    for (const key of Object.keys(HOT_PATH_LABELS) as HotPathKey[]) {
      for (const [which, side] of [['small', small], ['large', large]] as const) {
        const measurement = side.measurements.find((m) => m.key === key);
        if (!measurement) continue;
        const runs = await measure(side, measurement, round, options);
        (samples[which][key] ??= []).push(runs.steady);
        (afterCheckpoint[which][key] ??= []).push(runs.afterCheckpoint);
      }
    }
  }

  await analyze(largeUrl);
  // The cleanup's baseline: sign-ins just before it, under the same conditions (no checkpoint forced).
  const signIn = large.measurements.find((m) => m.key === 'foyer-signin')!;
  // What PostgreSQL's backends wait on, just before and during: the cleanup's cost shows there first.
  const samplingBefore = await sampleWaits(options.serverUrl, LARGE_DB);
  const beforeCleanup = await timedRun(large, signIn, 'before the cleanup     ', options);
  const waitsBefore = await samplingBefore.stop();
  log(`cleanup of ${LARGE_DB}'s stale anonymous users (POST /admin/cleanup) under sign-in load…`);
  const samplingDuring = await sampleWaits(options.serverUrl, LARGE_DB);
  const cleanup = await cleanupUnderLoad(large.server, shape);
  const waitsDuring = await samplingDuring.stop();
  log(`cleanup run ${cleanup.runId} ${cleanup.status}: ${cleanup.deleted} deleted in ${cleanup.seconds.toFixed(1)} s, ` +
    `sign-ins meanwhile ${Math.round(cleanup.signIn.rps)}/s, p99 ${cleanup.signIn.p99Ms.toFixed(1)} ms`);
  await analyze(largeUrl);
  // The spike window counts the last 25 hours' sign-ups: by now mostly the bench's own, made within minutes.
  const recentSignUps = await countRecentSignUps(largeUrl);
  const afterCleanup = await timeOperations(large, AFTER_CLEANUP);

  await cleanupAll();
  const results = buildScaleResults({
    meta: {
      ...(await runMeta(startedAt, options, generator.label)),
      loadAverage: { start: loadAtStart, end: loadavg() },
      totalSeconds: (Date.now() - started) / 1000,
    },
    fill,
    small: samples.small,
    large: samples.large,
    afterCheckpoint,
    operations: { small: smallTimings, large: largeTimings, afterCleanup, recentSignUps },
    cleanup: { ...cleanup, signInBefore: beforeCleanup, waitsBefore, waitsDuring },
  });
  process.stdout.write(`\n${formatScaleTable(results)}\n`);
  const file = join(context.resultsDir, 'scale-latest.json');
  writeScaleResults(file, results);
  log(`results written to ${file}`);
}
