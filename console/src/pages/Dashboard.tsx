/** Growth: anonymous vs. permanent users, conversion, sign-ups per hour with the spike signal, refusals. */
import { lazy, Suspense, useState } from 'react';
import { adminPath, get } from '../api';
import { Loading, LoadState } from '../components/Notice';
import { Stat } from '../components/Stat';
import { count, dateTime, percent } from '../format';
import { useInterval, useLoad } from '../hooks';
import type { Project, ProtectionStatus, StatsReport } from '../types';
import { projectHref } from '../router';
import { rejectionRows } from './rejections';
import { SettingLinks } from './SettingLinks';
import { useSettings } from './settingsApi';

// recharts is most of the console's weight: it loads with the first chart.
const charts = () => import('./DashboardCharts');
const GrowthChart = lazy(() => charts().then((m) => ({ default: m.GrowthChart })));
const SignupsChart = lazy(() => charts().then((m) => ({ default: m.SignupsChart })));
const RejectionsChart = lazy(() => charts().then((m) => ({ default: m.RejectionsChart })));

function Totals({ report }: { report: StatsReport }) {
  const { totals, spike } = report;
  const all = totals.users.anonymous + totals.users.permanent;
  return (
    <dl className="stats" aria-label="Totals">
      <Stat label="Anonymous users" value={count(totals.users.anonymous)} testId="stat-anonymous" hint={all ? `${percent(totals.users.anonymous / all, 0)} of all users` : undefined} />
      <Stat label="Permanent users" value={count(totals.users.permanent)} testId="stat-permanent" />
      <Stat
        label="Pending conversions"
        value={count(totals.users.pending_conversion ?? 0)}
        testId="stat-pending"
        hint="anonymous, an address awaiting confirmation"
      />
      <Stat label="Invited, not accepted" value={count(totals.users.invited ?? 0)} testId="stat-invited" />
      <Stat
        label="Conversion rate"
        value={percent(totals.conversion_rate)}
        testId="stat-conversion-rate"
        hint={`${count(totals.conversions.total)} of ${count(totals.anonymous_signups)} anonymous sign-ups`}
      />
      <Stat
        label="Sign-ups, last hour"
        value={count(spike.last_hour)}
        testId="stat-last-hour"
        tone={spike.firing ? 'warn' : undefined}
        hint={spike.firing ? 'Spike: well above the usual rate' : `usual: ${spike.baseline_per_hour}/hour`}
      />
      <Stat label="Removed by cleanup" value={count(totals.cleanup.deleted)} testId="stat-cleaned" />
    </dl>
  );
}

function UsersSplit({ report, project }: { report: StatsReport; project: Project }) {
  const { anonymous, permanent } = report.totals.users;
  const all = anonymous + permanent;
  // No users is not "everyone is permanent": say so, and where the app's keys are.
  if (all === 0) {
    return (
      <p className="empty" data-testid="users-split-empty">
        No users yet. <a href={projectHref(project.ref)}>Connect your app</a> with the project's URL and anon key, and its first
        sign-ins appear here.
      </p>
    );
  }
  const share = (anonymous / all) * 100;
  return (
    <figure className="split" aria-label={`${anonymous} anonymous and ${permanent} permanent users`}>
      <div className="split-bar" aria-hidden="true">
        <span className="split-a" style={{ width: `${share}%` }} />
        <span className="split-b" style={{ width: `${100 - share}%` }} />
      </div>
      <figcaption>
        <span className="key key-a" aria-hidden="true" /> Anonymous {count(anonymous)} <span className="key key-b" aria-hidden="true" /> Permanent {count(permanent)}
      </figcaption>
    </figure>
  );
}

function Spike({ report }: { report: StatsReport }) {
  const { spike } = report;
  return spike.firing ? (
    <p className="notice notice-warn" role="alert" data-testid="spike">
      <strong>Sign-up spike.</strong> {spike.last_hour} anonymous sign-ups in the last hour against {spike.baseline_per_hour}/hour over the {spike.baseline_hours} hours
      before (alert above {spike.threshold}× and at least {spike.min_signups}). Check CAPTCHA and rate limits.
    </p>
  ) : (
    <p className="muted" data-testid="spike">
      No spike: {spike.last_hour} in the last hour, {spike.baseline_per_hour}/hour before (alert above {spike.threshold}× that and at least {spike.min_signups}).
    </p>
  );
}

function Rejections({ project }: { project: Project }) {
  const protection = useLoad(() => get<ProtectionStatus>(adminPath(project.ref, 'protection')), [project.ref]);
  // The warnings name variables; those the console sets become links to the setting.
  const settings = useSettings(project.ref);
  return (
    <section className="card" aria-labelledby="rejections">
      <h2 id="rejections">CAPTCHA and rate-limit rejections</h2>
      <LoadState loaded={protection} what="Rejection counts" endpoint="GET /auth/v1/admin/protection">
        {(status) => {
          const rows = rejectionRows(status);
          const total = rows.reduce((sum, row) => sum + row.captcha + row.rateLimited, 0);
          return (
            <>
              <p className="hint">Requests to this project refused since this Foyer process started, per endpoint.</p>
              {total === 0 ? (
                <p className="empty" data-testid="rejections-total">
                  No request refused yet. <a href={projectHref(project.ref, 'captcha')}>CAPTCHA</a> and the rate limits in{' '}
                  <a href={projectHref(project.ref, 'settings')}>Settings</a> decide what is.
                </p>
              ) : <Suspense fallback={<Loading label="Loading the chart…" />}><RejectionsChart rows={rows} /></Suspense>}
              {total ? (
                <p className="visually-hidden" data-testid="rejections-total">
                  {total} refused
                </p>
              ) : null}
              {status.warnings?.length ? (
                <ul className="warnings">
                  {status.warnings.map((w) => (
                    <li key={w}>
                      <SettingLinks text={w} projectRef={project.ref} settings={settings.data?.settings} />
                    </li>
                  ))}
                </ul>
              ) : null}
            </>
          );
        }}
      </LoadState>
    </section>
  );
}

/** When escalation (CAPTCHA only during a spike) was on, and how many sign-ins it challenged. */
function Escalation({ report }: { report: StatsReport }) {
  const escalation = report.escalation;
  if (!escalation || escalation.mode !== 'spike') return null;
  return (
    <section className="card" aria-labelledby="escalation" data-testid="escalation">
      <h2 id="escalation">CAPTCHA escalation</h2>
      {escalation.escalated ? (
        <p className="notice notice-warn" role="status">
          <strong>On now:</strong> anonymous sign-ins need a solved challenge{escalation.difficulty ? ` (difficulty ${count(escalation.difficulty)}, ${escalation.factor}× over the threshold)` : ''}.
        </p>
      ) : (
        <p className="muted">Off: anonymous sign-ins need no challenge until the spike signal fires.</p>
      )}
      {escalation.periods.length ? (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">From</th>
              <th scope="col">Until</th>
              <th scope="col">Peak difficulty</th>
              <th scope="col">Admitted with a solution</th>
              <th scope="col">Refused</th>
            </tr>
          </thead>
          <tbody>
            {escalation.periods.map((period) => (
              <tr key={period.id}>
                <td>{dateTime(period.started_at)}</td>
                <td>{period.ended_at ? dateTime(period.ended_at) : 'now'}</td>
                <td>{period.peak_difficulty === null ? '—' : count(period.peak_difficulty)}</td>
                <td>{count(period.challenged)}</td>
                <td>{count(period.refused)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">No escalation in this span.</p>
      )}
    </section>
  );
}

export function DashboardPage({ project }: { project: Project }) {
  const [bucket, setBucket] = useState<'hour' | 'day'>('hour');
  const stats = useLoad(() => get<StatsReport>(adminPath(project.ref, `stats?bucket=${bucket}&buckets=${bucket === 'hour' ? 48 : 30}`)), [project.ref, bucket]);
  const hourly = useLoad(() => get<StatsReport>(adminPath(project.ref, 'stats?bucket=hour&buckets=24')), [project.ref]);
  useInterval(() => (stats.reload(), hourly.reload()), 30_000, true);
  return (
    <>
      <h1>Growth</h1>
      <LoadState loaded={stats} what="The growth dashboard" endpoint="GET /auth/v1/admin/stats">
        {(report) => (
          <>
            <p className="lede">
              From the project's database · updated {dateTime(report.generated_at)}{' '}
              <button type="button" className="button ghost small" onClick={() => (stats.reload(), hourly.reload())}>
                Refresh
              </button>
            </p>
            <Totals report={report} />
            <UsersSplit report={report} project={project} />
            <section className="card" aria-labelledby="growth">
              <div className="card-head">
                <h2 id="growth">Anonymous sign-ups and conversions</h2>
                <div className="segmented" role="group" aria-label="Bucket">
                  {(['hour', 'day'] as const).map((b) => (
                    <button key={b} type="button" aria-pressed={bucket === b} onClick={() => setBucket(b)}>
                      {b === 'hour' ? 'Last 48 hours' : 'Last 30 days'}
                    </button>
                  ))}
                </div>
              </div>
              {report.totals.anonymous_signups === 0 ? (
                <p className="empty" data-testid="growth-empty">
                  No anonymous sign-up yet. <a href={projectHref(project.ref)}>Connect your app</a>: its <code>signInAnonymously()</code> calls
                  appear here, and each conversion after them.
                </p>
              ) : (
                <Suspense fallback={<Loading label="Loading the chart…" />}><GrowthChart report={report} /></Suspense>
              )}
            </section>
            <Escalation report={report} />
          </>
        )}
      </LoadState>
      <section className="card" aria-labelledby="per-hour">
        <h2 id="per-hour">Sign-ups per hour</h2>
        <LoadState loaded={hourly} what="Sign-ups per hour" endpoint="GET /auth/v1/admin/stats">
          {(report) => (
            <>
              <Spike report={report} />
              <Suspense fallback={<Loading label="Loading the chart…" />}><SignupsChart report={report} /></Suspense>
            </>
          )}
        </LoadState>
      </section>
      <Rejections project={project} />
    </>
  );
}
