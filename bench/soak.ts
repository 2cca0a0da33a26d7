/**
 * Soak mode (`npm run bench -- --soak SECONDS`): sustained anonymous sign-ins and refresh rotations
 * (one sign-in, then two rotations, per connection, over and over) against Foyer on PostgreSQL. Every 10 s
 * it prints the Foyer child's RSS (/proc/<pid>/status) and event-loop delay (bench/soak-probe.ts, preloaded
 * into the real `foyer start` process) and the p99 and slowest of the responses in those 10 s, and at the
 * end the growth of RSS and of the response p99 from minute 2 to the end (< 10 % each), median of a minute
 * at each end. Each sample also has Foyer's and PostgreSQL's CPU time per response, whose growth is
 * printed beside the p99's: the soak's database gains some 1 000 users a second, and a p99 that grows
 * with PostgreSQL's cost per request while Foyer's stays flat is the tables' growth, not Foyer's.
 * autocannon drives it, whatever --load says: the soak counts every response as it comes, for the 10 s
 * figures, and wrk only reports at its end.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type autocannon from 'autocannon';
import { autovacuumRound, describeAutovacuumWork } from './autovacuum.js';
import { autovacuumOn } from './databases.js';
import { ROOT, startFoyer } from './foyer.js';
import { extractRefreshToken, fromClients, startAutocannon, TokenChains, times } from './load.js';
import type { BenchOptions } from './options.js';
import { databaseCpuSeconds } from './machine.js';
import { cleanupAll, cpuSeconds, rssBytes, type Child } from './processes.js';
import { spread } from './report.js';
import { criticalThreadsReading, describeThreads, type CriticalThreads } from './threads.js';
import { foyerHeaders, REFRESH_PATH, SIGNUP_PATH } from './workloads.js';

export interface SoakContext {
  scratchDir(): string;
  benchDatabase(serverUrl: string, name: string): Promise<string>;
  readonly resultsDir: string;
}

interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

interface SoakSample {
  atSeconds: number;
  rssMb: number;
  loopDelay: LoopDelay | null;
  /** The responses of the last 10 s (sign-ins and rotations together). */
  responseP99Ms: number;
  responseMaxMs: number;
  signInsPerSecond: number;
  refreshesPerSecond: number;
  failed: number;
  /** CPU time of the Foyer process per response of the last 10 s, in ms. */
  serverCpuMsPerResponse: number;
  /** CPU time of the local PostgreSQL server (all its processes) per response of the last 10 s, in ms. */
  dbCpuMsPerResponse?: number;
  /**
   * How the last 10 s went for Foyer's JavaScript thread and the busiest PostgreSQL backend: a p99 that
   * grows while the JS thread waits more (for the backend, or for a CPU) is not Foyer's own work growing.
   */
  threads?: CriticalThreads;
}

const INTERVAL_S = 10;
/**
 * On a server with autovacuum off (CI images turn it off), the soak does its work (bench/autovacuum.ts):
 * a round at t = 15 s (an empty table that gained rows is analyzed at autovacuum's first round), then
 * every 60 s (autovacuum's default naptime), each vacuuming and analyzing the tables past autovacuum's
 * thresholds, throttled as autovacuum is. Without it the soak measures a server nobody should run:
 * prepared statements keep the plans made for empty tables (sequential scans of a growing users
 * table) and throughput falls 4× in 90 s.
 */
const VACUUM_FIRST_S = 15;
const VACUUM_EVERY_S = 60;
const RSS_BASELINE_S = 120;
const GROWTH_TARGET = 0.1;
/** Compared as the median of a window at each end: a single sample is as likely a GC peak as a trough. */
const WINDOW_S = 60;

function loopDelay(child: Child): Promise<LoopDelay | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(null), 2_000);
    const onMessage = (message: unknown) => {
      if ((message as { type?: string }).type === 'sample') finish(message as LoopDelay);
    };
    const finish = (value: LoopDelay | null) => {
      clearTimeout(timer);
      child.process.off('message', onMessage);
      resolve(value);
    };
    child.process.on('message', onMessage);
    child.process.send({ type: 'sample' });
  });
}

function formatSample(sample: SoakSample): string {
  const d = sample.loopDelay;
  const delay = d ? `event-loop delay p50 ${d.p50Ms.toFixed(1)} p99 ${d.p99Ms.toFixed(1)} max ${d.maxMs.toFixed(1)} ms` : 'event-loop delay n/a';
  const failed = sample.failed ? `  FAILED ${sample.failed}` : '';
  const db = sample.dbCpuMsPerResponse === undefined ? '' : ` db ${sample.dbCpuMsPerResponse.toFixed(2)}`;
  return (
    `t=${String(sample.atSeconds).padStart(5)} s  RSS ${sample.rssMb.toFixed(1).padStart(7)} MB  ` +
    `responses p99 ${sample.responseP99Ms.toFixed(0)} max ${sample.responseMaxMs.toFixed(0)} ms  ${delay}  ` +
    `sign-ins ${Math.round(sample.signInsPerSecond)}/s  refreshes ${Math.round(sample.refreshesPerSecond)}/s  ` +
    `CPU ms/response Foyer ${sample.serverCpuMsPerResponse.toFixed(2)}${db}${failed}` +
    (sample.threads ? `  ${describeThreads(sample.threads)}` : '')
  );
}

export async function runSoak(options: BenchOptions, context: SoakContext): Promise<void> {
  const seconds = options.soakSeconds!;
  const url = await context.benchDatabase(options.serverUrl, 'foyer_bench_soak');
  const probe = join(ROOT, 'bench', 'soak-probe.mjs');
  const foyer = await startFoyer('Foyer (PostgreSQL, soak)', {
    databaseUrl: url,
    dataDir: context.scratchDir(),
    nodeArgs: ['--import', probe],
    ipc: true,
    env: options.foyerEnv,
  });
  const pid = foyer.child.process.pid!;
  process.stderr.write(`soak: Foyer (PostgreSQL) at ${foyer.url}, pid ${pid}; ${seconds} s, ${options.connections} connections, autocannon\n`);
  const vacuumBySoak = !(await autovacuumOn(url));
  if (vacuumBySoak) {
    process.stderr.write(`soak: autovacuum is off on this server: the soak runs autovacuum's rounds itself (the tables past its thresholds, throttled as it is) at t=${VACUUM_FIRST_S} s, then every ${VACUUM_EVERY_S} s\n`);
  }

  const headers = foyerHeaders(foyer);
  const seed = await times(options.connections, 8, async () => {
    const response = await fetch(`${foyer.url}${SIGNUP_PATH}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"data":{}}' });
    return extractRefreshToken(await response.text())!;
  });
  const chains = new TokenChains(seed.map((token) => ({ token })));
  const counts = { signIns: 0, refreshes: 0, failed: 0 };
  const signIn: autocannon.Request = {
    method: 'POST',
    path: SIGNUP_PATH,
    headers: { 'content-type': 'application/json', ...headers },
    body: '{"data":{}}',
    onResponse: (status, body) => {
      const token = status === 200 ? extractRefreshToken(body) : undefined;
      if (token) {
        counts.signIns++;
        chains.add({ token });
      } else counts.failed++;
    },
  };
  const rotation = chains.request(REFRESH_PATH, headers);
  const rotated = rotation.onResponse as (status: number, body: string, context: object, headers: unknown) => void;
  const refresh: autocannon.Request = {
    ...rotation,
    onResponse: (status, body, ctx, responseHeaders) => {
      rotated(status, body, ctx, responseHeaders);
      if (status === 200) counts.refreshes++;
      else counts.failed++;
    },
  };

  await loopDelay(foyer.child); // resets the histogram: start-up (module loading, migrations) is not the soak
  const samples: SoakSample[] = [];
  const started = Date.now();
  const requests = [signIn, refresh, refresh].map((request) => fromClients(request, options.clientIps));
  let responseTimesMs: number[] = [];
  const done = startAutocannon(
    { url: foyer.url, connections: options.connections, duration: seconds, pipelining: 1, timeout: 10, requests },
    (ms) => responseTimesMs.push(ms),
  );
  let previous = { ...counts, serverCpuS: cpuSeconds(pid), dbCpuS: databaseCpuSeconds() };
  const onPostgres = previous.dbCpuS !== undefined;
  let threadsReading = criticalThreadsReading(pid, onPostgres);
  const takeSample = async () => {
    const atSeconds = Math.round((Date.now() - started) / 1000);
    const threads = threadsReading();
    threadsReading = criticalThreadsReading(pid, onPostgres);
    const now = { ...counts, serverCpuS: cpuSeconds(pid), dbCpuS: databaseCpuSeconds() };
    const responses = Math.max(1, now.signIns + now.refreshes - previous.signIns - previous.refreshes);
    const dbCpuS = now.dbCpuS === undefined || previous.dbCpuS === undefined ? undefined : now.dbCpuS - previous.dbCpuS;
    const sortedMs = responseTimesMs.sort((a, b) => a - b);
    responseTimesMs = [];
    const sample: SoakSample = {
      atSeconds,
      rssMb: rssBytes(pid) / 2 ** 20,
      responseP99Ms: sortedMs[Math.min(sortedMs.length - 1, Math.floor(sortedMs.length * 0.99))] ?? 0,
      responseMaxMs: sortedMs.at(-1) ?? 0,
      loopDelay: await loopDelay(foyer.child),
      signInsPerSecond: (now.signIns - previous.signIns) / INTERVAL_S,
      refreshesPerSecond: (now.refreshes - previous.refreshes) / INTERVAL_S,
      failed: now.failed - previous.failed,
      serverCpuMsPerResponse: ((now.serverCpuS - previous.serverCpuS) * 1000) / responses,
      ...(dbCpuS === undefined ? {} : { dbCpuMsPerResponse: (dbCpuS * 1000) / responses }),
      ...(threads ? { threads } : {}),
    };
    previous = now;
    samples.push(sample);
    process.stdout.write(`${formatSample(sample)}\n`);
  };
  const timer = setInterval(() => takeSample().catch((error: unknown) => process.stderr.write(`soak sample: ${String(error)}\n`)), INTERVAL_S * 1000);
  const vacuumTimers: NodeJS.Timeout[] = [];
  /** The autovacuum round in flight, if any: waited for before the database is dropped. */
  let vacuuming: Promise<unknown> | undefined;
  if (vacuumBySoak) {
    const round = async () => {
      const roundStarted = Date.now();
      const work = await autovacuumRound(url);
      const at = String(Math.round((roundStarted - started) / 1000)).padStart(5);
      process.stdout.write(`t=${at} s  autovacuum round: ${describeAutovacuumWork(work)}; ${((Date.now() - roundStarted) / 1000).toFixed(1)} s\n`);
    };
    const run = () => {
      // One round at a time: one still running at the next naptime skips it. Autovacuum would send a
      // second worker to the tables the first has not reached; the log shows when that would happen.
      if (vacuuming) return void process.stdout.write('autovacuum round skipped: the last one is still running\n');
      vacuuming = round()
        .catch((error: unknown) => process.stderr.write(`soak autovacuum: ${String(error)}\n`))
        .finally(() => (vacuuming = undefined));
    };
    vacuumTimers.push(setTimeout(run, VACUUM_FIRST_S * 1000), setInterval(run, VACUUM_EVERY_S * 1000));
  }
  try {
    await done;
  } finally {
    clearInterval(timer);
    for (const vacuumTimer of vacuumTimers) clearInterval(vacuumTimer);
    await vacuuming;
  }
  await cleanupAll();

  const rss = growthVerdict(samples, 'RSS', 'MB', (s) => s.rssMb);
  const p99 = growthVerdict(samples, 'Response p99', 'ms', (s) => s.responseP99Ms);
  const serverCpu = growthVerdict(samples, 'Foyer CPU per response', 'ms', (s) => s.serverCpuMsPerResponse, null);
  const dbCpu = samples.every((s) => s.dbCpuMsPerResponse !== undefined)
    ? growthVerdict(samples, 'PostgreSQL CPU per response', 'ms', (s) => s.dbCpuMsPerResponse!, null)
    : undefined;
  // Where the p99's growth comes from: the JS thread's shares against the busiest backend's.
  const threadVerdict = (label: string, share: (threads: CriticalThreads) => number | undefined) =>
    samples.every((s) => s.threads && share(s.threads) !== undefined)
      ? [growthVerdict(samples, label, '%', (s) => share(s.threads!)! * 100, null).verdict]
      : [];
  const threadLines = [
    ...threadVerdict('Foyer JS thread on a CPU', (t) => t.server.run),
    ...threadVerdict('Foyer JS thread waiting for a CPU', (t) => t.server.waitCpu),
    ...threadVerdict('busiest db backend on a CPU', (t) => t.backend?.run),
  ];
  process.stdout.write(
    `\nsoak: ${counts.signIns} sign-ins, ${counts.refreshes} refreshes, ${counts.failed} failed in ${seconds} s\n${rss.verdict}\n${p99.verdict}\n` +
      `${serverCpu.verdict}\n${dbCpu ? `${dbCpu.verdict}\n` : ''}${threadLines.map((line) => `${line}\n`).join('')}`,
  );
  const file = join(context.resultsDir, 'soak-latest.json');
  const result = {
    seconds, connections: options.connections, counts, samples, rssGrowth: rss.growth, responseP99Growth: p99.growth,
    serverCpuGrowth: serverCpu.growth, dbCpuGrowth: dbCpu?.growth ?? null,
  };
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stderr.write(`soak results written to ${file}\n`);
}

/**
 * Growth of one sampled figure from minute 2 to the end: the median of the samples in the minute from
 * t = 120 s against the median of the last minute's. Under load V8's heap saws up and down by a fifth
 * between samples (and a 10 s p99 moves with it), so comparing two single samples measures where each
 * fell on the saw, not growth.
 */
function growthVerdict(
  samples: readonly SoakSample[],
  label: string,
  unit: string,
  value: (sample: SoakSample) => number,
  /** The largest growth that meets the target; null: shown for information. */
  target: number | null = GROWTH_TARGET,
): { verdict: string; growth: number | null } {
  const last = samples.at(-1);
  const start = samples.filter((s) => s.atSeconds >= RSS_BASELINE_S && s.atSeconds < RSS_BASELINE_S + WINDOW_S);
  const end = last ? samples.filter((s) => s.atSeconds > last.atSeconds - WINDOW_S) : [];
  if (!last || start.length === 0 || start.some((s) => end.includes(s))) {
    return { verdict: `${label} growth: not measured (needs a minute of samples after minute 2 and a last minute apart from it; run --soak 240 or more)`, growth: null };
  }
  const from = spread(start.map(value)).median;
  const to = spread(end.map(value)).median;
  const growth = to / from - 1;
  const digits = from < 10 ? 2 : 1;
  const range = (window: readonly SoakSample[]) => `${Math.min(...window.map(value)).toFixed(digits)}–${Math.max(...window.map(value)).toFixed(digits)}`;
  const judged = target === null ? '(info)' : `(target < ${target * 100} %: ${growth < target ? 'met' : 'MISSED'})`;
  const verdict =
    `${label} growth, median of t=${start[0].atSeconds}–${start.at(-1)?.atSeconds} s (${from.toFixed(digits)} ${unit}, samples ${range(start)}) ` +
    `to median of t=${end[0].atSeconds}–${last.atSeconds} s (${to.toFixed(digits)} ${unit}, samples ${range(end)}): ` +
    `${(growth * 100).toFixed(1)} %  ${judged}` +
    `\n  (single samples, t=${start[0].atSeconds} s to t=${last.atSeconds} s: ${((value(last) / value(start[0]) - 1) * 100).toFixed(1)} %)`;
  return { verdict, growth };
}
