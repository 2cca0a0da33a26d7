/**
 * Resident memory of a contender: its process and every descendant (workers), read from /proc. Idle is
 * read SETTLE_MS after the server said it was ready, before the bench sends it anything (`settledIdleRss`):
 * Foyer hands the heap start-up grew back about ten seconds after it starts listening (FOYER_COMPACT_HEAP_WHEN_IDLE), and
 * an idle server in production is one that has been up a while, not one caught in its first second.
 * Every contender, the peer included, gets the same wait. Loaded is the highest reading while a
 * measurement runs (sampled every 250 ms).
 */
import { readdirSync } from 'node:fs';
import { readProcStat, rssBytes } from './processes.js';

/** The process and its descendants, by parent links in /proc. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const { pid, ppid } = readProcStat(Number(entry));
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // it ended while we looked
    }
  }
  const tree: number[] = [];
  const pending = [root];
  while (pending.length) {
    const pid = pending.pop() as number;
    tree.push(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** The tree's RSS in MB; processes that end while it is read count for nothing. */
export function treeRssMb(root: number): number {
  let bytes = 0;
  for (const pid of processTree(root)) {
    try {
      bytes += rssBytes(pid);
    } catch {
      // gone
    }
  }
  return bytes / (1024 * 1024);
}

/** Samples `root`'s tree until stopped; resolves the highest reading in MB. */
export function sampleRss(root: number, everyMs = 250): () => number {
  let highest = treeRssMb(root);
  const timer = setInterval(() => {
    highest = Math.max(highest, treeRssMb(root));
  }, everyMs);
  return () => {
    clearInterval(timer);
    return Math.max(highest, treeRssMb(root));
  };
}

/** How long a contender sits untouched after its start before its idle memory is read. */
export const SETTLE_MS = 12_000;

const idleByPid = new Map<number, number>();

/** Waits SETTLE_MS from now (the server has just said it is ready), then reads and keeps its idle RSS. */
export async function settledIdleRss(pid: number | undefined): Promise<void> {
  if (pid === undefined) return;
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  idleByPid.set(pid, treeRssMb(pid));
}

/** The idle reading `settledIdleRss` kept for this process, if any. */
export const idleRssOf = (pid: number): number | undefined => idleByPid.get(pid);
