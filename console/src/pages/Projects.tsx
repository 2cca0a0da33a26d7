/** All projects, and a form to create one (new embedded database, or a PostgreSQL URL). */
import { useId, useState, type FormEvent } from 'react';
import { adminPath, get, post } from '../api';
import { ErrorNotice, Loading } from '../components/Notice';
import { dateTime } from '../format';
import { useAction, useLoad, type Loaded } from '../hooks';
import { navigate, projectHref } from '../router';
import type { Project, StatsReport } from '../types';

/** A card's users and status: read from the project itself, so an unreachable database shows as such. */
function CardStatus({ project }: { project: Project }) {
  const stats = useLoad(() => (project.problem ? Promise.resolve(undefined) : get<StatsReport>(adminPath(project.ref, 'stats?bucket=day&buckets=1'))), [project.ref]);
  const users = stats.data?.totals.users;
  const total = users ? users.anonymous + users.permanent + (users.pending_conversion ?? 0) + (users.invited ?? 0) : undefined;
  const status = project.problem ? 'unavailable' : stats.error ? 'not answering' : stats.data ? 'serving' : 'checking…';
  return (
    <>
      <div>
        <dt>Status</dt>
        <dd data-testid="card-status">{status}</dd>
      </div>
      <div>
        <dt>Users</dt>
        <dd data-testid="card-users">
          {users && total !== undefined ? `${total.toLocaleString()} (${users.anonymous.toLocaleString()} anonymous, ${users.permanent.toLocaleString()} permanent)` : '—'}
        </dd>
      </div>
    </>
  );
}

function CreateProject({ onCreated }: { onCreated: (project: Project) => void }) {
  const [name, setName] = useState('');
  const [databaseUrl, setDatabaseUrl] = useState('');
  const [anonymous, setAnonymous] = useState(true);
  const action = useAction();
  const ids = { name: useId(), db: useId(), dbHint: useId(), anonymousHint: useId() };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = { name: name.trim(), anonymous_sign_ins: anonymous, ...(databaseUrl.trim() ? { database_url: databaseUrl.trim() } : {}) };
    const project = await action.run(() => post<Project>('/projects', body));
    if (project) {
      setName('');
      setDatabaseUrl('');
      setAnonymous(true);
      onCreated(project);
    }
  };
  return (
    <section className="card" aria-labelledby="create-project">
      <h2 id="create-project">Create a project</h2>
      <form onSubmit={submit} className="form-grid">
        <div className="field">
          <label htmlFor={ids.name}>Project name</label>
          <input id={ids.name} required maxLength={64} value={name} onChange={(e) => setName(e.target.value)} placeholder="My app" />
        </div>
        <div className="field">
          <label htmlFor={ids.db}>PostgreSQL URL (optional)</label>
          <input
            id={ids.db}
            className="mono"
            type="text"
            inputMode="url"
            spellCheck={false}
            aria-describedby={ids.dbHint}
            value={databaseUrl}
            onChange={(e) => setDatabaseUrl(e.target.value)}
            placeholder="postgres://user:pass@host:5432/db"
          />
          <p id={ids.dbHint} className="hint">
            Empty: a new embedded database (PGlite). A URL: that database, migrated when the project is created.
          </p>
        </div>
        <div className="field">
          <label className="checkbox">
            <input type="checkbox" checked={anonymous} onChange={(e) => setAnonymous(e.target.checked)} aria-describedby={ids.anonymousHint} />
            Allow anonymous sign-ins
          </label>
          <p id={ids.anonymousHint} className="hint">
            Visitors get a user and a session at once (<code>signInAnonymously()</code>) and keep them when they sign up. Can be changed later in
            Settings.
          </p>
        </div>
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={action.busy}>
            {action.busy ? 'Creating…' : 'Create project'}
          </button>
        </div>
        {action.busy ? (
          <p className="hint" role="status">
            Creating the database and applying the migrations: this takes a few seconds.
          </p>
        ) : null}
        <ErrorNotice error={action.error} />
      </form>
    </section>
  );
}

export function ProjectsPage({ projects }: { projects: Loaded<Project[]> }) {
  return (
    <>
      <h1>Projects</h1>
      <p className="lede">Each project has its own database, keys and auth settings.</p>
      {projects.error ? <ErrorNotice error={projects.error} /> : null}
      {projects.data === undefined && !projects.error ? <Loading /> : null}
      {projects.data ? (
        <ul className="project-list" aria-label="Projects">
          {projects.data.map((project) => (
            <li key={project.ref} className="card project-card">
              <h2>
                <a href={projectHref(project.ref)}>{project.name}</a>
                {project.is_default ? <span className="badge">default</span> : null}
                {project.problem ? <span className="badge badge-danger">unavailable</span> : null}
              </h2>
              {project.problem ? <p className="field-error">{project.problem}</p> : null}
              <dl className="facts">
                <CardStatus project={project} />
                <div>
                  <dt>Ref</dt>
                  <dd className="mono">{project.ref}</dd>
                </div>
                <div>
                  <dt>Database</dt>
                  <dd>{project.database.kind}</dd>
                </div>
                <div>
                  <dt>API URL</dt>
                  <dd className="mono wrap">{project.api_url}</dd>
                </div>
                <div>
                  <dt>Created</dt>
                  <dd>{dateTime(project.created_at)}</dd>
                </div>
              </dl>
              <p className="card-links">
                <a href={projectHref(project.ref, 'overview')}>Keys</a>
                <a href={projectHref(project.ref, 'settings')}>Settings</a>
                <a href={projectHref(project.ref, 'dashboard')}>Growth</a>
                <a href={projectHref(project.ref, 'users')}>Users</a>
              </p>
            </li>
          ))}
        </ul>
      ) : null}
      <CreateProject
        onCreated={(project) => {
          projects.set([...(projects.data ?? []), project]);
          projects.reload();
          navigate(projectHref(project.ref));
        }}
      />
    </>
  );
}
