/**
 * A project at a glance: whether anonymous sign-ins are on, CAPTCHA, the anonymous rate limit and
 * budget (from its live settings), and how many users it has (from its stats) — each linking to where it
 * is changed or seen in detail.
 */
import { adminPath, get } from '../api';
import { LoadState } from '../components/Notice';
import { Stat } from '../components/Stat';
import { count } from '../format';
import { useLoad } from '../hooks';
import { projectHref } from '../router';
import type { Project, SettingsDoc, StatsReport } from '../types';
import { loadSettings } from './settingsApi';

/** The value in force: the project's override or environment value, else the default. */
export function settingValue(doc: SettingsDoc, env: string): string {
  const setting = doc.settings.find((s) => s.env === env);
  if (!setting) return '';
  return setting.value ?? setting.default_text;
}

const on = (value: string) => /^(true|1|yes|on)$/i.test(value.trim());

export function ProjectGlance({ project }: { project: Project }) {
  const settings = useLoad(() => loadSettings(project.ref), [project.ref]);
  const stats = useLoad(() => get<StatsReport>(adminPath(project.ref, 'stats?bucket=day&buckets=1')), [project.ref]);
  return (
    <section className="card" aria-labelledby="glance" data-testid="project-glance">
      <h2 id="glance">At a glance</h2>
      <LoadState loaded={settings} what="The project's settings" endpoint="GET /platform/v1/projects/:ref/settings">
        {(doc) => {
          const anonymous = on(settingValue(doc, 'GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED'));
          const captcha = on(settingValue(doc, 'GOTRUE_SECURITY_CAPTCHA_ENABLED'));
          const provider = settingValue(doc, 'GOTRUE_SECURITY_CAPTCHA_PROVIDER');
          const limit = settingValue(doc, 'GOTRUE_RATE_LIMIT_ANONYMOUS_USERS');
          const budget = settingValue(doc, 'FOYER_ANONYMOUS_BUDGET');
          return (
            <dl className="stats" aria-label="Protections">
              <Stat
                label="Anonymous sign-ins"
                value={<a href={projectHref(project.ref, 'settings')}>{anonymous ? 'On' : 'Off'}</a>}
                testId="glance-anonymous"
                tone={anonymous ? 'ok' : 'warn'}
                hint={anonymous ? 'signInAnonymously() works' : 'signInAnonymously() is refused'}
              />
              <Stat
                label="CAPTCHA"
                value={<a href={projectHref(project.ref, 'captcha')}>{captcha ? `On (${provider || 'no provider'})` : 'Off'}</a>}
                testId="glance-captcha"
              />
              <Stat
                label="Anonymous sign-ins per hour and address"
                value={<a href={projectHref(project.ref, 'settings')}>{limit || '—'}</a>}
                testId="glance-limit"
                hint={budget ? `project budget: ${budget}` : 'no project-wide budget'}
              />
            </dl>
          );
        }}
      </LoadState>
      <LoadState loaded={stats} what="The project's users" endpoint="GET /auth/v1/admin/stats">
        {(report) => {
          const users = report.totals.users;
          const all = users.anonymous + users.permanent + (users.pending_conversion ?? 0) + (users.invited ?? 0);
          return (
            <p data-testid="glance-users">
              <a href={projectHref(project.ref, 'users')}>{count(all)} users</a>: {count(users.anonymous)} anonymous, {count(users.pending_conversion ?? 0)}{' '}
              pending conversion, {count(users.permanent)} permanent, {count(users.invited ?? 0)} invited. <a href={projectHref(project.ref, 'dashboard')}>Growth</a>
            </p>
          );
        }}
      </LoadState>
    </section>
  );
}
