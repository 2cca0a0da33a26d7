/** The frame: skip link, header (project switcher, theme, account), section navigation, main. */
import type { ReactNode } from 'react';
import { href, navigate, projectHref, type ProjectSection, type Route } from '../router';
import { useTheme } from '../theme';
import type { Admin, Project } from '../types';

export const sectionLabels: Record<ProjectSection, string> = {
  overview: 'Keys & endpoints',
  settings: 'Auth settings',
  captcha: 'CAPTCHA',
  hooks: 'Auth hooks',
  sms: 'Phone & SMS',
  templates: 'Email templates',
  dashboard: 'Growth',
  users: 'Users',
  cleanup: 'Cleanup',
  rls: 'RLS audit',
  mail: 'Mail outbox',
  audit: 'Audit log',
  providers: 'Sign-in providers',
  'oauth-apps': 'OAuth apps',
};

function ThemeToggle() {
  const { choice, effective, cycle } = useTheme();
  const next = effective === 'dark' ? 'light' : 'dark';
  return (
    <button type="button" className="button ghost small" onClick={cycle} aria-label={`Colour theme: ${effective}${choice === 'system' ? ' (system)' : ''}. Switch to ${next}.`}>
      <span aria-hidden="true">{effective === 'dark' ? '☾' : '☀'}</span> {effective === 'dark' ? 'Dark' : 'Light'}
    </button>
  );
}

function ProjectSwitcher({ projects, current, section }: { projects: readonly Project[]; current: string | undefined; section: ProjectSection }) {
  if (projects.length === 0) return null;
  return (
    <label className="switcher">
      <span className="visually-hidden">Project</span>
      <select
        value={current ?? ''}
        onChange={(event) => navigate(event.target.value ? projectHref(event.target.value, section === 'overview' ? 'overview' : section) : href({ page: 'projects' }))}
      >
        <option value="">All projects</option>
        {projects.map((project) => (
          <option key={project.ref} value={project.ref}>
            {project.name}
            {project.is_default ? ' (default)' : ''}
          </option>
        ))}
      </select>
    </label>
  );
}

export function Layout({
  admin,
  projects,
  route,
  onLogout,
  children,
}: {
  admin: Admin;
  projects: readonly Project[];
  route: Route;
  onLogout: () => void;
  children: ReactNode;
}) {
  const ref = route.page === 'project' ? route.ref : undefined;
  const section = route.page === 'project' ? route.section : 'overview';
  const project = projects.find((p) => p.ref === ref);
  return (
    <div className="shell">
      <a className="skip-link" href="#main" onClick={(event) => {
        event.preventDefault();
        document.getElementById('main')?.focus();
      }}>
        Skip to content
      </a>
      <header className="topbar">
        <a className="brand" href={href({ page: 'projects' })}>
          <span className="brand-mark" aria-hidden="true">F</span> Foyer <span className="brand-sub">console</span>
        </a>
        <ProjectSwitcher projects={projects} current={ref} section={section} />
        <div className="topbar-end">
          <ThemeToggle />
          <a className="button ghost small" href={href({ page: 'admins' })}>Administrators</a>
          <span className="admin-email" title="Signed in as">
            {admin.email}
            {admin.role === 'read_only' ? <span className="badge badge-muted"> read-only</span> : null}
          </span>
          <button type="button" className="button ghost small" onClick={onLogout}>
            Log out
          </button>
        </div>
      </header>
      <div className={ref ? 'body with-nav' : 'body'}>
        {ref ? (
          <nav className="sidenav" aria-label={`Project ${project?.name ?? ref}`}>
            <p className="sidenav-title">{project?.name ?? ref}</p>
            <ul>
              {(Object.keys(sectionLabels) as ProjectSection[]).map((name) => (
                <li key={name}>
                  <a href={projectHref(ref, name)} aria-current={section === name ? 'page' : undefined}>
                    {sectionLabels[name]}
                  </a>
                </li>
              ))}
            </ul>
            <p className="sidenav-back">
              <a href={href({ page: 'projects' })}>← All projects</a>
            </p>
          </nav>
        ) : null}
        <main id="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  );
}
