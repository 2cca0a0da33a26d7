/**
 * Soak mode (`npm run bench -- --soak SECONDS`): sustained anonymous sign-ins and refresh rotations
 * (one sign-in, then two rotations, per connection, over and over) against Foyer on PostgreSQL. Every 10 s
 * it prints the Foyer child's RSS (/proc/<pid>/status) and event-loop delay (bench/soak-probe.ts, preloaded
 * into the real `foyer start` process), and at the end the RSS growth from minute 2 to the end (< 10 %),
 * median of a minute at each end.
 * autocannon drives it, whatever --load says: the soak counts every response as it comes, for the 10 s
 * figures, and wrk only reports at its end.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type autocannon from 'autocannon';
import { ROOT, startFoyer } from './foyer.js';
import { extractRefreshToken, fromClients, startAutocannon, TokenChains, times } from './load.js';
import type { BenchOptions } from './options.js';
import { cleanupAll, rssBytes, type Child } from './processes.js';
import { spread } from './report.js';
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
  signInsPerSecond: number;
  refreshesPerSecond: number;
  failed: number;
}

const INTERVAL_S = 10;
const RSS_BASELINE_S = 120;
const RSS_TARGET = 0.1;
/** RSS is compared as the median of a window at each end: a single sample is as likely a GC peak as a trough. */
const RSS_WINDOW_S = 60;

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
  return (
    `t=${String(sample.atSeconds).padStart(5)} s  RSS ${sample.rssMb.toFixed(1).padStart(7)} MB  ${delay}  ` +
    `sign-ins ${Math.round(sample.signInsPerSecond)}/s  refreshes ${Math.round(sample.refreshesPerSecond)}/s${failed}`
  );
}

export async function runSoak(options: BenchOptions, context: SoakContext): Promise<void> {
  const seconds = options.soakSeconds!;
  const url = await context.benchDatabase(options.serverUrl, 'foyer_bench_soak');
  const probe = join(ROOT, 'bench', 'soak-probe.ts');
  const foyer = await startFoyer('Foyer (PostgreSQL, soak)', {
    databaseUrl: url,
    dataDir: context.scratchDir(),
    nodeArgs: ['--import', 'tsx', '--import', probe],
    ipc: true,
    env: options.foyerEnv,
  });
  const pid = foyer.child.process.pid!;
  process.stderr.write(`soak: Foyer (PostgreSQL) at ${foyer.url}, pid ${pid}; ${seconds} s, ${options.connections} connections, autocannon\n`);

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
  const done = startAutocannon({ url: foyer.url, connections: options.connections, duration: seconds, pipelining: 1, timeout: 10, requests });
  let previous = { ...counts };
  const takeSample = async () => {
    const atSeconds = Math.round((Date.now() - started) / 1000);
    const now = { ...counts };
    const sample: SoakSample = {
      atSeconds,
      rssMb: rssBytes(pid) / 2 ** 20,
      loopDelay: await loopDelay(foyer.child),
      signInsPerSecond: (now.signIns - previous.signIns) / INTERVAL_S,
      refreshesPerSecond: (now.refreshes - previous.refreshes) / INTERVAL_S,
      failed: now.failed - previous.failed,
    };
    previous = now;
    samples.push(sample);
    process.stdout.write(`${formatSample(sample)}\n`);
  };
  const timer = setInterval(() => takeSample().catch((error: unknown) => process.stderr.write(`soak sample: ${String(error)}\n`)), INTERVAL_S * 1000);
  try {
    await done;
  } finally {
    clearInterval(timer);
  }
  await cleanupAll();

  const { verdict, growth } = rssGrowthVerdict(samples);
  process.stdout.write(
    `\nsoak: ${counts.signIns} sign-ins, ${counts.refreshes} refreshes, ${counts.failed} failed in ${seconds} s\n${verdict}\n`,
  );
  const file = join(context.resultsDir, 'soak-latest.json');
  writeFileSync(file, `${JSON.stringify({ seconds, connections: options.connections, counts, samples, rssGrowth: growth }, null, 2)}\n`);
  process.stderr.write(`soak results written to ${file}\n`);
}

/**
 * RSS growth from minute 2 to the end: the median of the samples in the minute from t = 120 s against
 * the median of the last minute's. Under load V8's heap saws up and down by a fifth between samples, so
 * comparing two single samples measures where each fell on the saw, not growth.
 */
function rssGrowthVerdict(samples: readonly { atSeconds: number; rssMb: number }[]): { verdict: string; growth: number | null } {
  const last = samples.at(-1);
  const start = samples.filter((s) => s.atSeconds >= RSS_BASELINE_S && s.atSeconds < RSS_BASELINE_S + RSS_WINDOW_S);
  const end = last ? samples.filter((s) => s.atSeconds > last.atSeconds - RSS_WINDOW_S) : [];
  if (!last || start.length === 0 || start.some((s) => end.includes(s))) {
    return { verdict: `RSS growth: not measured (needs a minute of samples after minute 2 and a last minute apart from it; run --soak 240 or more)`, growth: null };
  }
  const from = spread(start.map((s) => s.rssMb)).median;
  const to = spread(end.map((s) => s.rssMb)).median;
  const growth = to / from - 1;
  const range = (window: typeof start) => `${Math.min(...window.map((s) => s.rssMb)).toFixed(1)}–${Math.max(...window.map((s) => s.rssMb)).toFixed(1)}`;
  const verdict =
    `RSS growth, median of t=${start[0].atSeconds}–${start.at(-1)?.atSeconds} s (${from.toFixed(1)} MB, samples ${range(start)}) ` +
    `to median of t=${end[0].atSeconds}–${last.atSeconds} s (${to.toFixed(1)} MB, samples ${range(end)}): ` +
    `${(growth * 100).toFixed(1)} %  (target < ${RSS_TARGET * 100} %: ${growth < RSS_TARGET ? 'met' : 'MISSED'})` +
    `\n  (single samples, t=${start[0].atSeconds} s to t=${last.atSeconds} s: ${((last.rssMb / start[0].rssMb - 1) * 100).toFixed(1)} %)`;
  return { verdict, growth };
}
