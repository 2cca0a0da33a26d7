/** One process per embedded data directory: PGlite has no multi-process access, and two would corrupt it. */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `<dir>.lock`; returns its release. Throws when a live process holds it. */
export function lockDirectory(dir: string): () => void {
  const file = `${dir}.lock`;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder !== process.pid && alive(holder)) {
        throw new Error(
          `The embedded database in ${dir} is in use by another Foyer process (pid ${holder}). ` +
            'Stop it, or give this one its own FOYER_DATA_DIR.',
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`Could not lock ${dir}`);
}

/** The live process holding `<dir>.lock`, if any (a stale lock file of a process that died counts as none). */
export function lockHolder(dir: string): number | undefined {
  let holder: number;
  try {
    holder = Number(readFileSync(`${dir}.lock`, 'utf8').trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder) ? holder : undefined;
}
