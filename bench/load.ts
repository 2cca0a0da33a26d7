/**
 * The load generator: autocannon, in the bench process, used the same way for every contender (same
 * connections, duration, pipelining 1, keep-alive). Only 2xx responses count as throughput.
 */
import autocannon from 'autocannon';

export interface LoadResult {
  /** 2xx responses per second. */
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  /** Responses by status code, e.g. { "200": 1234, "400": 2 }. */
  readonly statusCodes: Record<string, number>;
}

/** How every contender is loaded. */
export interface LoadShape {
  readonly connections: number;
  /**
   * Distinct client addresses the requests come from (X-Forwarded-For through a trusted proxy, the way a
   * load balancer passes them), round robin; 0 sends every request as 127.0.0.1 without the header.
   */
  readonly clientIps: number;
}

export interface LoadOptions extends LoadShape {
  readonly url: string;
  readonly seconds: number;
  readonly requests: autocannon.Request[];
}

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

/** Stops every load still running (Ctrl-C). */
export function stopAllLoad(): void {
  for (const instance of running) instance.stop();
}

/** autocannon, stopped by stopAllLoad() on Ctrl-C. */
export function startAutocannon(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => {
      running.delete(instance);
      if (error) reject(error);
      else resolve(result);
    });
    running.add(instance);
  });
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const result = await startAutocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    pipelining: 1,
    timeout: 10,
    requests: options.requests.map((request) => fromClients(request, options.clientIps)),
  });
  return {
    rps: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, stat.count ?? 0])),
  };
}

export const jsonPost = (path: string, body: string, headers: Record<string, string> = {}): autocannon.Request => ({
  method: 'POST',
  path,
  headers: { 'content-type': 'application/json', ...headers },
  body,
});

/** GET `path`, each request with the next credential of `pool` (round robin), e.g. one user each. */
export function getWithPool(path: string, pool: readonly Record<string, string>[]): autocannon.Request {
  let next = 0;
  return {
    method: 'GET',
    path,
    setupRequest: (request) => {
      const headers = pool[next++ % pool.length];
      return { ...request, headers: { ...request.headers, ...headers } };
    },
  };
}

/**
 * Refresh-token chains: every request presents a live, never-used token and puts the one it gets back
 * into the pool. Tokens whose response never came back (run stopped, timeout) are returned at the end;
 * the server either never saw them or hands their child back (lost-response recovery).
 */
export class TokenChains {
  private readonly live: string[];
  private readonly inFlight = new Set<string>();

  constructor(
    tokens: readonly string[],
    private readonly extract: (body: string) => string | undefined,
    private readonly cap = 20_000,
  ) {
    this.live = [...tokens];
  }

  get size(): number {
    return this.live.length;
  }

  /** Adds a token (e.g. from a sign-in); the pool keeps at most `cap`. */
  add(token: string): void {
    if (this.live.length < this.cap) this.live.push(token);
  }

  request(path: string, body: (token: string) => string, headers: Record<string, string>): autocannon.Request {
    const chains = this;
    return {
      ...jsonPost(path, '', headers),
      setupRequest: (request, context: { token?: string }) => {
        // An empty pool sends a token that does not exist: the request fails and counts as non-2xx.
        const token = chains.live.pop() ?? 'poolexhausted';
        context.token = token;
        chains.inFlight.add(token);
        return { ...request, body: body(token) };
      },
      onResponse: (status, responseBody, context: { token?: string }) => {
        if (context.token) chains.inFlight.delete(context.token);
        const next = status === 200 ? chains.extract(responseBody) : undefined;
        if (next) chains.add(next);
      },
    };
  }

  /** Call after a run: puts back the tokens that got no response. */
  settle(): void {
    for (const token of this.inFlight) if (token !== 'poolexhausted') this.live.push(token);
    this.inFlight.clear();
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
