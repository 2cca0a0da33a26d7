/**
 * What support does on one user: a stuck conversion (the pending address, when it was mailed, mail it
 * again, confirm it), how an anonymous user converted, ban and unban, mail a magic link / recovery /
 * invitation, and edit the metadata as checked JSON.
 */
import { useId, useState } from 'react';
import { adminPath, get, post, put } from '../api';
import { ErrorNotice, Success } from '../components/Notice';
import { dateTime, relative } from '../format';
import { useAction, useLoad } from '../hooks';
import type { AuthUser, Project } from '../types';
import { kindOf } from './userKind';

type Update = (user: AuthUser) => void;

export function PendingConversion({ project, user, onChange }: { project: Project; user: AuthUser; onChange: Update }) {
  const action = useAction();
  if (!user.new_email) return null;
  const call = (what: 'resend' | 'confirm', message: string) =>
    action.run(() => post<AuthUser>(adminPath(project.ref, `users/${user.id}/pending_email/${what}`)), message).then((updated) => updated && onChange(updated));
  const anonymous = kindOf(user) === 'pending_conversion';
  return (
    <section className="card notice-card" aria-labelledby="pending" data-testid="pending-conversion">
      <h2 id="pending">{anonymous ? 'Pending conversion' : 'Address change awaiting confirmation'}</h2>
      <p>
        {anonymous ? 'This anonymous user asked to become permanent with ' : 'This user asked to change their address to '}
        <strong data-testid="pending-address">{user.new_email}</strong>. The confirmation link was sent{' '}
        <span title={dateTime(user.email_change_sent_at)}>{relative(user.email_change_sent_at)}</span> and has not been followed.
      </p>
      <p className="actions">
        <button type="button" className="button" disabled={action.busy} onClick={() => call('resend', `A new link was sent to ${user.new_email}.`)}>
          Resend the confirmation link
        </button>
        <button type="button" className="button ghost" disabled={action.busy} onClick={() => call('confirm', `${user.new_email} is confirmed.`)}>
          Confirm the address now
        </button>
      </p>
      <p className="hint">Confirming yourself skips the mail: do it only when you know the address is theirs. The earlier link stops working after a resend.</p>
      <Success message={action.message} />
      <ErrorNotice error={action.error} title="Not done" />
    </section>
  );
}

const methodLabels: Record<string, string> = {
  email: 'email confirmation',
  phone: 'phone confirmation',
  oauth: 'a linked social account',
  id_token: 'a linked ID token',
  admin: 'an administrator',
  merge: 'a merge into an existing account',
};

/** "Converted from anonymous on … via …", when the audit log has it. */
export function ConversionFact({ project, user }: { project: Project; user: AuthUser }) {
  const conversion = useLoad(
    () => get<{ converted_at: string | null; method: string | null }>(adminPath(project.ref, `users/${user.id}/conversion`)),
    [project.ref, user.id, user.is_anonymous],
  );
  if (user.is_anonymous || !conversion.data?.converted_at) return null;
  const method = conversion.data.method ?? 'unknown';
  return (
    <div>
      <dt>Converted from anonymous</dt>
      <dd data-testid="converted">
        on {dateTime(conversion.data.converted_at)} via {methodLabels[method] ?? method}
      </dd>
    </div>
  );
}

const banDurations = [
  ['1h', 'for an hour'],
  ['24h', 'for a day'],
  ['168h', 'for a week'],
  ['720h', 'for 30 days'],
  ['876000h', 'indefinitely'],
] as const;

export function BanUser({ project, user, onChange }: { project: Project; user: AuthUser; onChange: Update }) {
  const [duration, setDuration] = useState<string>('24h');
  const action = useAction();
  const id = useId();
  const banned = user.banned_until && Date.parse(user.banned_until) > Date.now();
  const update = (ban_duration: string, message: string) =>
    action.run(() => put<AuthUser>(adminPath(project.ref, `users/${user.id}`), { ban_duration }), message).then((updated) => updated && onChange(updated));
  return (
    <section className="card" aria-labelledby="ban">
      <h2 id="ban">Ban</h2>
      {banned ? (
        <p>
          Banned until <strong>{dateTime(user.banned_until)}</strong>: no sign-in or token refresh.{' '}
          <button type="button" className="button small" disabled={action.busy} onClick={() => update('none', 'The ban is lifted.')}>
            Lift the ban
          </button>
        </p>
      ) : (
        <div className="toolbar">
          <div className="field">
            <label htmlFor={id}>Ban duration</label>
            <select id={id} value={duration} onChange={(e) => setDuration(e.target.value)}>
              {banDurations.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </div>
          <button type="button" className="button danger" disabled={action.busy} onClick={() => update(duration, 'Banned: their sessions are ended.')}>
            Ban user
          </button>
        </div>
      )}
      <Success message={action.message} />
      <ErrorNotice error={action.error} title="Not changed" />
    </section>
  );
}

export function SendMail({ project, user }: { project: Project; user: AuthUser }) {
  const action = useAction();
  if (!user.email) return null;
  const send = (type: 'magiclink' | 'recovery' | 'invite', what: string) =>
    action.run(() => post<{ sent_to: string }>(adminPath(project.ref, `users/${user.id}/mail`), { type }), (r) => `${what} sent to ${r.sent_to}.`);
  return (
    <section className="card" aria-labelledby="send-mail">
      <h2 id="send-mail">Send a mail</h2>
      <p className="actions">
        <button type="button" className="button" disabled={action.busy} onClick={() => send('magiclink', 'A magic link')}>
          Send a magic link
        </button>
        <button type="button" className="button" disabled={action.busy} onClick={() => send('recovery', 'A password recovery link')}>
          Send a password recovery
        </button>
        {kindOf(user) === 'invited' ? (
          <button type="button" className="button" disabled={action.busy} onClick={() => send('invite', 'The invitation')}>
            Send the invitation again
          </button>
        ) : null}
      </p>
      <Success message={action.message} />
      <ErrorNotice error={action.error} title="Not sent" />
    </section>
  );
}

function parseObject(text: string): Record<string, unknown> | string {
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'Must be a JSON object: { … }';
    return value as Record<string, unknown>;
  } catch (error) {
    return `Not valid JSON: ${(error as Error).message}`;
  }
}

export function MetadataEditor({ project, user, onChange }: { project: Project; user: AuthUser; onChange: Update }) {
  const [texts, setTexts] = useState({
    user_metadata: JSON.stringify(user.user_metadata ?? {}, null, 2),
    app_metadata: JSON.stringify(user.app_metadata ?? {}, null, 2),
  });
  const action = useAction();
  const id = useId();
  const parsed = { user_metadata: parseObject(texts.user_metadata), app_metadata: parseObject(texts.app_metadata) };
  const invalid = typeof parsed.user_metadata === 'string' || typeof parsed.app_metadata === 'string';
  const save = () =>
    action.run(() => put<AuthUser>(adminPath(project.ref, `users/${user.id}`), parsed), 'Metadata saved.').then((updated) => updated && onChange(updated));
  return (
    <section className="card" aria-labelledby="metadata">
      <h2 id="metadata">Metadata</h2>
      <div className="form-grid two">
        {(['user_metadata', 'app_metadata'] as const).map((key) => {
          const error = typeof parsed[key] === 'string' ? (parsed[key] as string) : undefined;
          return (
            <div className="field" key={key}>
              <label htmlFor={`${id}-${key}`}>{key === 'user_metadata' ? 'User metadata (the user can change it)' : 'App metadata (only administrators)'}</label>
              <textarea
                id={`${id}-${key}`}
                className="mono json-input"
                rows={8}
                spellCheck={false}
                value={texts[key]}
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? `${id}-${key}-error` : undefined}
                onChange={(e) => setTexts({ ...texts, [key]: e.target.value })}
              />
              {error ? (
                <p id={`${id}-${key}-error`} className="field-error">
                  {error}
                </p>
              ) : null}
            </div>
          );
        })}
      </div>
      <p className="hint">Saved keys are merged into what the user has: to remove a key, set it to null.</p>
      <button type="button" className="button" disabled={invalid || action.busy} onClick={save}>
        Save metadata
      </button>
      <Success message={action.message} />
      <ErrorNotice error={action.error} title="Not saved" />
    </section>
  );
}
