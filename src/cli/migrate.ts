import type { Config } from '../config/load.js';
import { migrate } from '../store/migrate.js';
import { openDb } from '../store/open.js';
import { redact } from '../store/postgres.js';

export async function runMigrate(config: Config): Promise<void> {
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  try {
    const result = await migrate(db);
    const where = config.databaseUrl ? redact(config.databaseUrl) : `embedded database in ${config.dataDir}`;
    process.stdout.write(
      result.applied.length
        ? `Applied ${result.applied.length} migration(s) to ${where}: ${result.applied.join(', ')}\n`
        : `${where} is up to date (${result.alreadyApplied} migrations applied earlier)\n`,
    );
  } finally {
    await db.close();
  }
}
