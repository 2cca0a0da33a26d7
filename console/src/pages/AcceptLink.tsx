/** Following an invitation or a password link (#/accept?token=…): choose a password, then the console opens. */
import { useId, useState, type FormEvent } from 'react';
import { post } from '../api';
import { ErrorNotice } from '../components/Notice';
import { useAction } from '../hooks';
import type { SessionInfo } from '../types';
import { Frame } from './Login';

export function AcceptLinkPage({ token, onSession }: { token: string; onSession: (session: SessionInfo) => void }) {
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const action = useAction();
  const ids = { password: useId(), confirm: useId(), hint: useId(), mismatch: useId() };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (password !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    const session = await action.run(() => post<SessionInfo>('/admins/accept', { token, password }));
    if (session) onSession(session);
  };
  return (
    <Frame title="Choose your console password">
      <p>An owner of this console sent you this one-time link: to join as an administrator, or to set a new password.</p>
      <form onSubmit={submit} className="stack">
        <div className="field">
          <label htmlFor={ids.password}>New password</label>
          <input id={ids.password} type="password" autoComplete="new-password" required minLength={8} aria-describedby={ids.hint} value={password} onChange={(e) => setPassword(e.target.value)} />
          <p id={ids.hint} className="hint">At least 8 characters (longer is better).</p>
        </div>
        <div className="field">
          <label htmlFor={ids.confirm}>Repeat the password</label>
          <input
            id={ids.confirm}
            type="password"
            autoComplete="new-password"
            required
            aria-invalid={mismatch}
            aria-describedby={mismatch ? ids.mismatch : undefined}
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
          />
          {mismatch ? <p id={ids.mismatch} className="field-error">The passwords differ.</p> : null}
        </div>
        <ErrorNotice error={action.error} />
        <button type="submit" className="button primary" disabled={action.busy || !token}>
          {action.busy ? 'Saving…' : 'Save password and sign in'}
        </button>
      </form>
    </Frame>
  );
}
