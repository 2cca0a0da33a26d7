/** The anonymous-user cleanup: its policy, a dry run, a run with progress, and the history of runs. */
import { useState } from 'react';
import { adminPath, get, post } from '../api';
import { ErrorNotice, LoadState } from '../components/Notice';
import { count, dateTime, relative } from '../format';
import { useAction, useInterval, useLoad } from '../hooks';
import type { CleanupPlan, CleanupRun, Project } from '../types';
import { SettingsForm } from './Settings';
import { useSettings } from './settingsApi';

const POLICY = /ANONYMOUS_CLEANUP/;

function Plan({ plan }: { plan: CleanupPlan }) {
  return (
    <>
      <dl className="stats">
        <div className="stat"><dt>Would delete now</dt><dd data-testid="cleanup-would-delete">{count(plan.would_delete)}</dd></div>
        <div className="stat"><dt>Inactive anonymous users</dt><dd>{count(plan.stale)}</dd></div>
        <div className="stat"><dt>Kept (own data)</dt><dd>{count(plan.kept_data_owners)}</dd></div>
        <div className="stat"><dt>Oldest activity</dt><dd className="small">{dateTime(plan.oldest_last_active_at)}</dd></div>
      </dl>
      <p className="hint">
        Anonymous users inactive for {plan.settings.inactive_days} days; owners of rows in your tables are {plan.settings.keep_data_owners ? 'kept' : 'deleted with them'}.
      </p>
      {plan.data_tables.length ? (
        <div className="table-wrap" tabIndex={0}>
          <table>
            <caption>Tables referencing auth.users</caption>
            <thead>
              <tr><th scope="col">Table</th><th scope="col">On delete</th><th scope="col">Inactive owners</th><th scope="col">Owners</th></tr>
            </thead>
            <tbody>
              {plan.data_tables.map((t) => (
                <tr key={`${t.table}.${t.column}`}>
                  <th scope="row"><code>{t.table}.{t.column}</code></th>
                  <td>{t.on_delete}</td>
                  <td>{count(t.stale_owners)}</td>
                  <td>{t.owners_kept ? 'kept' : 'deleted'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}

function RunProgress({ run, expected }: { run: CleanupRun; expected: number | undefined }) {
  const max = Math.max(expected ?? 0, run.deleted, 1);
  return (
    <div className="progress" role="status" aria-live="polite" data-testid="cleanup-progress">
      <label>
        Run {run.id}: {run.status} · {count(run.deleted)} deleted in {count(run.batches)} batches
        {run.kept_data_owners ? `, ${count(run.kept_data_owners)} kept` : ''}
        <progress max={max} value={run.status === 'running' ? run.deleted : max} />
      </label>
      {run.error ? <p className="field-error">{run.error}</p> : null}
    </div>
  );
}

function History({ runs }: { runs: readonly CleanupRun[] }) {
  if (!runs.length) return <p className="empty">No cleanup has run yet.</p>;
  return (
    <div className="table-wrap" tabIndex={0}>
      <table data-testid="cleanup-history">
        <thead>
          <tr><th scope="col">Run</th><th scope="col">Started</th><th scope="col">Trigger</th><th scope="col">Status</th><th scope="col">Deleted</th><th scope="col">Kept</th></tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.id}>
              <th scope="row">#{run.id}</th>
              <td><time dateTime={run.started_at} title={dateTime(run.started_at)}>{relative(run.started_at)}</time></td>
              <td>{run.trigger}</td>
              <td><span className={`badge status-${run.status}`}>{run.status}</span></td>
              <td>{count(run.deleted)}</td>
              <td>{count(run.kept_data_owners)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function CleanupPage({ project }: { project: Project }) {
  const settings = useSettings(project.ref);
  const preview = useLoad(() => get<CleanupPlan>(adminPath(project.ref, 'cleanup/preview?sample=10')), [project.ref]);
  const runs = useLoad(() => get<{ runs: CleanupRun[] }>(adminPath(project.ref, 'cleanup/runs?limit=20')).then((r) => r.runs), [project.ref]);
  const [current, setCurrent] = useState<CleanupRun | undefined>(undefined);
  const [confirming, setConfirming] = useState(false);
  const action = useAction();
  const running = current?.status === 'running';
  useInterval(
    async () => {
      if (!current) return;
      const next = await get<CleanupRun>(adminPath(project.ref, `cleanup/runs/${current.id}`)).catch(() => current);
      setCurrent(next);
      if (next.status !== 'running') {
        runs.reload();
        preview.reload();
      }
    },
    1000,
    running,
  );
  const start = async () => {
    setConfirming(false);
    const answer = await action.run(() => post<{ status: string; run: CleanupRun }>(adminPath(project.ref, 'cleanup'), {}));
    if (answer) {
      setCurrent(answer.run);
      if (answer.run.status !== 'running') runs.reload();
    }
  };
  return (
    <>
      <h1>Anonymous user cleanup</h1>
      <p className="lede">Anonymous users who never came back are deleted in batches, on a schedule or now.</p>
      <section className="card" aria-labelledby="policy">
        <h2 id="policy">Policy</h2>
        <LoadState loaded={settings} what="The cleanup policy" endpoint={`/platform/v1/projects/${project.ref}/settings`}>
          {(doc) =>
            doc.settings.some((s) => POLICY.test(s.env)) ? (
              <SettingsForm project={project} doc={doc} only={POLICY} onSaved={(saved) => (settings.set(saved), preview.reload())} />
            ) : (
              <p className="empty">This server does not expose the cleanup policy as a live setting.</p>
            )
          }
        </LoadState>
      </section>
      <section className="card" aria-labelledby="dry-run">
        <div className="card-head">
          <h2 id="dry-run">Dry run</h2>
          <button type="button" className="button small" onClick={preview.reload} disabled={preview.loading}>
            {preview.loading ? 'Checking…' : 'Run the dry run again'}
          </button>
        </div>
        <LoadState loaded={preview} what="The dry run" endpoint="GET /auth/v1/admin/cleanup/preview">
          {(plan) => <Plan plan={plan} />}
        </LoadState>
        <div className="test-row">
          {confirming ? (
            <>
              <button type="button" className="button danger" onClick={start} disabled={action.busy || running}>
                Delete {count(preview.data?.would_delete)} users now
              </button>
              <button type="button" className="button ghost" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </>
          ) : (
            <button type="button" className="button primary" onClick={() => setConfirming(true)} disabled={running || preview.data === undefined}>
              Run the cleanup now…
            </button>
          )}
        </div>
        <ErrorNotice error={action.error} title="Not started" />
        {current ? <RunProgress run={current} expected={preview.data?.would_delete} /> : null}
      </section>
      <section className="card" aria-labelledby="history">
        <h2 id="history">History</h2>
        <LoadState loaded={runs} what="The cleanup history" endpoint="GET /auth/v1/admin/cleanup/runs">
          {(list) => <History runs={list} />}
        </LoadState>
      </section>
    </>
  );
}
