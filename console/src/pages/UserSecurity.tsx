/** A user's second factors (MFA) and passkeys, each with a delete button: GoTrue's admin routes. */
import { adminPath, del, get } from '../api';
import { ErrorNotice, LoadState, Success } from '../components/Notice';
import { dateTime, relative } from '../format';
import { useAction, useLoad } from '../hooks';
import type { AuthUser, Project } from '../types';

interface Factor {
  readonly id: string;
  readonly friendly_name?: string;
  readonly factor_type: string;
  readonly status: string;
  readonly created_at?: string;
  readonly last_challenged_at?: string | null;
  readonly phone?: string | null;
}

interface Passkey {
  readonly id: string;
  readonly friendly_name?: string;
  readonly created_at?: string;
  readonly last_used_at?: string | null;
}

const FACTOR_TYPES: Readonly<Record<string, string>> = { totp: 'Authenticator app (TOTP)', phone: 'Phone', webauthn: 'Security key (WebAuthn)' };

function DeleteButton({ label, onDelete, busy }: { label: string; onDelete: () => void; busy: boolean }) {
  return (
    <button type="button" className="button danger small" disabled={busy} onClick={onDelete} aria-label={label}>
      Delete
    </button>
  );
}

export function Factors({ project, user }: { project: Project; user: AuthUser }) {
  const path = adminPath(project.ref, `users/${user.id}/factors`);
  const factors = useLoad(() => get<Factor[]>(path), [path]);
  const action = useAction();
  return (
    <section className="card" aria-labelledby="factors">
      <h2 id="factors">Second factors</h2>
      <p className="hint">
        A verified factor means this user signs in at <code>aal1</code> and must present it to reach <code>aal2</code>. Deleting one
        ends the need for it, and the sessions it raised drop to <code>aal1</code>.
      </p>
      <ErrorNotice error={action.error} title="Not deleted" />
      <Success message={action.message} />
      <LoadState loaded={factors} what="The factor list" endpoint="GET /auth/v1/admin/users/:id/factors">
        {(list) =>
          list.length === 0 ? (
            <p className="empty">No factors enrolled.</p>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Type</th>
                    <th scope="col">Status</th>
                    <th scope="col">Enrolled</th>
                    <th scope="col">Last challenged</th>
                    <th scope="col"><span className="visually-hidden">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((factor) => (
                    <tr key={factor.id}>
                      <th scope="row">{factor.friendly_name || '—'}</th>
                      <td>{FACTOR_TYPES[factor.factor_type] ?? factor.factor_type}{factor.phone ? ` ${factor.phone}` : ''}</td>
                      <td>{factor.status === 'verified' ? <span className="badge">verified</span> : <span className="badge badge-muted">{factor.status}</span>}</td>
                      <td>{dateTime(factor.created_at)}</td>
                      <td>{relative(factor.last_challenged_at ?? undefined)}</td>
                      <td>
                        <DeleteButton
                          label={`Delete factor ${factor.friendly_name || factor.id}`}
                          busy={action.busy}
                          onDelete={async () => {
                            const done = await action.run(() => del(`${path}/${factor.id}`), 'The factor is deleted.');
                            if (done !== undefined) factors.reload();
                          }}
                        />
                      </td>
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

export function Passkeys({ project, user }: { project: Project; user: AuthUser }) {
  const path = adminPath(project.ref, `users/${user.id}/passkeys`);
  const passkeys = useLoad(() => get<Passkey[]>(path), [path]);
  const action = useAction();
  return (
    <section className="card" aria-labelledby="passkeys">
      <h2 id="passkeys">Passkeys</h2>
      <ErrorNotice error={action.error} title="Not deleted" />
      <Success message={action.message} />
      <LoadState loaded={passkeys} what="The passkey list" endpoint="GET /auth/v1/admin/users/:id/passkeys">
        {(list) =>
          list.length === 0 ? (
            <p className="empty">No passkeys.</p>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Registered</th>
                    <th scope="col">Last used</th>
                    <th scope="col"><span className="visually-hidden">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((passkey) => (
                    <tr key={passkey.id}>
                      <th scope="row">{passkey.friendly_name || '—'}</th>
                      <td>{dateTime(passkey.created_at)}</td>
                      <td>{relative(passkey.last_used_at ?? undefined)}</td>
                      <td>
                        <DeleteButton
                          label={`Delete passkey ${passkey.friendly_name || passkey.id}`}
                          busy={action.busy}
                          onDelete={async () => {
                            const done = await action.run(() => del(`${path}/${passkey.id}`), 'The passkey is deleted: it no longer signs this user in.');
                            if (done !== undefined) passkeys.reload();
                          }}
                        />
                      </td>
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
