/** `foyer audit` and GET /auth/v1/admin/audit/rls: read the catalog, apply the rules, report. */
import type { Queryable } from '../store/db.js';
import { readAuthUsersTriggers, readPolicies, readRelations } from './catalog.js';
import { policyFindings, relationFindings, triggerFindings, type Finding } from './rules.js';

export type { Finding, FindingKind } from './rules.js';

export interface AuditReport {
  /** True when there is nothing to report. */
  readonly ok: boolean;
  readonly exposedSchemas: readonly string[];
  readonly checked: { readonly policies: number; readonly relations: number; readonly authUsersTriggers: number };
  readonly findings: readonly Finding[];
}

export async function auditRls(db: Queryable, exposedSchemas: readonly string[]): Promise<AuditReport> {
  const [policies, relations, triggers] = await Promise.all([readPolicies(db), readRelations(db, exposedSchemas), readAuthUsersTriggers(db)]);
  const findings = [...relationFindings(relations), ...policyFindings(policies), ...triggerFindings(triggers)];
  return {
    ok: findings.length === 0,
    exposedSchemas,
    checked: { policies: policies.length, relations: relations.length, authUsersTriggers: triggers.length },
    findings,
  };
}

const indent = (text: string) => text.split('\n').map((line) => `    ${line}`).join('\n');

/** The report for a terminal. */
export function formatReport(report: AuditReport): string {
  const { checked } = report;
  const scope = `${checked.policies} policies, ${checked.relations} tables and views in ${report.exposedSchemas.join(', ')}, ${checked.authUsersTriggers} auth.users triggers`;
  if (report.ok) return `RLS audit: no findings (${scope}).\n`;
  const lines = [`RLS audit: ${report.findings.length} finding(s) (${scope}).`, ''];
  report.findings.forEach((finding, index) => {
    const what = finding.policy ? `policy "${finding.policy}" on ${finding.schema}.${finding.table}` : finding.trigger ? `trigger "${finding.trigger}" on auth.users` : `${finding.schema}.${finding.table}`;
    lines.push(`${index + 1}. [${finding.severity}] ${finding.kind}: ${what}`, `   ${finding.message}`);
    if (finding.current) lines.push('   Now:', indent(finding.current));
    lines.push('   Fix:', indent(finding.fix), '');
  });
  return `${lines.join('\n')}\n`;
}
