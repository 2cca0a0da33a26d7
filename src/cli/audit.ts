/** `foyer audit`: the RLS audit of the project database; exit code 1 when there are findings (a deploy gate). */
import { auditRls, formatReport } from '../audit/audit.js';
import type { Config } from '../config/load.js';
import { openDb } from '../store/open.js';

export async function runAudit(config: Config, options: { json?: boolean; schemas?: string[] }): Promise<number> {
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  try {
    const report = await auditRls(db, options.schemas?.length ? options.schemas : config.restSchemas);
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    return report.ok ? 0 : 1;
  } finally {
    await db.close();
  }
}
