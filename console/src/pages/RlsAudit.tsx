/** The RLS audit: policies and tables through which anonymous users can do more than intended. */
import { adminPath, get } from '../api';
import { CodeBlock } from '../components/CopyField';
import { LoadState } from '../components/Notice';
import { useLoad } from '../hooks';
import type { Project, RlsFinding, RlsReport } from '../types';

const kindLabels: Record<string, string> = {
  write_without_anonymous_check: 'Anonymous users can write',
  bypassable_anonymous_check: 'Anonymous check can be bypassed',
  rls_disabled: 'Row Level Security is off',
  view_bypasses_rls: 'View bypasses RLS',
  trigger_assumes_email: 'Trigger assumes an email',
};

function where(finding: RlsFinding): string {
  if (finding.policy) return `policy “${finding.policy}” on ${finding.schema}.${finding.table}`;
  if (finding.trigger) return `trigger “${finding.trigger}” on auth.users`;
  return `${finding.schema}.${finding.table}`;
}

function Finding({ finding, index }: { finding: RlsFinding; index: number }) {
  return (
    <li className={`card finding severity-${finding.severity}`}>
      <h3>
        <span className={`badge ${finding.severity === 'high' ? 'badge-danger' : 'badge-warn'}`}>{finding.severity}</span> {kindLabels[finding.kind] ?? finding.kind}
        <span className="muted"> · {where(finding)}</span>
      </h3>
      <p>{finding.message}</p>
      {finding.current ? <CodeBlock label={`Finding ${index + 1}: now`} code={finding.current} /> : null}
      <CodeBlock label={`Finding ${index + 1}: fix`} code={finding.fix} />
    </li>
  );
}

export function RlsAuditPage({ project }: { project: Project }) {
  const report = useLoad(() => get<RlsReport>(adminPath(project.ref, 'audit/rls')), [project.ref]);
  return (
    <>
      <h1>RLS audit</h1>
      <p className="lede">
        Anonymous users hold the <code>authenticated</code> role: every policy written for signed-in users lets them in too unless it checks{' '}
        <code>is_anonymous</code>.
      </p>
      <LoadState loaded={report} what="The RLS audit" endpoint="GET /auth/v1/admin/audit/rls">
        {(r) => (
          <>
            <p className="muted">
              Checked {r.checked.policies} policies, {r.checked.relations} tables and views in {r.exposedSchemas.join(', ')}, {r.checked.authUsersTriggers} auth.users
              triggers.{' '}
              <button type="button" className="button ghost small" onClick={report.reload}>
                Audit again
              </button>
            </p>
            {r.ok ? (
              <p className="notice notice-ok" data-testid="rls-ok">
                No findings: anonymous users can do nothing here that signed-in users could not.
              </p>
            ) : (
              <ol className="findings" data-testid="rls-findings">
                {r.findings.map((finding, index) => (
                  <Finding key={`${finding.kind}-${where(finding)}`} finding={finding} index={index} />
                ))}
              </ol>
            )}
          </>
        )}
      </LoadState>
    </>
  );
}
