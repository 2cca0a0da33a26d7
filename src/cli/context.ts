/** What the operations commands share: the project's database, migrated, and closed afterwards. */
import type { Config } from '../config/load.js';
import type { Db } from '../store/db.js';
import { migrate } from '../store/migrate.js';
import { embeddedDbDir, openDb } from '../store/open.js';

export async function withDatabase<T>(config: Config, work: (db: Db) => Promise<T>): Promise<T> {
  let db: Db;
  try {
    // Two connections: a cleanup holds its lock on one and works on it; the other answers the rest.
    db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 3 });
  } catch (error) {
    if (config.embedded && /in use by another Foyer process/.test((error as Error).message)) {
      throw new Error(
        `${(error as Error).message}\n  The embedded database (${embeddedDbDir(config.dataDir)}) has one owner: while \`foyer start\` runs, ` +
          'use its admin API instead (GET /auth/v1/admin/stats, POST /auth/v1/admin/cleanup …; docs/operations.md).',
      );
    }
    throw error;
  }
  try {
    await migrate(db);
    return await work(db);
  } finally {
    await db.close();
  }
}

/** Fixed-width columns for terminal tables. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()).join('\n');
}
