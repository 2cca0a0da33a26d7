/**
 * Where a hot path's time goes between its two serial workers: the server's one JavaScript thread, and
 * the busiest PostgreSQL backend (for Foyer's sign-in and refresh, the batch lane's connection). Each
 * of them either runs, waits for a CPU (runnable while other processes hold both), or sleeps: waiting
 * for the other one, a disk or the network. When neither runs all the time, the two hand work to each
 * other and wait in turn; that, not the CPU time per request, then bounds the rate.
 * Read from /proc/<pid>/task/<tid>/schedstat (Linux): time on a CPU and time waiting on a run queue, in ns.
 */
import { readFileSync } from 'node:fs';
import { postgresProcesses } from './machine.js';
import { processTree } from './processes.js';

/** Shares of the wall time one thread spent running and waiting for a CPU. */
export interface ThreadShares {
  readonly run: number;
  readonly waitCpu: number;
}

export interface CriticalThreads {
  /** The server's JavaScript thread; with FOYER_WORKERS, the busiest worker's. */
  readonly server: ThreadShares;
  /** The PostgreSQL backend that ran the most over the measurement; undefined without a local PostgreSQL. */
  readonly backend?: ThreadShares;
}

interface SchedClock {
  readonly runNs: number;
  readonly waitNs: number;
}

function schedClock(path: string): SchedClock | undefined {
  try {
    const [run, wait] = readFileSync(path, 'utf8').trim().split(/\s+/).map(Number);
    return Number.isFinite(run) && Number.isFinite(wait) ? { runNs: run, waitNs: wait } : undefined;
  } catch {
    return undefined; // gone, or a kernel without schedstat
  }
}

/** The main thread's clock (a process's schedstat is its main thread's), by pid. */
function clocksOf(pids: Iterable<number>): Map<number, SchedClock> {
  const clocks = new Map<number, SchedClock>();
  for (const pid of pids) {
    const clock = schedClock(`/proc/${pid}/task/${pid}/schedstat`);
    if (clock) clocks.set(pid, clock);
  }
  return clocks;
}

const postgresPids = () => postgresProcesses().map((stat) => stat.pid);
/** The server and, with FOYER_WORKERS, its workers: each runs its own JavaScript thread. */
const serverPids = (serverPid: number) => {
  try {
    return processTree(serverPid).map((stat) => stat.pid);
  } catch {
    return [];
  }
};

/** The thread of `after` that ran the most since `before` (one that started meanwhile counts from zero). */
function busiest(before: Map<number, SchedClock>, after: Map<number, SchedClock>, wallNs: number): ThreadShares | undefined {
  let most: ThreadShares | undefined;
  for (const [pid, clock] of after) {
    const since = before.get(pid) ?? { runNs: 0, waitNs: 0 };
    const candidate = { run: (clock.runNs - since.runNs) / wallNs, waitCpu: (clock.waitNs - since.waitNs) / wallNs };
    if (!most || candidate.run > most.run) most = candidate;
  }
  return most;
}

/**
 * Starts a reading of the server's JavaScript threads (its own, and its workers') and, when
 * `withBackends`, of every PostgreSQL backend; the function returned gives the busiest of each since
 * (undefined where /proc has no schedstat).
 */
export function criticalThreadsReading(serverPid: number, withBackends: boolean): () => CriticalThreads | undefined {
  const serversBefore = clocksOf(serverPids(serverPid));
  const backendsBefore = withBackends ? clocksOf(postgresPids()) : new Map<number, SchedClock>();
  const startedNs = process.hrtime.bigint();
  return () => {
    const wallNs = Number(process.hrtime.bigint() - startedNs);
    if (wallNs <= 0) return undefined;
    const server = busiest(serversBefore, clocksOf(serverPids(serverPid)), wallNs);
    const backend = withBackends ? busiest(backendsBefore, clocksOf(postgresPids()), wallNs) : undefined;
    return server ? { server, ...(backend ? { backend } : {}) } : undefined;
  };
}

const percent = (share: number) => `${Math.round(share * 100)} %`;

/** "JS thread 68 % (+16 % waiting for a CPU), busiest db backend 71 % (+8 % waiting for a CPU)". */
export function describeThreads(threads: CriticalThreads): string {
  const one = (shares: ThreadShares) => `${percent(shares.run)} (+${percent(shares.waitCpu)} waiting for a CPU)`;
  return `JS thread ${one(threads.server)}` + (threads.backend ? `, busiest db backend ${one(threads.backend)}` : '');
}
