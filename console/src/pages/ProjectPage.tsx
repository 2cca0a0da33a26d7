/** One project's pages; the project comes from the list (or GET /projects/:ref when it is not there yet). */
import { get, projectPath } from '../api';
import { ErrorNotice, Loading } from '../components/Notice';
import { useLoad, type Loaded } from '../hooks';
import { href, navigate, type ProjectSection } from '../router';
import type { Project } from '../types';
import { AuditLogPage } from './AuditLog';
import { CaptchaPage } from './Captcha';
import { CleanupPage } from './Cleanup';
import { DashboardPage } from './Dashboard';
import { HooksPage } from './Hooks';
import { OAuthAppsPage } from './OAuthApps';
import { SignInProvidersPage } from './SignInProviders';
import { OutboxPage } from './Outbox';
import { ProjectOverview } from './ProjectOverview';
import { RlsAuditPage } from './RlsAudit';
import { SettingsPage } from './Settings';
import { SmsPage } from './Sms';
import { EmailTemplatesPage } from './EmailTemplates';
import { UserDetailPage } from './UserDetail';
import { UsersPage } from './Users';

interface SectionProps {
  project: Project;
  projects: readonly Project[];
  section: ProjectSection;
  id?: string;
  onDeleted: () => void;
}

function Section({ project, projects, section, id, onDeleted }: SectionProps) {
  switch (section) {
    case 'overview':
      return <ProjectOverview project={project} onDeleted={onDeleted} />;
    case 'settings':
      return <SettingsPage project={project} projects={projects} focusEnv={id} />;
    case 'captcha':
      return <CaptchaPage project={project} />;
    case 'hooks':
      return <HooksPage project={project} />;
    case 'sms':
      return <SmsPage project={project} />;
    case 'templates':
      return <EmailTemplatesPage project={project} />;
    case 'dashboard':
      return <DashboardPage project={project} />;
    case 'users':
      return id ? <UserDetailPage project={project} id={id} /> : <UsersPage project={project} />;
    case 'cleanup':
      return <CleanupPage project={project} />;
    case 'rls':
      return <RlsAuditPage project={project} />;
    case 'mail':
      return <OutboxPage project={project} />;
    case 'audit':
      return <AuditLogPage project={project} />;
    case 'providers':
      return <SignInProvidersPage project={project} />;
    case 'oauth-apps':
      return <OAuthAppsPage project={project} />;
  }
}

export function ProjectPage({ route, projects }: { route: { ref: string; section: ProjectSection; id?: string }; projects: Loaded<Project[]> }) {
  const listed = projects.data?.find((p) => p.ref === route.ref);
  const fetched = useLoad(
    () => (listed || projects.data === undefined ? Promise.resolve(listed) : get<Project>(projectPath(route.ref))),
    [route.ref, listed, projects.data === undefined],
  );
  const project = listed ?? fetched.data;
  const onDeleted = () => {
    projects.set((projects.data ?? []).filter((p) => p.ref !== route.ref));
    projects.reload();
    navigate(href({ page: 'projects' }));
  };
  if (project) {
    return <Section key={project.ref} project={project} projects={projects.data ?? []} section={route.section} id={route.id} onDeleted={onDeleted} />;
  }
  if (fetched.error) return <ErrorNotice error={fetched.error} />;
  if (fetched.loading || projects.data === undefined) return <Loading />;
  return (
    <>
      <h1>Project not found</h1>
      <p>
        No project has the ref <code>{route.ref}</code>. <a href="#/">All projects</a>
      </p>
    </>
  );
}
