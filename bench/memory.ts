/**
 * Resident memory of a contender: its process and every descendant (workers), read from /proc. Idle is
 * read once the server has started and its measurements are prepared, before any load; loaded is the
 * highest reading while a measurement runs (sampled every 250 ms).
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
