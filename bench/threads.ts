/**
 * Where a hot path's time goes between its two serial workers: the server's one JavaScript thread, and
 * the busiest PostgreSQL backend (for Foyer's sign-in and refresh, the batch lane's connection). Each
 * of them either runs, waits for a CPU (runnable while other processes hold both), or sleeps: waiting
 * for the other one, a disk or the network. When neither runs all the time, the two hand work to each
 * other and wait in turn; that, not the CPU time per request, then bounds the rate.
 * Read from /proc/<pid>/task/<tid>/schedstat (Linux): time on a CPU and time waiting on a run queue, in ns.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readProcStat } from './processes.js';

/** Shares of the wall time one thread spent running and waiting for a CPU. */
export interface ThreadShares {
  readonly run: number;
  readonly waitCpu: number;
}

export interface CriticalThreads {
  /** The server process's main thread (its JavaScript). */
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

function isPostgres(pid: number): boolean {
  try {
    return readProcStat(pid).command === 'postgres';
  } catch {
    return false;
  }
}

/** Every live PostgreSQL process's clock, by pid. */
function backendClocks(): Map<number, SchedClock> {
  const clocks = new Map<number, SchedClock>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || !isPostgres(Number(name))) continue;
    const clock = schedClock(`/proc/${name}/schedstat`);
    if (clock) clocks.set(Number(name), clock);
  }
  return clocks;
}

const shares = (before: SchedClock, after: SchedClock, wallNs: number): ThreadShares => ({
  run: (after.runNs - before.runNs) / wallNs,
  waitCpu: (after.waitNs - before.waitNs) / wallNs,
});

/**
 * Starts a reading of `serverPid`'s main thread and, when `withBackends`, of every PostgreSQL backend;
 * the function returned gives their shares since (undefined where /proc has no schedstat).
 */
export function criticalThreadsReading(serverPid: number, withBackends: boolean): () => CriticalThreads | undefined {
  const serverPath = `/proc/${serverPid}/task/${serverPid}/schedstat`;
  const serverBefore = schedClock(serverPath);
  const backendsBefore = withBackends ? backendClocks() : new Map<number, SchedClock>();
  const startedNs = process.hrtime.bigint();
  return () => {
    const wallNs = Number(process.hrtime.bigint() - startedNs);
    const serverAfter = schedClock(serverPath);
    if (!serverBefore || !serverAfter || wallNs <= 0) return undefined;
    let backend: ThreadShares | undefined;
    for (const [pid, after] of withBackends ? backendClocks() : []) {
      // A backend that started during the measurement counts from zero.
      const candidate = shares(backendsBefore.get(pid) ?? { runNs: 0, waitNs: 0 }, after, wallNs);
      if (!backend || candidate.run > backend.run) backend = candidate;
    }
    return { server: shares(serverBefore, serverAfter, wallNs), ...(backend ? { backend } : {}) };
  };
}

const percent = (share: number) => `${Math.round(share * 100)} %`;

/** "JS thread 65 % (+14 % waiting for a CPU), busiest db backend 62 % (+2 %)". */
export function describeThreads(threads: CriticalThreads): string {
  const one = (shares: ThreadShares) => `${percent(shares.run)} (+${percent(shares.waitCpu)} waiting for a CPU)`;
  return `JS thread ${one(threads.server)}` + (threads.backend ? `, busiest db backend ${one(threads.backend)}` : '');
}
