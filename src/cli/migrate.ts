/** `foyer migrate`: apply pending migrations; beside a running `foyer start` (embedded database), it applies them. */
import type { Config } from '../config/load.js';
import { migrate, type MigrationResult } from '../store/migrate.js';
import { embeddedDbDir, openDb } from '../store/open.js';
import { redact } from '../store/postgres.js';
import { callServer } from './local-admin/channel-client.js';
import { runningServer } from './local-admin/run.js';

async function migrateHere(config: Config): Promise<MigrationResult> {
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  try {
    return await migrate(db);
  } finally {
    await db.close();
  }
}

export async function runMigrate(config: Config): Promise<void> {
  const server = runningServer(config);
  const result = server ? ((await callServer(server, 'migrate', {})) as MigrationResult) : await migrateHere(config);
  const where = config.databaseUrl ? redact(config.databaseUrl) : `embedded database in ${embeddedDbDir(config.dataDir)}`;
  process.stdout.write(
    result.applied.length
      ? `Applied ${result.applied.length} migration(s) to ${where}: ${result.applied.join(', ')}\n`
      : `${where} is up to date (${result.alreadyApplied} migrations applied earlier)\n`,
  );
}
