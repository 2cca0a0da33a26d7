/** Console sign-in, and the first administrator's setup (the one-time link printed by `foyer start`). */
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { post } from '../api';
import { ErrorNotice } from '../components/Notice';
import { PasswordPair } from '../components/PasswordPair';
import { useAction } from '../hooks';
import type { SessionInfo } from '../types';

export function Frame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main id="main" className="auth-page" tabIndex={-1}>
      <div className="auth-card">
        <p className="brand auth-brand">
          <span className="brand-mark" aria-hidden="true">F</span> Foyer <span className="brand-sub">console</span>
        </p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

export function LoginPage({ onSession, needsSetup }: { onSession: (session: SessionInfo) => void; needsSetup: boolean }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  const emailId = useId();
  const passwordId = useId();
  if (needsSetup) {
    return (
      <Frame title="Set up the console">
        <p>
          No console administrator exists yet. Open the one-time <strong>setup link</strong> that <code>foyer start</code> printed, or create
          an administrator on the server with <code>foyer admin create</code>.
        </p>
      </Frame>
    );
  }
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const session = await action.run(() => post<SessionInfo>('/login', { email, password }));
    if (session) onSession(session);
  };
  return (
    <Frame title="Sign in">
      <form onSubmit={submit} className="stack">
        <div className="field">
          <label htmlFor={emailId}>Email</label>
          <input id={emailId} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={passwordId}>Password</label>
          <input
            id={passwordId}
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        <ErrorNotice error={action.error} />
        <button type="submit" className="button primary" disabled={action.busy}>
          {action.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </Frame>
  );
}

export function SetupPage({ token, onSession }: { token: string; onSession: (session: SessionInfo) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const action = useAction();
  const ids = { email: useId() };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (password !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    const session = await action.run(() => post<SessionInfo>('/setup', { token, email, password }));
    if (session) onSession(session);
  };
  return (
    <Frame title="Create the first administrator">
      {token ? null : (
        <p className="notice notice-error" role="alert">
          This page needs the setup token from the link <code>foyer start</code> printed.
        </p>
      )}
      <form onSubmit={submit} className="stack">
        <div className="field">
          <label htmlFor={ids.email}>Email</label>
          <input id={ids.email} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <PasswordPair
          label="Password"
          hint="At least 8 characters (longer is better). Console administrators are separate from your projects' users."
          password={password}
          confirm={confirm}
          mismatch={mismatch}
          onPassword={setPassword}
          onConfirm={setConfirm}
        />
        <ErrorNotice error={action.error} />
        <button type="submit" className="button primary" disabled={action.busy || !token}>
          {action.busy ? 'Creating…' : 'Create administrator'}
        </button>
      </form>
    </Frame>
  );
}
