/**
 * `npm run bench`: Foyer side by side with the database limit (pgbench) and the peer (Better Auth), in one
 * run on the local PostgreSQL; `--soak N` for the soak mode. Everything measured runs as a child process,
 * and so does the load generator (wrk; autocannon, the fallback, runs here). See bench/README.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCaptchaCost, measureCaptchaCost } from './captcha.js';
import { analyze, checkpoint, dropDatabase, lockBenchServer, recreateDatabase } from './databases.js';
import { migrateFoyer, ROOT, startFoyer } from './foyer.js';
import { runMeta } from './run-meta.js';
import { idleRssOf, sampleRss, treeRssMb } from './memory.js';
import { busyFraction, cpuReading, databaseCpuSeconds, waitQuiet } from './machine.js';
import { criticalThreadsReading, describeThreads } from './threads.js';
import { chooseLoadGenerator, stopAllLoad, type LoadGenerator } from './load.js';
import { parseOptions, type BenchOptions } from './options.js';
import { betterAuthVersion, startPeer } from './peer.js';
import { seedRefreshChains, writeScripts } from './pgbench.js';
import { cleanupAll, cpuSeconds, onCleanup } from './processes.js';
import { summariseProfiles } from './profile.js';
import { buildResults, BUSY, formatTable, writeResults, type MeasurementKey, type Sample, type Samples } from './report.js';
import { runScale } from './scale.js';
import { runSoak } from './soak.js';
import { customAccessTokenHook } from './hook.js';
import { checkoutBaseline } from './baseline.js';
import { foyerSessionMeasurements, foyerSignIn, peerSession, peerSignIn, pgbenchMeasurement, type Measurement } from './workloads.js';

const DB = 'foyer_bench';
const PEER_DB = 'foyer_bench_peer';
const BASELINE_DB = 'foyer_bench_baseline';
/** The order measurements run in, within each round. */
const ORDER: MeasurementKey[] = [
  'limit-signin', 'foyer-signin', 'baseline-signin', 'foyer-signin-hook', 'peer-signin', 'pglite-signin',
  'limit-refresh', 'foyer-refresh', 'baseline-refresh', 'foyer-user', 'peer-session', 'limit-rest', 'foyer-rest', 'limit-rest-insert', 'foyer-rest-insert',
];
export const RESULTS_DIR = join(ROOT, 'bench', 'results');

const log = (message: string) => process.stderr.write(`${message}\n`);
let interrupted = false;

/** A temp dir for pgbench and wrk scripts and PGlite data, removed at the end. */
function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'foyer-bench-'));
  onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The databases this run created, re-analyzed before each measurement (`analyze`). */
const benchDatabases: string[] = [];

async function benchDatabase(serverUrl: string, name: string): Promise<string> {
  const url = await recreateDatabase(serverUrl, name);
  benchDatabases.push(url);
  onCleanup(() => dropDatabase(serverUrl, name));
  return url;
}

/** Starts what the selected measurements need and prepares their workloads. */
async function prepare(options: BenchOptions, dir: string, generator: LoadGenerator): Promise<Measurement[]> {
  const want = (...keys: MeasurementKey[]) => keys.some((key) => options.only.has(key));
  const { connections } = options;
  const shape = { connections, clientIps: options.clientIps, generator };
  const measurements: Measurement[] = [];
  // Every Foyer started here writes its profile into one directory, emptied first.
  const profiles = join(RESULTS_DIR, 'profiles');
  if (options.profile) rmSync(profiles, { recursive: true, force: true });
  const nodeArgs = options.profile ? ['--cpu-prof', '--cpu-prof-dir', profiles] : [];
  const dataApi = want('foyer-rest', 'foyer-rest-insert', 'limit-rest', 'limit-rest-insert');
  if (dataApi || want('limit-signin', 'limit-refresh', 'foyer-signin', 'foyer-signin-hook', 'foyer-refresh', 'foyer-user')) {
    const url = await benchDatabase(options.serverUrl, DB);
    log('migrating the bench database (foyer migrate)…');
    await migrateFoyer({ databaseUrl: url, dataDir: dir, env: options.foyerEnv });
    const scripts = writeScripts(dir);
    if (want('limit-signin')) measurements.push(pgbenchMeasurement('limit-signin', url, scripts.signIn, connections));
    if (want('limit-refresh')) {
      await seedRefreshChains(url, connections);
      measurements.push(pgbenchMeasurement('limit-refresh', url, scripts.refresh, connections));
    }
    if (dataApi || want('foyer-signin', 'foyer-refresh', 'foyer-user')) {
      const foyer = await startFoyer('Foyer (PostgreSQL)', { databaseUrl: url, dataDir: dir, nodeArgs, env: options.foyerEnv, dataApi });
      log(`Foyer (PostgreSQL) at ${foyer.url}`);
      if (want('foyer-signin')) measurements.push(foyerSignIn('foyer-signin', foyer, shape));
      if (dataApi || want('foyer-refresh', 'foyer-user')) {
        measurements.push(...(await foyerSessionMeasurements(foyer, shape, { limits: { dir } })));
      }
    }
    if (want('foyer-signin-hook')) {
      // A second Foyer on the same database, issuing every token through a SQL custom access token hook.
      const env = { ...options.foyerEnv, ...(await customAccessTokenHook(url)) };
      const hooked = await startFoyer('Foyer + hook (PostgreSQL)', { databaseUrl: url, dataDir: join(dir, 'hooked'), nodeArgs, env });
      log(`Foyer + custom access token hook at ${hooked.url}`);
      measurements.push(foyerSignIn('foyer-signin-hook', hooked, shape));
    }
  }
  if (options.baseline !== undefined && want('baseline-signin', 'baseline-refresh')) {
    // The other commit on a database of its own, migrated by its own migrations.
    const baseline = checkoutBaseline(options.baseline, dir);
    const url = await benchDatabase(options.serverUrl, BASELINE_DB);
    const dataDir = join(dir, 'baseline-data');
    await migrateFoyer({ databaseUrl: url, dataDir, env: options.foyerEnv, root: baseline.root });
    const server = await startFoyer(`Foyer at ${baseline.label}`, { databaseUrl: url, dataDir, nodeArgs, env: options.foyerEnv, root: baseline.root });
    log(`Foyer at ${baseline.label} at ${server.url}`);
    if (want('baseline-signin')) measurements.push(foyerSignIn('baseline-signin', server, shape));
    if (want('baseline-refresh')) {
      const refresh = (await foyerSessionMeasurements(server, shape)).find((m) => m.key === 'foyer-refresh')!;
      measurements.push({ ...refresh, key: 'baseline-refresh' });
    }
  }
  if (want('peer-signin', 'peer-session')) {
    const peer = await startPeer(await benchDatabase(options.serverUrl, PEER_DB));
    log(`Better Auth ${peer.version} at ${peer.url}`);
    if (want('peer-signin')) measurements.push(peerSignIn(peer, shape));
    if (want('peer-session')) measurements.push(await peerSession(peer, shape));
  }
  if (want('pglite-signin')) {
    const embedded = await startFoyer('Foyer (PGlite)', { dataDir: join(dir, 'pglite'), nodeArgs, env: options.foyerEnv });
    log(`Foyer (PGlite) at ${embedded.url}`);
    measurements.push(foyerSignIn('pglite-signin', embedded, shape));
  }
  return measurements
    .filter((m) => options.only.has(m.key))
    .sort((a, b) => ORDER.indexOf(a.key) - ORDER.indexOf(b.key));
}

/** One measurement of one round: warm-up (first round), analyze, checkpoint, a look at the CPUs, the load. */
async function measure(measurement: Measurement, round: number, options: BenchOptions): Promise<Sample> {
  // Idle: read once the server had settled after its start, before anything was sent to it (memory.ts).
  const rssIdleMb = round === 1 && measurement.pid ? (idleRssOf(measurement.pid) ?? treeRssMb(measurement.pid)) : undefined;
  if (round === 1 && measurement.http && options.warmupSeconds > 0) await measurement.run(options.warmupSeconds);
  for (const url of benchDatabases) await analyze(url);
  await checkpoint(options.serverUrl);
  const busyBefore = await busyFraction(1_000);
  const cpuBefore = measurement.pid ? cpuSeconds(measurement.pid) : 0;
  const dbCpuBefore = measurement.onPostgres ? databaseCpuSeconds() : undefined;
  const rss = measurement.pid ? sampleRss(measurement.pid) : undefined;
  const cpus = cpuReading();
  const threadsReading = measurement.pid ? criticalThreadsReading(measurement.pid, measurement.onPostgres) : undefined;
  const result = await measurement.run(options.seconds);
  const { busy: busyDuring, steal: stealDuring } = cpus();
  const threads = threadsReading?.();
  const rssLoadedMb = rss?.();
  const cpuMsPerRequest = measurement.pid ? ((cpuSeconds(measurement.pid) - cpuBefore) * 1000) / result.count : undefined;
  const dbCpuAfter = dbCpuBefore === undefined ? undefined : databaseCpuSeconds();
  const dbCpuMsPerRequest = dbCpuBefore === undefined || dbCpuAfter === undefined ? undefined : ((dbCpuAfter - dbCpuBefore) * 1000) / result.count;
  const sample: Sample = {
    ...result,
    busyBefore,
    busyDuring,
    stealDuring,
    ...(cpuMsPerRequest === undefined ? {} : { cpuMsPerRequest }),
    ...(dbCpuMsPerRequest === undefined ? {} : { dbCpuMsPerRequest }),
    ...(rssIdleMb === undefined ? {} : { rssIdleMb }),
    ...(rssLoadedMb === undefined ? {} : { rssLoadedMb }),
    ...(threads === undefined ? {} : { threads }),
  };
  // wrk reports latency to the microsecond, autocannon to the millisecond.
  const round1 = (n: number | undefined) => Math.round((n ?? NaN) * 10) / 10;
  const latency = sample.p99Ms === undefined ? '' : `  p50 ${round1(sample.p50Ms)} ms  p99 ${round1(sample.p99Ms)} ms  max ${round1(sample.maxMs)} ms`;
  const memory = rssLoadedMb === undefined ? '' : `  RSS ${rssIdleMb === undefined ? '' : `${Math.round(rssIdleMb)}/`}${Math.round(rssLoadedMb)} MB`;
  const cpu = cpuMsPerRequest === undefined ? '' : `  server CPU ${cpuMsPerRequest.toFixed(2)} ms/req`;
  const loadCpu = sample.loadCpuMsPerRequest === undefined ? '' : `  load CPU ${sample.loadCpuMsPerRequest.toFixed(2)} ms/req`;
  const dbCpu = sample.dbCpuMsPerRequest === undefined ? '' : `  db CPU ${sample.dbCpuMsPerRequest.toFixed(2)} ms/req`;
  const failed = sample.failed ? `  FAILED ${sample.failed} ${JSON.stringify(sample.failures ?? {})}` : '';
  const steal = stealDuring >= 0.01 ? `, ${(stealDuring * 100).toFixed(0)} % stolen` : '';
  const during = `  CPUs ${(busyDuring * 100).toFixed(0)} % busy${steal}${threads ? `; ${describeThreads(threads)}` : ''}`;
  const busy = busyBefore > BUSY ? `  (machine ${(busyBefore * 100).toFixed(0)} % busy before)` : '';
  const rps = Math.round(sample.rps).toString().padStart(6);
  log(`round ${round}/${options.rounds}  ${measurement.key.padEnd(14)} ${rps}/s${latency}${cpu}${dbCpu}${loadCpu}${memory}${during}${failed}${busy}`);
  return sample;
}

async function bench(options: BenchOptions): Promise<void> {
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg()[0];
  const dir = scratchDir();
  const generator = chooseLoadGenerator(options.load, dir);
  log(`load generator: ${generator.label}`);
  const measurements = await prepare(options, dir, generator);
  const samples: Samples = {};
  for (let round = 1; round <= options.rounds; round++) {
    for (const measurement of measurements) {
      if (interrupted) return;
      const sample = await measure(measurement, round, options);
      if (interrupted) return;
      (samples[measurement.key] ??= []).push(sample);
    }
  }
  const results = buildResults(
    {
      ...(await runMeta(startedAt, options, generator.label)),
      betterAuth: betterAuthVersion(),
      loadAverage: { start: loadAtStart, end: loadavg()[0] },
      foyerEnv: options.foyerEnv,
      ...(options.baseline === undefined ? {} : { baseline: options.baseline }),
    },
    samples,
  );
  await cleanupAll();
  process.stdout.write(`\n${formatTable(results)}\n`);
  // In process, after the load: what a sign-in carrying a built-in CAPTCHA solution adds (bench/captcha.ts).
  const captcha = await measureCaptchaCost();
  process.stdout.write(`${formatCaptchaCost(captcha)}\n`);
  const file = join(RESULTS_DIR, 'latest.json');
  writeResults(file, { ...results, captcha });
  log(`results written to ${file}`);
  if (options.profile) process.stdout.write(`\n${summariseProfiles(join(RESULTS_DIR, 'profiles'))}\n`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const interrupt = (signal: string) => {
    log(`\n${signal}: stopping load, children and databases…`);
    interrupted = true;
    stopAllLoad();
    void cleanupAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', () => interrupt('SIGINT'));
  process.once('SIGTERM', () => interrupt('SIGTERM'));
  try {
    onCleanup(await lockBenchServer(options.serverUrl, log));
    if (options.waitQuietSeconds > 0) await waitQuiet(options.waitQuietSeconds, log);
    if (options.soakSeconds !== undefined) await runSoak(options, { scratchDir, benchDatabase, resultsDir: RESULTS_DIR });
    else if (options.scaleUsers !== undefined) await runScale(options, { scratchDir, benchDatabase, resultsDir: RESULTS_DIR });
    else await bench(options);
  } finally {
    await cleanupAll();
  }
}

main().catch((error: unknown) => {
  log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  void cleanupAll().finally(() => process.exit(1));
});
