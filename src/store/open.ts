import { join, resolve } from 'node:path';
import type { Db } from './db.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

export interface OpenDbOptions {
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly poolSize: number;
}

/** PostgreSQL when a URL is given, otherwise the embedded PGlite database under `dataDir/db`. */
export function openDb(options: OpenDbOptions): Promise<Db> {
  if (options.databaseUrl) return openPostgres({ url: options.databaseUrl, poolSize: options.poolSize });
  return openPglite({ dataDir: embeddedDbDir(options.dataDir) });
}

export const embeddedDbDir = (dataDir: string): string => join(resolve(dataDir), 'db');
