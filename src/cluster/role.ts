/**
 * What a process started by `foyer start` with FOYER_WORKERS > 1 is, and what it tells the primary
 * (src/cluster/primary.ts). The primary names each worker by its place (1…N, kept by a replacement) in
 * the worker's environment; only the first worker of the first start announces: it prints nothing
 * itself but hands the start banner (URLs, keys, a console setup link, warnings) to the primary,
 * which prints it once every worker listens. A replacement announces nothing: the banner was printed,
 * and a new setup link would only invalidate the one printed.
 */
import cluster from 'node:cluster';

export const WORKER_INDEX_VARIABLE = 'FOYER_CLUSTER_WORKER_INDEX';
export const WORKER_ANNOUNCES_VARIABLE = 'FOYER_CLUSTER_WORKER_ANNOUNCES';

export interface WorkerRole {
  /** 1…FOYER_WORKERS; a replacement keeps the index of the worker it replaces. */
  readonly index: number;
  /** Does the one-time reporting: the start banner, database and variable warnings. */
  readonly announces: boolean;
}

/** This process's role, or undefined when it is not a worker (FOYER_WORKERS=1, or the primary). */
export function workerRole(): WorkerRole | undefined {
  if (!cluster.isWorker) return undefined;
  return { index: Number(process.env[WORKER_INDEX_VARIABLE] ?? cluster.worker?.id ?? 0), announces: process.env[WORKER_ANNOUNCES_VARIABLE] === '1' };
}

/** A worker listens on every listener and runs its jobs; `banner` from the announcing worker only. */
export interface ReadyMessage {
  readonly type: 'foyer:worker:ready';
  readonly banner?: string;
}

export const isReadyMessage = (message: unknown): message is ReadyMessage =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'foyer:worker:ready';

export function reportReady(banner?: string): void {
  const message: ReadyMessage = banner === undefined ? { type: 'foyer:worker:ready' } : { type: 'foyer:worker:ready', banner };
  process.send?.(message);
}

/**
 * After a worker's graceful stop: without this its channel to the primary keeps it alive. Its servers
 * are closed already, so disconnecting only ends the channel, and the process exits once idle.
 */
export function leaveCluster(): void {
  if (cluster.worker?.isConnected()) cluster.worker.disconnect();
}
