/** One user: facts, identities, second factors and passkeys, sessions (revoke), delete. */
import { useState } from 'react';
import { adminPath, del, get } from '../api';
import { ErrorNotice, LoadState, Success } from '../components/Notice';
import { dateTime, relative } from '../format';
import { useAction, useLoad } from '../hooks';
import { navigate, projectHref } from '../router';
import type { AuthUser, Project } from '../types';
import { Factors, Passkeys } from './UserSecurity';
import { BanUser, ConversionFact, MetadataEditor, PendingConversion, SendMail } from './UserSupport';
import { KindBadge, userLabel } from './userKind';

interface AuthSession {
  readonly id: string;
  readonly created_at?: string;
  readonly updated_at?: string;
  readonly refreshed_at?: string | null;
  readonly user_agent?: string | null;
  readonly ip?: string | null;
  readonly aal?: string | null;
  readonly not_after?: string | null;
}

function Sessions({ project, user }: { project: Project; user: AuthUser }) {
  const path = adminPath(project.ref, `users/${user.id}/sessions`);
  const sessions = useLoad(() => get<{ sessions: AuthSession[] }>(path).then((r) => r.sessions), [path]);
  const action = useAction();
  return (
    <section className="card" aria-labelledby="sessions">
      <div className="card-head">
        <h2 id="sessions">Sessions</h2>
        {sessions.data?.length ? (
          <button
            type="button"
            className="button danger small"
            disabled={action.busy}
            onClick={async () => {
              const done = await action.run(() => del(path), 'Signed out everywhere: every session is revoked and its refresh token no longer works.');
              if (done !== undefined) sessions.reload();
            }}
          >
            Sign out everywhere
          </button>
        ) : null}
      </div>
      <ErrorNotice error={action.error} title="Not revoked" />
      <Success message={action.message} />
      <LoadState loaded={sessions} what="The session list" endpoint="GET /auth/v1/admin/users/:id/sessions">
        {(list) =>
          list.length === 0 ? (
            <p className="empty">No active sessions.</p>
          ) : (
            <div className="table-wrap" tabIndex={0}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Started</th>
                    <th scope="col">Last refreshed</th>
                    <th scope="col">Level</th>
                    <th scope="col">Client</th>
                    <th scope="col">IP</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((s) => (
                    <tr key={s.id}>
                      <td>{dateTime(s.created_at)}</td>
                      <td>{relative(s.refreshed_at ?? s.updated_at)}</td>
                      <td>
                        <abbr title={s.aal === 'aal2' ? 'Second factor presented' : 'One factor'}>{s.aal ?? 'aal1'}</abbr>
                      </td>
                      <td className="wrap">{s.user_agent ?? '—'}</td>
                      <td className="mono">{s.ip ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </LoadState>
    </section>
  );
}

function DeleteUser({ project, user }: { project: Project; user: AuthUser }) {
  const [confirming, setConfirming] = useState(false);
  const action = useAction();
  return (
    <section className="card danger-zone" aria-labelledby="delete-user">
      <h2 id="delete-user">Delete this user</h2>
      <p className="hint">The user, their identities and sessions are removed; rows of yours that reference them follow your foreign keys' ON DELETE rules.</p>
      {confirming ? (
        <p className="confirm">
          <button
            type="button"
            className="button danger"
            disabled={action.busy}
            onClick={async () => {
              const done = await action.run(() => del(adminPath(project.ref, `users/${user.id}`)));
              if (done !== undefined) navigate(projectHref(project.ref, 'users'));
            }}
          >
            Delete {userLabel(user)}
          </button>
          <button type="button" className="button ghost" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </p>
      ) : (
        <button type="button" className="button danger" onClick={() => setConfirming(true)}>
          Delete user…
        </button>
      )}
      <ErrorNotice error={action.error} title="Not deleted" />
    </section>
  );
}

export function UserDetailPage({ project, id }: { project: Project; id: string }) {
  const user = useLoad(() => get<AuthUser>(adminPath(project.ref, `users/${id}`)), [project.ref, id]);
  return (
    <>
      <p className="breadcrumb">
        <a href={projectHref(project.ref, 'users')}>← Users</a>
      </p>
      <LoadState loaded={user} what="User details" endpoint="GET /auth/v1/admin/users/:id">
        {(u) => (
          <>
            <h1>
              {userLabel(u)} <KindBadge user={u} />
            </h1>
            <PendingConversion project={project} user={u} onChange={user.set} />
            <section className="card" aria-labelledby="facts">
              <h2 id="facts">Account</h2>
              <dl className="facts">
                <div><dt>User id</dt><dd className="mono wrap">{u.id}</dd></div>
                <div><dt>Email</dt><dd>{u.email || '—'}{u.email_confirmed_at ? ' (confirmed)' : ''}</dd></div>
                {u.new_email ? <div><dt>Awaiting confirmation</dt><dd>{u.new_email}</dd></div> : null}
                {u.invited_at ? <div><dt>Invited</dt><dd>{dateTime(u.invited_at)}{u.email_confirmed_at ? '' : ' (not accepted yet)'}</dd></div> : null}
                <ConversionFact project={project} user={u} />
                <div><dt>Phone</dt><dd>{u.phone || '—'}</dd></div>
                <div><dt>Role</dt><dd>{u.role ?? '—'}</dd></div>
                <div><dt>Created</dt><dd>{dateTime(u.created_at)}</dd></div>
                <div><dt>Last sign-in</dt><dd>{dateTime(u.last_sign_in_at)}</dd></div>
                <div><dt>Banned until</dt><dd>{u.banned_until ? dateTime(u.banned_until) : 'not banned'}</dd></div>
              </dl>
            </section>
            <section className="card" aria-labelledby="identities">
              <h2 id="identities">Identities</h2>
              {u.identities?.length ? (
                <div className="table-wrap" tabIndex={0}>
                  <table>
                    <thead>
                      <tr><th scope="col">Provider</th><th scope="col">Email</th><th scope="col">Linked</th><th scope="col">Last sign-in</th></tr>
                    </thead>
                    <tbody>
                      {u.identities.map((identity) => (
                        <tr key={identity.identity_id ?? identity.id ?? identity.provider}>
                          <th scope="row">{identity.provider}</th>
                          <td>{identity.email ?? String(identity.identity_data?.email ?? '—')}</td>
                          <td>{dateTime(identity.created_at)}</td>
                          <td>{relative(identity.last_sign_in_at)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ) : (
                <p className="empty">{u.is_anonymous ? 'None: an anonymous user has no identity until they link one.' : 'None.'}</p>
              )}
            </section>
            <Factors project={project} user={u} />
            <Passkeys project={project} user={u} />
            <Sessions project={project} user={u} />
            <SendMail project={project} user={u} />
            <BanUser project={project} user={u} onChange={user.set} />
            <MetadataEditor key={u.id} project={project} user={u} onChange={user.set} />
            <DeleteUser project={project} user={u} />
          </>
        )}
      </LoadState>
    </>
  );
}
