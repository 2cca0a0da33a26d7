/**
 * `--scale`'s single operations, timed one request at a time (an operator's reads: /metrics, the stats
 * API, the console's user list, the RLS audit), and the cleanup run under sign-in load.
 */
import type { FoyerServer } from './foyer.js';
import { jsonPost, runLoad, stopAllLoad, type LoadResult, type LoadShape } from './load.js';
import { spread, type Spread } from './report.js';
import { foyerHeaders, SIGNUP_PATH } from './workloads.js';

/** A Foyer child with what its operator reads need: the service_role key and the admin listener. */
export interface ScaleServer extends FoyerServer {
  readonly serviceRoleKey: string;
  readonly adminUrl: string;
}

export function scaleServer(server: FoyerServer): ScaleServer {
  const key = /service_role key:\s+(\S+)/.exec(server.child.output())?.[1];
  if (!key) throw new Error(`${server.child.name} printed no service_role key`);
  if (!server.restUrl) throw new Error(`${server.child.name} has no admin listener`);
  return { ...server, serviceRoleKey: key, adminUrl: server.restUrl };
}

export type OperationKey =
  | 'metrics' | 'stats' | 'stats-month' | 'users-page' | 'users-search' | 'users-anonymous' | 'rls-audit' | 'cleanup-preview';

interface Operation {
  readonly key: OperationKey;
  readonly label: string;
  /** On the admin listener (drop-in mode serves /metrics only there); else on the auth listener. */
  readonly admin?: boolean;
  readonly path: string;
  /** Repetitions at most (each one request after the other); fewer when `budgetMs` runs out first. */
  readonly repetitions?: number;
}

/** The console's page size (console/src/pages/Users.tsx PER_PAGE). */
const PAGE = 25;

export const OPERATIONS: readonly Operation[] = [
  { key: 'metrics', label: 'GET /metrics (Prometheus scrape)', admin: true, path: '/metrics' },
  { key: 'stats', label: 'GET /admin/stats (48 hours: foyer stats, console)', path: '/admin/stats' },
  { key: 'stats-month', label: 'GET /admin/stats?bucket=day&buckets=30 (console)', path: '/admin/stats?bucket=day&buckets=30' },
  { key: 'users-page', label: 'console Users page: first page, newest first', path: `/admin/users?page=1&per_page=${PAGE}` },
  // The console's search box: a substring of an address (ilike), as support types it.
  { key: 'users-search', label: 'console Users page: search "user4242"', path: `/admin/users?page=1&per_page=${PAGE}&filter=user4242` },
  { key: 'users-anonymous', label: 'console Users page: Show anonymous', path: `/admin/users?page=1&per_page=${PAGE}&kind=anonymous` },
  { key: 'rls-audit', label: 'GET /admin/audit/rls (RLS audit)', path: '/admin/audit/rls' },
  // A dry run reads every stale user; once is enough to know what it costs.
  { key: 'cleanup-preview', label: 'GET /admin/cleanup/preview (dry run)', path: '/admin/cleanup/preview', repetitions: 1 },
];

export interface OperationTiming {
  /** The first request (cold: a cache not filled yet, plans not made), not in the spread. */
  readonly firstMs: number;
  readonly ms: Spread;
  readonly repetitions: number;
}

async function timedGet(url: string, key: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, { headers: { apikey: key, authorization: `Bearer ${key}` } });
  const body = await response.arrayBuffer();
  const elapsed = performance.now() - started;
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${Buffer.from(body).toString('utf8').slice(0, 300)}`);
  return elapsed;
}

const operationUrl = (server: ScaleServer, operation: Operation) => `${operation.admin ? server.adminUrl : server.url}${operation.path}`;

/** The first request of an operation after the start: readings not taken yet, plans not made. */
export async function firstRequest(server: ScaleServer, operation: Operation): Promise<number> {
  return timedGet(operationUrl(server, operation), server.serviceRoleKey);
}

/**
 * Up to `repetitions` requests one after the other within `budgetMs` (at least 3), after every first
 * request: the median is the steady state, the max the worst seen.
 */
export async function repeatedRequests(server: ScaleServer, operation: Operation, repetitions: number, budgetMs: number, firstMs: number): Promise<OperationTiming> {
  const url = operationUrl(server, operation);
  const wanted = operation.repetitions ?? repetitions;
  const deadline = performance.now() + budgetMs;
  const samples: number[] = [];
  while (samples.length < wanted && (samples.length < 3 || performance.now() < deadline)) {
    samples.push(await timedGet(url, server.serviceRoleKey));
  }
  return { firstMs, ms: spread(samples), repetitions: samples.length };
}

export interface CleanupUnderLoad {
  readonly runId: number;
  readonly status: string;
  readonly deleted: number;
  readonly batches: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
  /** Sign-ins while the cleanup ran. */
  readonly signIn: LoadResult;
}

interface RunView {
  readonly id: number;
  readonly status: string;
  readonly started_at: string;
  readonly finished_at: string | null;
  readonly deleted: number;
  readonly batches: number;
}

async function adminJson<T>(server: ScaleServer, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { apikey: server.serviceRoleKey, authorization: `Bearer ${server.serviceRoleKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/**
 * Starts a cleanup run the way an operator does (POST /admin/cleanup, the API's trigger), drives
 * anonymous sign-ins while it runs and stops them when the run has ended: the sign-in latency is that of
 * the cleanup's whole span. Rows per second from the run's own record (deleted / finished − started).
 */
export async function cleanupUnderLoad(server: ScaleServer, shape: LoadShape): Promise<CleanupUnderLoad> {
  const { run } = await adminJson<{ run: RunView }>(server, 'POST', '/admin/cleanup', {});
  // wrk stops when told to (SIGINT, then it reports); the duration is only a ceiling.
  const load = runLoad({ ...shape, url: server.url, seconds: 1_800, workload: jsonPost(SIGNUP_PATH, '{"data":{}}', foyerHeaders(server)) });
  let current = run;
  try {
    while (current.status === 'running') {
      await new Promise((resolve) => setTimeout(resolve, 250));
      current = await adminJson<RunView>(server, 'GET', `/admin/cleanup/runs/${run.id}`);
    }
  } finally {
    stopAllLoad();
  }
  const signIn = await load;
  const seconds = (Date.parse(current.finished_at ?? new Date().toISOString()) - Date.parse(current.started_at)) / 1000;
  return {
    runId: current.id,
    status: current.status,
    deleted: current.deleted,
    batches: current.batches,
    seconds,
    rowsPerSecond: seconds > 0 ? current.deleted / seconds : NaN,
    signIn,
  };
}
