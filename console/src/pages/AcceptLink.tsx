/** Following an invitation or a password link (#/accept?token=…): choose a password, then the console opens. */
import { useState, type FormEvent } from 'react';
import { post } from '../api';
import { ErrorNotice } from '../components/Notice';
import { PasswordPair } from '../components/PasswordPair';
import { useAction } from '../hooks';
import type { SessionInfo } from '../types';
import { Frame } from './Login';

export function AcceptLinkPage({ token, onSession }: { token: string; onSession: (session: SessionInfo) => void }) {
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const action = useAction();
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
        <PasswordPair
          label="New password"
          hint="At least 8 characters (longer is better)."
          password={password}
          confirm={confirm}
          mismatch={mismatch}
          onPassword={setPassword}
          onConfirm={setConfirm}
        />
        <ErrorNotice error={action.error} />
        <button type="submit" className="button primary" disabled={action.busy || !token}>
          {action.busy ? 'Saving…' : 'Save password and sign in'}
        </button>
      </form>
    </Frame>
  );
}
