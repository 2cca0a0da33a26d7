/** Creating a user by hand (GoTrue's POST /admin/users): an address or a number, a password, confirmed or not. */
import { useId, useState, type FormEvent } from 'react';
import { adminPath, post } from '../api';
import { ErrorNotice } from '../components/Notice';
import { useAction } from '../hooks';
import { navigate, projectHref } from '../router';
import type { AuthUser, Project } from '../types';

export function CreateUser({ project }: { project: Project }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirmed, setConfirmed] = useState(true);
  const action = useAction();
  const id = useId();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = { email: email.trim(), email_confirm: confirmed, ...(password ? { password } : {}) };
    const user = await action.run(() => post<AuthUser>(adminPath(project.ref, 'users'), body));
    if (user) navigate(projectHref(project.ref, 'users', user.id));
  };
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Create a user</h2>
      <form className="form-grid" onSubmit={submit}>
        <div className="field">
          <label htmlFor={`${id}-email`}>Email address of the new user</label>
          <input id={`${id}-email`} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-password`}>Password (optional)</label>
          <input id={`${id}-password`} type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        <div className="field">
          <label className="checkbox">
            <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} />
            The address is confirmed (no mail is sent)
          </label>
        </div>
        <div className="form-actions">
          <button type="submit" className="button" disabled={action.busy}>
            {action.busy ? 'Creating…' : 'Create user'}
          </button>
        </div>
      </form>
      <ErrorNotice error={action.error} title="Not created" />
    </section>
  );
}
