import { join, resolve } from 'node:path';
import type { Db } from './db.js';
import { openPostgres } from './postgres.js';

export interface OpenDbOptions {
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly poolSize: number;
}

/**
 * PostgreSQL when a URL is given, otherwise the embedded PGlite database under `dataDir/db`. PGlite is
 * imported only when used: a server on PostgreSQL never loads it.
 */
export async function openDb(options: OpenDbOptions): Promise<Db> {
  if (options.databaseUrl) return openPostgres({ url: options.databaseUrl, poolSize: options.poolSize });
  const { openPglite } = await import('./pglite.js');
  return openPglite({ dataDir: embeddedDbDir(options.dataDir) });
}

export const embeddedDbDir = (dataDir: string): string => join(resolve(dataDir), 'db');
