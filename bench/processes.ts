/** Child processes of the bench: started, awaited, and always stopped (normal end, error or Ctrl-C). */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** Everything the child printed, for error messages. */
  output(): string;
  /** Resolves with the first line matching `pattern`, or rejects when the child exits or time runs out. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

const running = new Set<Child>();
const cleanups: Array<() => Promise<void>> = [];

export function startChild(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): Child {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (data: Buffer) => {
    output += data.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
    for (const listener of listeners) listener();
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.once('exit', () => {
    running.delete(child);
    for (const listener of listeners) listener();
  });

  const child: Child = {
    name,
    process: proc,
    output: () => output,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`${name}: no ${pattern} after ${timeoutMs} ms\n${output}`)), timeoutMs);
        const check = () => {
          const match = output.match(pattern);
          if (match) finish(undefined, match);
          else if (proc.exitCode !== null || proc.signalCode !== null) {
            finish(new Error(`${name} exited (${proc.exitCode ?? proc.signalCode}) before printing ${pattern}:\n${output}`));
          }
        };
        const finish = (error?: Error, match?: RegExpMatchArray) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve(match!);
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
  running.add(child);
  return child;
}

/** Runs a command to completion; rejects with its output when it fails. */
export async function runToEnd(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): Promise<string> {
  const child = startChild(name, command, args, options);
  const code = await new Promise<number | null>((resolve) => child.process.once('exit', (c) => resolve(c)));
  if (code !== 0) throw new Error(`${name} failed (exit ${code}):\n${child.output()}`);
  return child.output();
}

/** Registers work to do at the end (after the children are stopped), e.g. dropping databases. */
export function onCleanup(work: () => Promise<void>): void {
  cleanups.push(work);
}

let cleaning: Promise<void> | undefined;

/** Stops every child still running, then runs the cleanups in reverse order. Safe to call twice. */
export function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.allSettled([...running].map((child) => child.stop()));
    for (const work of cleanups.reverse()) {
      await work().catch((error: unknown) => process.stderr.write(`cleanup: ${(error as Error).message}\n`));
    }
  })();
  return cleaning;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in bytes (VmRSS in /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)\s+kB/m);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** Linux's clock ticks per second (getconf CLK_TCK), the unit of /proc/<pid>/stat's CPU times. */
export const CLOCK_TICKS = 100;

export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  readonly command: string;
  /** utime + stime, and cutime + cstime (children that exited and were waited for), in clock ticks. */
  readonly ticks: number;
  readonly childTicks: number;
}

/** /proc/<pid>/stat, parsed; throws when the process is gone. */
export function readProcStat(pid: number): ProcStat {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pid, ppid: Number(fields[1]), command, ticks: Number(fields[11]) + Number(fields[12]), childTicks: Number(fields[13]) + Number(fields[14]) };
}

/** Every process now running whose parent is in the tree of `pid` (its children, theirs, …), `pid` first. */
export function processTree(pid: number): ProcStat[] {
  const all: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      all.push(readProcStat(Number(name)));
    } catch {
      // Gone between the listing and the read.
    }
  }
  const tree = [readProcStat(pid)];
  const inTree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const stat of all) {
      if (inTree.has(stat.pid) || !inTree.has(stat.ppid)) continue;
      inTree.add(stat.pid);
      tree.push(stat);
      grew = true;
    }
  }
  return tree;
}

/**
 * CPU time (user + system, all threads) used so far by a process and everything it started, in seconds
 * (/proc/<pid>/stat): with FOYER_WORKERS the server is a primary and its workers. A child that already
 * exited counts in its parent's cutime + cstime (Node reaps its workers), so a worker replaced between
 * two readings is neither lost nor counted twice.
 */
export function cpuSeconds(pid: number): number {
  const ticks = processTree(pid).reduce((sum, stat) => sum + stat.ticks + stat.childTicks, 0);
  return ticks / CLOCK_TICKS;
}
