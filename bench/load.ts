/**
 * The load generators and the workloads they send. wrk (bench/wrk.ts), a lean C client like pgbench, is
 * the default: autocannon runs inside this process, and on 2 cores its own CPU competes with the server
 * being measured. autocannon stays as the fallback where wrk is not installed (and drives the soak, which
 * counts responses live). Either is used the same way for every contender (same connections, duration,
 * pipelining 1, keep-alive), and only 2xx responses count as throughput.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { ROOT } from './foyer.js';
import { findWrk, runWrk, stopWrk, WRK_INSTALL, wrkVersion } from './wrk.js';

export interface LoadResult {
  /** 2xx responses per second. */
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The slowest response (wrk; autocannon's latency.max). */
  readonly maxMs?: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  /** Responses by status code, e.g. { "200": 1234, "400": 2 } (wrk without a response hook: 2xx / non2xx). */
  readonly statusCodes: Record<string, number>;
  /** CPU time the load generator itself used (user + system), when known. */
  readonly loadCpuSeconds?: number;
}

export type LoadGeneratorName = 'wrk' | 'autocannon';
export const LOAD_GENERATORS: readonly LoadGeneratorName[] = ['wrk', 'autocannon'];

export interface LoadGenerator {
  readonly name: LoadGeneratorName;
  /** e.g. "wrk 4.1.0", for the report. */
  readonly label: string;
  /** wrk's executable. */
  readonly binary?: string;
  /** Where wrk's generated Lua scripts go (the bench's temp dir). */
  readonly dir: string;
}

/** How every contender is loaded. */
export interface LoadShape {
  readonly connections: number;
  /**
   * Distinct client addresses the requests come from (X-Forwarded-For through a trusted proxy, the way a
   * load balancer passes them), round robin; 0 sends every request as 127.0.0.1 without the header.
   */
  readonly clientIps: number;
  readonly generator: LoadGenerator;
}

/** What one measurement sends, described once for either generator. */
export type Workload =
  /** The same request every time. */
  | { readonly kind: 'fixed'; readonly method: 'GET' | 'POST'; readonly path: string; readonly headers: Record<string, string>; readonly body?: string }
  /** GET (or `method` with `body`) `path`, each request with the next headers of `pool` (round robin), e.g. one user each. */
  | { readonly kind: 'pool'; readonly path: string; readonly pool: readonly Record<string, string>[]; readonly method?: 'GET' | 'POST'; readonly body?: string }
  /** POST `{"refresh_token":…}` as JSON to `path` with `headers`, following the chains (see TokenChains). */
  | { readonly kind: 'chains'; readonly path: string; readonly headers: Record<string, string>; readonly chains: TokenChains };

export interface LoadOptions extends LoadShape {
  readonly url: string;
  readonly seconds: number;
  readonly workload: Workload;
}

/** wrk where it is installed, else autocannon; `requested` forces one. */
export function chooseLoadGenerator(requested: LoadGeneratorName | undefined, dir: string): LoadGenerator {
  const binary = requested === 'autocannon' ? undefined : findWrk();
  if (requested === 'wrk' && !binary) throw new Error(`--load wrk: wrk is not installed (${WRK_INSTALL})`);
  if (binary) return { name: 'wrk', label: `wrk ${wrkVersion(binary)}`, binary, dir };
  const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'autocannon', 'package.json'), 'utf8')) as { version: string };
  return { name: 'autocannon', label: `autocannon ${pkg.version} (in the bench process)`, dir };
}

export const jsonPost = (path: string, body: string, headers: Record<string, string> = {}): Workload => ({
  kind: 'fixed',
  method: 'POST',
  path,
  headers: { 'content-type': 'application/json', ...headers },
  body,
});

export const getWithPool = (path: string, pool: readonly Record<string, string>[]): Workload => ({ kind: 'pool', path, pool });

export const postWithPool = (path: string, body: string, pool: readonly Record<string, string>[]): Workload => ({
  kind: 'pool',
  method: 'POST',
  path,
  body,
  pool: pool.map((headers) => ({ 'content-type': 'application/json', ...headers })),
});

type Setup = (request: autocannon.Request, context: object) => autocannon.Request;

/** Addresses from 198.18.0.0/15, the range set aside for benchmarks (RFC 2544); only ever a header value. */
const clientIp = (i: number) => `198.18.${(i >> 8) & 255}.${i & 255}`;

export function fromClients(request: autocannon.Request, count: number): autocannon.Request {
  if (count <= 0) return request;
  const inner = request.setupRequest as Setup | undefined;
  let next = 0;
  return {
    ...request,
    setupRequest: (req: autocannon.Request, context: object) => {
      const built = inner ? inner(req, context) : req;
      return { ...built, headers: { ...built.headers, 'x-forwarded-for': clientIp(next++ % count) } };
    },
  };
}

const running = new Set<autocannon.Instance>();

/** Stops every load still running (Ctrl-C); wrk still reports, so chains get their tokens back. */
export function stopAllLoad(): void {
  for (const instance of running) instance.stop();
  stopWrk();
}

/**
 * autocannon, stopped by stopAllLoad() on Ctrl-C. `onResponseTimeMs`, when given, hears the latency of
 * every response as it arrives (the soak's per-interval p99).
 */
export function startAutocannon(options: autocannon.Options, onResponseTimeMs?: (ms: number) => void): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => {
      running.delete(instance);
      if (error) reject(error);
      else resolve(result);
    });
    if (onResponseTimeMs) instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => onResponseTimeMs(responseTimeMs));
    running.add(instance);
  });
}

function autocannonRequest(workload: Workload): autocannon.Request {
  switch (workload.kind) {
    case 'fixed':
      return { method: workload.method, path: workload.path, headers: workload.headers, ...(workload.body === undefined ? {} : { body: workload.body }) };
    case 'pool': {
      let next = 0;
      const { pool } = workload;
      return {
        method: workload.method ?? 'GET',
        path: workload.path,
        ...(workload.body === undefined ? {} : { body: workload.body }),
        setupRequest: (request) => ({ ...request, headers: { ...request.headers, ...pool[next++ % pool.length] } }),
      };
    }
    case 'chains':
      return workload.chains.request(workload.path, workload.headers);
  }
}

async function runAutocannon(options: LoadOptions): Promise<LoadResult> {
  // The generator's CPU is this process's: nothing else runs here during a measurement.
  const cpuBefore = process.cpuUsage();
  const result = await startAutocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    pipelining: 1,
    timeout: 10,
    requests: [fromClients(autocannonRequest(options.workload), options.clientIps)],
  });
  const cpu = process.cpuUsage(cpuBefore);
  if (options.workload.kind === 'chains') options.workload.chains.settle();
  return {
    rps: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, stat.count ?? 0])),
    loadCpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { generator, workload } = options;
  const result = generator.name === 'wrk' ? await runWrk({ ...options, binary: generator.binary!, dir: generator.dir }) : await runAutocannon(options);
  if (workload.kind === 'chains') await workload.chains.recoverUnanswered(options.url, workload.path, workload.headers);
  return result;
}

/** A live refresh token and the user it belongs to (how wrk's script tells which request a response answers). */
export interface ChainLink {
  readonly token: string;
  readonly owner?: string;
  /** Presented by a request whose response the run did not read (it stopped first): see recoverUnanswered. */
  readonly unanswered?: boolean;
}

export const refreshBody = (token: string) => JSON.stringify({ refresh_token: token });
export const extractRefreshToken = (body: string) => /"refresh_token":"([^"]+)"/.exec(body)?.[1];

/**
 * Refresh-token chains: every request presents a live, never-used token and puts the one it gets back
 * into the pool. Tokens whose response never came back (run stopped, timeout) are returned at the end;
 * the server either never saw them or hands their child back (lost-response recovery). The pool lives
 * here between runs, so every round continues the same chains whichever generator drives them.
 */
export class TokenChains {
  private live: ChainLink[];
  private readonly inFlight = new Set<ChainLink>();

  constructor(
    links: readonly ChainLink[],
    readonly cap = 20_000,
  ) {
    this.live = [...links];
  }

  get size(): number {
    return this.live.length;
  }

  /** Adds a link (e.g. from a sign-in); the pool keeps at most `cap`. */
  add(link: ChainLink): void {
    if (this.live.length < this.cap) this.live.push(link);
  }

  /** autocannon: one request that pops a link and pushes the child token from a 200 response. */
  request(path: string, headers: Record<string, string>): autocannon.Request {
    const chains = this;
    return {
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json', ...headers },
      setupRequest: (request, context: { link?: ChainLink }) => {
        // An empty pool sends a token that does not exist: the request fails and counts as non-2xx.
        const link = chains.live.pop() ?? { token: 'poolexhausted' };
        context.link = link;
        chains.inFlight.add(link);
        return { ...request, body: refreshBody(link.token) };
      },
      onResponse: (status, responseBody, context: { link?: ChainLink }) => {
        if (context.link) chains.inFlight.delete(context.link);
        const next = status === 200 ? extractRefreshToken(responseBody) : undefined;
        if (next) chains.add({ token: next, owner: context.link?.owner });
      },
    };
  }

  /** Call after an autocannon run: puts back the tokens that got no response. */
  settle(): void {
    for (const link of this.inFlight) if (link.token !== 'poolexhausted') this.live.push({ ...link, unanswered: true });
    this.inFlight.clear();
  }

  /**
   * After a run: each token whose request got no response (the run stopped while it was out) is presented
   * once more, outside any measurement, and its chain goes on with the answer's token: a new child if the
   * server never saw the request, else the child it issued (lost-response recovery). Left in the pool, these
   * tokens (half the connections' worth) all came back at the next run's first instant, each taking the
   * recovery's own path at once, which is not the steady rotation a round measures: the slowest responses of
   * a refresh round were those (docs/operations.md). Recovery has its own tests (test/api/refresh-token.test.ts).
   */
  async recoverUnanswered(url: string, path: string, headers: Record<string, string>): Promise<void> {
    const unanswered = this.live.filter((link) => link.unanswered);
    if (unanswered.length === 0) return;
    this.live = this.live.filter((link) => !link.unanswered);
    await times(unanswered.length, 8, async (i) => {
      const link = unanswered[i];
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: refreshBody(link.token),
      });
      const body = await response.text();
      const next = response.status === 200 ? extractRefreshToken(body) : undefined;
      if (!next) throw new Error(`refresh chains: a token left unanswered by the run got ${response.status} when presented again: ${body.slice(0, 200)}`);
      this.add({ token: next, ...(link.owner ? { owner: link.owner } : {}) });
    });
  }

  /** wrk: hands the whole pool over to a run… */
  drain(): ChainLink[] {
    const links = this.live;
    this.live = [];
    return links;
  }

  /** …and takes back what was live at its end. */
  restore(links: readonly ChainLink[]): void {
    for (const link of links) this.add(link);
  }
}

/** Runs `work` `count` times, `concurrency` at a time (setup: sessions, pools). */
export async function times<T>(count: number, concurrency: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await work(i);
      }
    }),
  );
  return results;
}
