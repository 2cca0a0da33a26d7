/** `foyer audit`: the RLS audit of a project's database; exit code 1 when there are findings (a deploy gate). */
import { formatReport, type AuditReport } from '../audit/audit.js';
import type { Config, Env } from '../config/load.js';
import { runOperation } from './local-admin/run.js';

export async function runAudit(config: Config, env: Env, options: { json?: boolean; schemas?: string[]; project?: string }): Promise<number> {
  const report = (await runOperation(config, env, 'audit', { project: options.project, schemas: options.schemas ?? [] })) as AuditReport;
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.ok ? 0 : 1;
}
