/**
 * Entry point of the child process that creates a new embedded database (pglite-create.ts): PGlite
 * initialises the directory, the migrations run, the database is closed, and the child reports what it
 * applied over its IPC channel and exits. Its memory (the creation peaks near 800 MB) goes with it.
 */
import { migrate } from './migrate.js';
import { openPglite } from './pglite.js';

const dataDir = process.argv[2];
if (!dataDir || !process.send) {
  process.stderr.write('usage: forked by Foyer with the database directory as its argument\n');
  process.exit(2);
}
const db = await openPglite({ dataDir });
try {
  const { applied } = await migrate(db);
  await new Promise<void>((resolve, reject) => process.send!({ applied }, (error: Error | null) => (error ? reject(error) : resolve())));
} finally {
  await db.close();
}
process.disconnect?.();
