/**
 * `foyer start` with FOYER_WORKERS > 1: this process serves nothing itself. It starts the workers
 * (node:cluster; each runs `foyer start` as one process would, and they share the listening ports),
 * prints the start banner once, replaces a worker that dies and stops them all on SIGTERM/SIGINT.
 *
 * One-time work happens once: the first worker starts alone, migrates the database (the others then
 * find nothing to apply), reads the warnings and builds the banner (src/cluster/role.ts); the others
 * start when it listens, and the banner is printed when all of them do.
 *
 * Failures: a worker that cannot start during the start stops the whole start with its error (it
 * printed it: the workers share stderr), as one process would. Later, a dead worker is replaced after
 * a back-off that doubles while replacements die young; one that fails to start MAX_START_FAILURES
 * times in a row stops everything, rather than retrying a broken configuration forever.
 */
import cluster, { type Worker } from 'node:cluster';
import pino from 'pino';
import type { Config, Env } from '../config/load.js';
import { serveClusterMetrics } from './metrics.js';
import { isReadyMessage, WORKER_ANNOUNCES_VARIABLE, WORKER_INDEX_VARIABLE } from './role.js';

export const MAX_START_FAILURES = 5;
/** A replacement's first delay, doubled for each worker of that place that died young, up to the cap. */
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;
/** A worker that served this long died of something other than how it starts: back-off starts over. */
const STABLE_AFTER_MS = 60_000;

interface Slot {
  readonly index: number;
  worker: Worker | undefined;
  readyAt: number | undefined;
  /** Workers of this place in a row that died before they listened. */
  startFailures: number;
  /** Workers of this place in a row that died before STABLE_AFTER_MS (or before they listened). */
  youngDeaths: number;
  restart: NodeJS.Timeout | undefined;
}

/**
 * Each worker holds its own pool: unset, FOYER_DB_POOL_SIZE's default (2 per core) is shared among the
 * workers, so N workers hold about as many connections as one process would (at least 2 each).
 */
function poolSizeFor(config: Config, env: Env): Record<string, string> {
  if (env.FOYER_DB_POOL_SIZE?.trim()) return {};
  return { FOYER_DB_POOL_SIZE: String(Math.max(2, Math.ceil(config.dbPoolSize / config.workers))) };
}

export async function runPrimary(config: Config, env: Env): Promise<void> {
  // Written at once: the primary logs little, and ends with process.exit, which must not reorder its last lines.
  const log = pino({ level: config.logLevel, name: 'foyer-primary' }, pino.destination({ dest: 1, sync: true }));
  const count = config.workers;
  // Structured clone over IPC: metrics carry NaN and Infinity, which JSON would turn into null.
  cluster.setupPrimary({ serialization: 'advanced' });
  const slots: Slot[] = Array.from({ length: count }, (_, i) => ({ index: i + 1, worker: undefined, readyAt: undefined, startFailures: 0, youngDeaths: 0, restart: undefined }));
  const pool = poolSizeFor(config, env);
  let phase: 'starting' | 'running' | 'stopping' = 'starting';
  let banner: string | undefined;
  let stopCode = 0;

  serveClusterMetrics(() => slots.flatMap((slot) => (slot.worker && slot.readyAt !== undefined ? [slot.worker] : [])), count);

  const fork = (slot: Slot, announces: boolean) => {
    slot.restart = undefined;
    slot.readyAt = undefined;
    const worker = cluster.fork({ ...pool, [WORKER_INDEX_VARIABLE]: String(slot.index), [WORKER_ANNOUNCES_VARIABLE]: announces ? '1' : '0' });
    slot.worker = worker;
    const forkedAt = Date.now();
    worker.on('message', (message: unknown) => {
      if (!isReadyMessage(message)) return;
      slot.readyAt = Date.now();
      slot.startFailures = 0;
      if (message.banner !== undefined) banner = message.banner;
      log.info({ worker: slot.index, workerPid: worker.process.pid, startMs: slot.readyAt - forkedAt }, `worker ${slot.index} listening (pid ${worker.process.pid})`);
      ready(slot);
    });
    worker.on('exit', (code, signal) => exited(slot, worker, code, signal));
  };

  const ready = (slot: Slot) => {
    if (phase !== 'starting') return;
    // The first worker migrated the database: the others start now, side by side.
    if (slot.index === 1) for (const other of slots.slice(1)) fork(other, false);
    if (slots.every((each) => each.readyAt !== undefined)) {
      phase = 'running';
      if (banner !== undefined) process.stdout.write(`${banner}\n`);
      log.info({ workers: count, pids: slots.map((each) => each.worker?.process.pid) }, `${count} workers listening`);
    }
  };

  const exited = (slot: Slot, worker: Worker, code: number | null, signal: string | null) => {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    if (phase === 'stopping') {
      // A stop ends a worker with 0, or by the signal when it had not yet set up its own handling.
      const clean = code === 0 || signal === 'SIGTERM' || signal === 'SIGINT';
      if (!clean) stopCode ||= 1;
      log[clean ? 'info' : 'error']({ worker: slot.index, workerPid: worker.process.pid, code, signal }, `worker ${slot.index} stopped (${how})`);
      finishIfStopped();
      return;
    }
    const listened = slot.readyAt !== undefined;
    if (phase === 'starting') {
      // What one process would do: its failure to start is the start's failure (its error is on stderr).
      process.stderr.write(`foyer: worker ${slot.index} stopped while starting (${how}); its error is above\n`);
      fail(code && code > 0 ? code : 1);
      return;
    }
    if (!listened) slot.startFailures += 1;
    if (!listened || Date.now() - (slot.readyAt ?? 0) < STABLE_AFTER_MS) slot.youngDeaths += 1;
    else slot.youngDeaths = 0;
    if (slot.startFailures >= MAX_START_FAILURES) {
      process.stderr.write(`foyer: worker ${slot.index} failed to start ${slot.startFailures} times in a row (last: ${how}); stopping. Its error is above\n`);
      fail(1);
      return;
    }
    const delayMs = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, slot.youngDeaths - 1));
    // Exit code 0 after listening is a worker that drained and stopped as asked, by a signal sent to it
    // alone (its own SIGTERM handling): not a crash, but the place is still filled again.
    const what = !listened ? 'failed to start' : code === 0 && !signal ? 'stopped on its own, as a signal sent to it alone makes it' : 'died';
    log.warn(
      { worker: slot.index, workerPid: worker.process.pid, code, signal, restartInMs: delayMs },
      `worker ${slot.index} (pid ${worker.process.pid}) ${what} (${how}); replacing it in ${delayMs / 1000} s`,
    );
    slot.restart = setTimeout(() => fork(slot, false), delayMs);
  };

  const live = () => slots.flatMap((slot) => (slot.worker ? [slot.worker] : []));

  const finishIfStopped = () => {
    if (live().length > 0) return;
    log.info({ code: stopCode }, 'stopped');
    process.exit(stopCode);
  };

  const stop = (signal: NodeJS.Signals) => {
    if (phase === 'stopping') {
      // A second signal: the operator will not wait for requests in flight.
      log.warn({ signal }, 'stopping now: killing the workers');
      for (const worker of live()) worker.process.kill('SIGKILL');
      process.exit(1);
    }
    phase = 'stopping';
    log.info({ signal }, 'shutting down: each worker finishes its requests in flight');
    for (const slot of slots) if (slot.restart) clearTimeout(slot.restart);
    // Each worker stops as one process does on SIGTERM (src/cli/start.ts).
    for (const worker of live()) worker.process.kill('SIGTERM');
    finishIfStopped();
  };

  const fail = (code: number) => {
    phase = 'stopping';
    stopCode = code;
    for (const slot of slots) if (slot.restart) clearTimeout(slot.restart);
    for (const worker of live()) worker.process.kill('SIGTERM');
    finishIfStopped();
  };

  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  log.info({ workers: count }, `starting ${count} workers (FOYER_WORKERS)`);
  fork(slots[0], true);
}
