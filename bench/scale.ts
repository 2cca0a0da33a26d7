/**
 * Scale mode (`npm run bench -- --scale [N]`, issue 22 point 5): is Foyer as fast with a million users as
 * with none? Two Foyer children on PostgreSQL, one on a freshly migrated database and one on a database
 * filled with N users (bench/scale-fill.ts), measured in the same run, line by line, so each "within
 * 10 %" is a same-run ratio. Then the reads an operator makes, timed one request at a time, and a
 * cleanup of the stale tenth of the users while sign-ins go on. Table and targets: bench/scale-report.ts.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import { analyze, checkpoint, serverVersion } from './databases.js';
import { migrateFoyer, ROOT, startFoyer } from './foyer.js';
import { chooseLoadGenerator, type LoadShape } from './load.js';
import { databaseCpuSeconds } from './machine.js';
import type { BenchOptions } from './options.js';
import { cleanupAll, cpuSeconds } from './processes.js';
import type { Sample } from './report.js';
import { fillScaleDatabase } from './scale-fill.js';
import { cleanupUnderLoad, OPERATIONS, scaleServer, timeOperation, type OperationKey, type ScaleServer } from './scale-probes.js';
import { buildScaleResults, formatScaleTable, HOT_PATH_LABELS, writeScaleResults, type HotPathKey, type Timings } from './scale-report.js';
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

function commit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${sha}+dirty` : sha;
  } catch {
    return 'unknown';
  }
}

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

/** One measurement, as the main bench takes it: warm-up on the first round, ANALYZE and CHECKPOINT first. */
async function measure(side: Side, measurement: Measurement, round: number, options: BenchOptions): Promise<Sample> {
  if (round === 1 && options.warmupSeconds > 0) await measurement.run(options.warmupSeconds);
  await analyze(side.url);
  await checkpoint(options.serverUrl);
  const cpuBefore = measurement.pid ? cpuSeconds(measurement.pid) : 0;
  const dbBefore = databaseCpuSeconds();
  const result = await measurement.run(options.seconds);
  const dbAfter = databaseCpuSeconds();
  const sample: Sample = {
    ...result,
    ...(measurement.pid ? { cpuMsPerRequest: ((cpuSeconds(measurement.pid) - cpuBefore) * 1000) / result.count } : {}),
    ...(dbBefore === undefined || dbAfter === undefined ? {} : { dbCpuMsPerRequest: ((dbAfter - dbBefore) * 1000) / result.count }),
  };
  const failed = sample.failed ? `  FAILED ${sample.failed} ${JSON.stringify(sample.failures ?? {})}` : '';
  log(`round ${round}/${options.rounds}  ${side.name.padEnd(16)} ${measurement.key.padEnd(14)} ${Math.round(sample.rps).toString().padStart(6)}/s` +
    `  p99 ${(sample.p99Ms ?? NaN).toFixed(1)} ms  server CPU ${(sample.cpuMsPerRequest ?? NaN).toFixed(2)} ms/req${failed}`);
  return sample;
}

async function timeOperations(side: Side, keys: readonly OperationKey[]): Promise<Timings> {
  const timings: Timings = {};
  for (const operation of OPERATIONS.filter((o) => keys.includes(o.key))) {
    const timing = await timeOperation(side.server, operation, REPETITIONS, OPERATION_BUDGET_MS);
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

  // Small then large, line by line: whatever else the machine does affects both alike.
  const samples: Record<'small' | 'large', Partial<Record<HotPathKey, Sample[]>>> = { small: {}, large: {} };
  for (let round = 1; round <= options.rounds; round++) {
    for (const key of Object.keys(HOT_PATH_LABELS) as HotPathKey[]) {
      for (const [which, side] of [['small', small], ['large', large]] as const) {
        const measurement = side.measurements.find((m) => m.key === key);
        if (measurement) (samples[which][key] ??= []).push(await measure(side, measurement, round, options));
      }
    }
  }

  const all = OPERATIONS.map((o) => o.key);
  const smallTimings = await timeOperations(small, all);
  const largeTimings = await timeOperations(large, all);
  await analyze(largeUrl);
  log(`cleanup of ${LARGE_DB}'s stale anonymous users (POST /admin/cleanup) under sign-in load…`);
  const cleanup = await cleanupUnderLoad(large.server, shape);
  log(`cleanup run ${cleanup.runId} ${cleanup.status}: ${cleanup.deleted} deleted in ${cleanup.seconds.toFixed(1)} s, ` +
    `sign-ins meanwhile ${Math.round(cleanup.signIn.rps)}/s, p99 ${cleanup.signIn.p99Ms.toFixed(1)} ms`);
  await analyze(largeUrl);
  const afterCleanup = await timeOperations(large, AFTER_CLEANUP);

  await cleanupAll();
  const results = buildScaleResults({
    meta: {
      startedAt,
      commit: commit(),
      node: process.version,
      postgres: await serverVersion(options.serverUrl),
      cpus: availableParallelism(),
      connections: options.connections,
      clientIps: options.clientIps,
      seconds: options.seconds,
      rounds: options.rounds,
      loadGenerator: generator.label,
      loadAverage: { start: loadAtStart, end: loadavg() },
      totalSeconds: (Date.now() - started) / 1000,
    },
    fill,
    small: samples.small,
    large: samples.large,
    operations: { small: smallTimings, large: largeTimings, afterCleanup },
    cleanup,
  });
  process.stdout.write(`\n${formatScaleTable(results)}\n`);
  const file = join(context.resultsDir, 'scale-latest.json');
  writeScaleResults(file, results);
  log(`results written to ${file}`);
}
