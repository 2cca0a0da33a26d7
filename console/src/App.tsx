/** The session gate (setup, sign-in) and the page for the current route. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, get, onLoggedOut, post, setSession } from './api';
import { Layout } from './components/Layout';
import { ErrorNotice, Loading } from './components/Notice';
import { useLoad } from './hooks';
import { AcceptLinkPage } from './pages/AcceptLink';
import { AdminsPage } from './pages/Admins';
import { LoginPage, SetupPage } from './pages/Login';
import { ProjectPage } from './pages/ProjectPage';
import { ProjectsPage } from './pages/Projects';
import { navigate, useRoute } from './router';
import type { Project, SessionInfo } from './types';

type Gate = { state: 'checking' } | { state: 'signed-out'; needsSetup: boolean } | { state: 'signed-in'; session: SessionInfo } | { state: 'failed'; error: unknown };

/** A setup token in the URL: #/setup?token=…, or ?token= / ?setup_token= on /console/setup. */
function setupTokenFromLocation(): string | undefined {
  const search = new URLSearchParams(window.location.search);
  const fromSearch = search.get('setup_token') ?? (window.location.pathname.replace(/\/$/, '').endsWith('/setup') ? search.get('token') : null);
  return fromSearch ?? undefined;
}

export function App() {
  const route = useRoute();
  const [gate, setGate] = useState<Gate>({ state: 'checking' });

  const check = useCallback(async () => {
    try {
      const session = await get<SessionInfo>('/session');
      setSession(session);
      setGate({ state: 'signed-in', session });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) return setGate({ state: 'failed', error });
      setSession(null);
      const status = await get<{ needs_setup: boolean }>('/setup/status').catch(() => ({ needs_setup: false }));
      setGate({ state: 'signed-out', needsSetup: status.needs_setup });
    }
  }, []);

  useEffect(() => {
    const token = setupTokenFromLocation();
    if (token) {
      window.history.replaceState(null, '', `${import.meta.env.BASE_URL}#/setup?token=${encodeURIComponent(token)}`);
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    }
    void check();
    return onLoggedOut(() => setGate({ state: 'signed-out', needsSetup: false }));
  }, [check]);

  const signedIn = (session: SessionInfo) => {
    setSession(session);
    setGate({ state: 'signed-in', session });
    if (route.page === 'setup' || route.page === 'accept') navigate('#/');
  };

  if (gate.state === 'checking') return <Loading label="Opening the console…" />;
  if (gate.state === 'failed') {
    return (
      <main id="main" className="auth-page" tabIndex={-1}>
        <ErrorNotice error={gate.error} title="The management API did not answer" />
      </main>
    );
  }
  // A one-time link opens its page whoever is signed in: following it starts the session of the person it was made for.
  if (route.page === 'accept') return <AcceptLinkPage token={route.token} onSession={signedIn} />;
  if (gate.state === 'signed-out') {
    if (route.page === 'setup') return <SetupPage token={route.token} onSession={signedIn} />;
    return <LoginPage onSession={signedIn} needsSetup={gate.needsSetup} />;
  }
  return (
    <SignedIn
      session={gate.session}
      onLogout={async () => {
        await post('/logout').catch(() => {});
        setSession(null);
        setGate({ state: 'signed-out', needsSetup: false });
      }}
    />
  );
}

function SignedIn({ session, onLogout }: { session: SessionInfo; onLogout: () => void }) {
  const route = useRoute();
  const projects = useLoad(() => get<{ projects: Project[] }>('/projects').then((r) => r.projects), []);
  const first = useRef(true);
  // Keyboard and screen-reader users land on the new page's content after a navigation.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('main')?.focus({ preventScroll: false });
    window.scrollTo(0, 0);
  }, [route.page, route.page === 'project' ? `${route.ref}/${route.section}/${route.id ?? ''}` : '']);
  useEffect(() => {
    if (route.page === 'setup') navigate('#/');
  }, [route.page]);
  const list = projects.data ?? [];
  return (
    <Layout admin={session.admin} projects={list} route={route} onLogout={onLogout}>
      {route.page === 'project' ? (
        <ProjectPage route={route} projects={projects} />
      ) : route.page === 'admins' ? (
        <AdminsPage me={session.admin} />
      ) : (
        <ProjectsPage projects={projects} />
      )}
    </Layout>
  );
}
