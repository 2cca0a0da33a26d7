/**
 * /metrics with FOYER_WORKERS > 1. The workers share one port, so a scrape reaches whichever worker
 * the kernel hands the connection: answering with that worker's counters alone would make every
 * counter jump between workers' values (Prometheus would read each jump down as a restart). Instead
 * the worker that is asked asks the primary, which collects every worker's metrics of that project
 * (prom-client's JSON form, over the cluster's IPC channel) and sums them with prom-client's
 * aggregation: counters and histograms add up, as Prometheus would sum separate processes; metrics read
 * from the database say how they combine (registry.ts: the same value on every worker, not N times it).
 *
 * Each worker also reports its own requests (foyer_worker_http_requests_total, labelled with its
 * number and pid): how evenly connections are spread, and which process answered.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, Counter, Gauge, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';
import { workerRole } from './role.js';

type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** How long the primary waits for the workers' parts, and a worker for the primary's answer. */
const COLLECT_TIMEOUT_MS = 5_000;
const ANSWER_TIMEOUT_MS = 10_000;

interface CollectRequest {
  readonly type: 'foyer:metrics:collect';
  readonly id: number;
  readonly project: string;
}
interface CollectPart {
  readonly type: 'foyer:metrics:part';
  readonly id: number;
  readonly metrics: MetricsJson;
}
interface ScrapeRequest {
  readonly type: 'foyer:metrics:request';
  readonly id: number;
  readonly project: string;
}
interface ScrapeAnswer {
  readonly type: 'foyer:metrics:answer';
  readonly id: number;
  readonly text?: string;
  readonly error?: string;
}

const typeOf = (message: unknown): unknown => (typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined);

// ---- worker side ----

interface SharedRegistry {
  readonly registry: Registry;
  /** Called before each collection (a registry that caches per scrape forgets its last one). */
  readonly beforeCollect: () => void;
}

/** The registries this worker shares, by project ref (a project's newest one). */
const shared = new Map<string, SharedRegistry>();
const waiting = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
let nextScrape = 0;
let listening = false;

function listenToPrimary(): void {
  if (listening) return;
  listening = true;
  process.on('message', (message: unknown) => {
    const type = typeOf(message);
    if (type === 'foyer:metrics:collect') void answerCollect(message as CollectRequest);
    else if (type === 'foyer:metrics:answer') {
      const answer = message as ScrapeAnswer;
      const pending = waiting.get(answer.id);
      waiting.delete(answer.id);
      if (answer.text !== undefined) pending?.resolve(answer.text);
      else pending?.reject(new Error(answer.error ?? 'no metrics'));
    }
  });
}

async function answerCollect(request: CollectRequest): Promise<void> {
  const entry = shared.get(request.project);
  let metrics: MetricsJson = [];
  if (entry) {
    entry.beforeCollect();
    // A failing collector leaves this worker's part empty rather than the whole scrape unanswered.
    metrics = await entry.registry.getMetricsAsJSON().catch(() => []);
  }
  const part: CollectPart = { type: 'foyer:metrics:part', id: request.id, metrics };
  process.send?.(part);
}

export interface WorkerMetrics {
  /** Counts a request this worker answered. */
  countRequest(): void;
  /** The project's metrics summed over every worker (asked of the primary). */
  render(): Promise<string>;
}

/** In a worker: shares `registry` with the primary's aggregation. Elsewhere: undefined (nothing to share). */
export function shareWorkerMetrics(project: string, registry: Registry, beforeCollect: () => void): WorkerMetrics | undefined {
  const role = workerRole();
  if (!role) return undefined;
  listenToPrimary();
  shared.set(project, { registry, beforeCollect });
  let requests = 0;
  new Counter({
    name: 'foyer_worker_http_requests_total',
    help: 'HTTP requests answered by each worker of this server (FOYER_WORKERS), by worker number and process id: how evenly connections are spread.',
    labelNames: ['worker', 'pid'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ worker: String(role.index), pid: String(process.pid) }, requests);
    },
  });
  return {
    countRequest: () => {
      requests += 1;
    },
    render: () =>
      new Promise((resolve, reject) => {
        const id = ++nextScrape;
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`the primary process did not answer with every worker's metrics within ${ANSWER_TIMEOUT_MS / 1000} s`));
        }, ANSWER_TIMEOUT_MS);
        waiting.set(id, {
          resolve: (text) => (clearTimeout(timer), resolve(text)),
          reject: (error) => (clearTimeout(timer), reject(error)),
        });
        const request: ScrapeRequest = { type: 'foyer:metrics:request', id, project };
        process.send?.(request);
      }),
  };
}

// ---- primary side ----

const collecting = new Map<number, { parts: MetricsJson[]; expected: number; done: () => void }>();
let nextCollect = 0;

/** Every listed worker's metrics of `project`, summed; workers that do not answer in time are left out. */
async function aggregate(workers: readonly Worker[], project: string, configured: number): Promise<string> {
  const id = ++nextCollect;
  const parts: MetricsJson[] = [];
  const connected = workers.filter((worker) => worker.isConnected());
  await new Promise<void>((resolve) => {
    const timer = setTimeout(finish, COLLECT_TIMEOUT_MS);
    function finish() {
      clearTimeout(timer);
      collecting.delete(id);
      resolve();
    }
    collecting.set(id, { parts, expected: connected.length, done: finish });
    const request: CollectRequest = { type: 'foyer:metrics:collect', id, project };
    for (const worker of connected) worker.send(request);
    if (connected.length === 0) finish();
  });
  const registry = AggregatorRegistry.aggregate(parts);
  const workersGauge = new Gauge({
    name: 'foyer_workers',
    help: 'Worker processes of this server: configured (FOYER_WORKERS) and answering (whose metrics this scrape sums).',
    labelNames: ['project', 'state'],
    registers: [registry],
  });
  workersGauge.set({ project, state: 'configured' }, configured);
  workersGauge.set({ project, state: 'answering' }, parts.length);
  return registry.metrics();
}

/**
 * In the primary: answers the workers' scrapes. `workers()` lists the workers serving now (those that
 * said they are ready), `configured` is FOYER_WORKERS.
 */
export function serveClusterMetrics(workers: () => readonly Worker[], configured: number): void {
  cluster.on('message', (worker: Worker, message: unknown) => {
    const type = typeOf(message);
    if (type === 'foyer:metrics:part') {
      const part = message as CollectPart;
      const collection = collecting.get(part.id);
      if (!collection) return;
      collection.parts.push(part.metrics);
      if (collection.parts.length >= collection.expected) collection.done();
    } else if (type === 'foyer:metrics:request') {
      const request = message as ScrapeRequest;
      const reply = (answer: Omit<ScrapeAnswer, 'type' | 'id'>) => {
        if (worker.isConnected()) worker.send({ type: 'foyer:metrics:answer', id: request.id, ...answer } satisfies ScrapeAnswer);
      };
      aggregate(workers(), request.project, configured).then(
        (text) => reply({ text }),
        (error: unknown) => reply({ error: (error as Error).message }),
      );
    }
  });
}
