/**
 * Whether the installed postgres.js carries patches/postgres+3.4.9.patch. Unpatched, its pool queue
 * keeps one spent slot per pipelined query and scans them all on every query, so a busy server gets
 * slower the longer it runs (and a Data API transaction keeps its connection until COMMIT is answered,
 * instead of handing it on: src/store/postgres.ts). `npm install` in Foyer's directory applies the patch (postinstall); an
 * install that skipped scripts, or one where postgres.js sits outside Foyer's node_modules, does not.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DRIVER_UNPATCHED = {
  message: 'postgres.js is installed without Foyer\'s patch to its pool queue: a busy server gets slower the longer it runs',
  fix: 'Run `npm install` (or `npx patch-package`) in Foyer\'s directory, without --ignore-scripts.',
} as const;

/** The source of the pool queue Foyer's `import 'postgres'` loads. */
function installedQueueSource(): string {
  return readFileSync(fileURLToPath(new URL('queue.js', import.meta.resolve('postgres'))), 'utf8');
}

/** True when `queueSource` (by default, the installed one) drops its spent slots. */
export function driverPatched(queueSource: string = installedQueueSource()): boolean {
  return queueSource.includes('xs = xs.slice(index)');
}
