/** How busy the machine is: other work on the same 2 cores skews every figure. */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLOCK_TICKS, readProcStat, type ProcStat } from './processes.js';

/** The machine's CPU time so far, in ticks, by kind (user, nice, system, idle, iowait, irq, softirq, steal, …). */
const cpuTicks = (): number[] => readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);

/** What the CPUs did from one reading to another, as shares of their time. */
export interface CpuShares {
  /** Busy: everything but idle and I/O wait, the kernel's own work (interrupts, loopback networking) included. */
  readonly busy: number;
  /** Taken by the hypervisor for other guests: neither this machine's work nor idle. */
  readonly steal: number;
}

/** Starts a reading of the CPUs; the function returned gives their shares since. */
export function cpuReading(): () => CpuShares {
  const before = cpuTicks();
  return () => {
    const delta = cpuTicks().map((n, i) => n - (before[i] ?? 0));
    const total = delta.reduce((sum, n) => sum + n, 0);
    if (total <= 0) return { busy: 0, steal: 0 };
    const idle = delta[3] + (delta[4] ?? 0);
    const steal = delta[7] ?? 0;
    return { busy: (total - idle - steal) / total, steal: steal / total };
  };
}

/** Fraction of all CPUs busy over the next `ms` milliseconds. */
export async function busyFraction(ms: number): Promise<number> {
  const reading = cpuReading();
  await sleep(ms);
  // Stolen time counts as busy here: the CPUs were not free for the bench.
  const { busy, steal } = reading();
  return busy + steal;
}

/**
 * Waits (up to `maxSeconds`) until the CPUs have been at most `threshold` busy for 5 s in a row; returns
 * the last busy fraction seen.
 */
export async function waitQuiet(maxSeconds: number, log: (line: string) => void, threshold = 0.15): Promise<number> {
  const deadline = Date.now() + maxSeconds * 1000;
  let busy = await busyFraction(5_000);
  while (busy > threshold && Date.now() < deadline) {
    log(`waiting for a quiet machine: CPUs ${(busy * 100).toFixed(0)} % busy`);
    busy = await busyFraction(5_000);
  }
  return busy;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    return readProcStat(pid);
  } catch {
    return undefined; // gone between the listing and the read
  }
}

/** Every live process of the local PostgreSQL server (postmaster, backends, background workers). */
export function postgresProcesses(): ProcStat[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map((name) => procStat(Number(name)))
    .filter((stat): stat is ProcStat => stat?.command === 'postgres');
}

/**
 * CPU seconds used so far by the local PostgreSQL server: every live postgres process, plus what the
 * postmaster has collected from backends that already exited (a pgbench run's connections end before
 * the second reading). Undefined when no PostgreSQL runs on this machine (a remote server).
 */
export function databaseCpuSeconds(): number | undefined {
  const stats = postgresProcesses();
  const pids = new Set(stats.map((stat) => stat.pid));
  const postmasters = stats.filter((stat) => !pids.has(stat.ppid));
  if (postmasters.length === 0) return undefined;
  const ticks = stats.reduce((sum, stat) => sum + stat.ticks, 0) + postmasters.reduce((sum, stat) => sum + stat.childTicks, 0);
  return ticks / CLOCK_TICKS;
}
