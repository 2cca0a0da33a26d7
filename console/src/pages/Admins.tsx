/**
 * Console administrators (#/admins): who they are and their roles. Owners invite others with a role, change
 * roles, remove administrators and make a password link for one who is locked out; each link is shown once,
 * to be handed over, and works once within a day.
 */
import { useId, useState } from 'react';
import { del, get, patch, post } from '../api';
import { ConfirmButton } from '../components/ConfirmButton';
import { CopyField } from '../components/CopyField';
import { ErrorNotice, LoadState, Success } from '../components/Notice';
import { dateTime } from '../format';
import { useAction, useLoad } from '../hooks';
import type { Admin, AdminRole } from '../types';

interface TeamMember {
  id: string;
  email: string;
  role: AdminRole;
  created_at: string;
}

interface Invitation {
  email: string;
  role: AdminRole;
  invited_by: string;
  expires_at: string;
}

interface Link {
  token: string;
  expires_at: string;
  email: string;
}

export const roleLabels: Record<AdminRole, string> = {
  owner: 'Owner (everything, administrators too)',
  admin: 'Admin (everything but administrators)',
  read_only: 'Read-only (looks, changes nothing)',
};

const acceptUrl = (token: string) => `${window.location.origin}${import.meta.env.BASE_URL}#/accept?token=${encodeURIComponent(token)}`;

function LinkCard({ link, purpose, onDone }: { link: Link; purpose: string; onDone: () => void }) {
  return (
    <section className="card" aria-labelledby="admin-link" data-testid="admin-link">
      <h2 id="admin-link">{purpose} for {link.email}</h2>
      <p>Hand this link over: it is shown this once, works once, until {dateTime(link.expires_at)}.</p>
      <CopyField label="One-time link" value={acceptUrl(link.token)} testId="admin-link-url" />
      <button type="button" className="button" onClick={onDone}>Done</button>
    </section>
  );
}

function InviteForm({ onLink }: { onLink: (link: Link) => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<AdminRole>('admin');
  const action = useAction();
  const id = useId();
  return (
    <form
      className="card"
      aria-labelledby={`${id}-title`}
      onSubmit={(event) => {
        event.preventDefault();
        void action.run(() => post<Link>('/admins/invitations', { email, role })).then((link) => {
          if (!link) return;
          setEmail('');
          onLink(link);
        });
      }}
    >
      <h2 id={`${id}-title`}>Invite an administrator</h2>
      <div className="field">
        <label htmlFor={`${id}-email`}>Email</label>
        <input id={`${id}-email`} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-role`}>Role</label>
        <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value as AdminRole)}>
          {(Object.keys(roleLabels) as AdminRole[]).map((value) => (
            <option key={value} value={value}>{roleLabels[value]}</option>
          ))}
        </select>
      </div>
      <ErrorNotice error={action.error} title="Not invited" />
      <button type="submit" className="button" disabled={action.busy}>Make an invitation link</button>
    </form>
  );
}

export function AdminsPage({ me }: { me: Admin }) {
  const team = useLoad(() => get<{ admins: TeamMember[]; invitations?: Invitation[] }>('/admins'), []);
  const [link, setLink] = useState<{ link: Link; purpose: string } | null>(null);
  const action = useAction();
  const owner = (me.role ?? 'owner') === 'owner';
  const act = (work: () => Promise<unknown>, message: string) => void action.run(work, message).then(() => team.reload());
  return (
    <>
      <h1>Administrators</h1>
      <p className="muted">
        People who can sign in to this console. {owner ? 'As an owner you manage them.' : 'Only an owner can invite, change or remove administrators.'}
      </p>
      {link ? <LinkCard link={link.link} purpose={link.purpose} onDone={() => setLink(null)} /> : null}
      <LoadState loaded={team} what="The administrators" endpoint="GET /platform/v1/admins">
        {({ admins }) => (
          <div className="table-wrap" tabIndex={0}>
            <table data-testid="admins-table">
              <caption className="visually-hidden">Console administrators</caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Since</th>
                  {owner ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {admins.map((admin) => (
                  <tr key={admin.id}>
                    <th scope="row">{admin.email}{admin.email === me.email ? <span className="muted small"> (you)</span> : null}</th>
                    <td>
                      {owner ? (
                        <select
                          aria-label={`Role of ${admin.email}`}
                          value={admin.role}
                          disabled={action.busy}
                          onChange={(e) => act(() => patch(`/admins/${admin.id}`, { role: e.target.value }), `${admin.email} is now ${e.target.value.replace('_', '-')}.`)}
                        >
                          {(Object.keys(roleLabels) as AdminRole[]).map((value) => (
                            <option key={value} value={value}>{roleLabels[value]}</option>
                          ))}
                        </select>
                      ) : (
                        roleLabels[admin.role]
                      )}
                    </td>
                    <td>{dateTime(admin.created_at)}</td>
                    {owner ? (
                      <td>
                        <button
                          type="button"
                          className="button ghost small"
                          disabled={action.busy}
                          aria-label={`Password link for ${admin.email}`}
                          onClick={() => void action.run(() => post<Link>(`/admins/${admin.id}/password-reset`)).then((made) => made && setLink({ link: made, purpose: 'Password link' }))}
                        >
                          Password link
                        </button>{' '}
                        <ConfirmButton
                          label="Remove"
                          accessibleName={`Remove ${admin.email}`}
                          question={`Remove ${admin.email}? Their console sessions end now.`}
                          disabled={action.busy}
                          onConfirm={() => act(() => del(`/admins/${admin.id}`), `${admin.email} removed.`)}
                        />
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </LoadState>
      {team.data?.invitations?.length ? (
        <section aria-labelledby="pending-invitations">
          <h2 id="pending-invitations">Invitations not yet followed</h2>
          <div className="table-wrap" tabIndex={0}>
            <table data-testid="invitations-table">
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Invited by</th>
                  <th scope="col">Link works until</th>
                  {owner ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {team.data.invitations.map((invitation) => (
                  <tr key={invitation.email}>
                    <th scope="row">{invitation.email}</th>
                    <td>{roleLabels[invitation.role]}</td>
                    <td>{invitation.invited_by}</td>
                    <td>{dateTime(invitation.expires_at)}</td>
                    {owner ? (
                      <td>
                        <ConfirmButton
                          label="Withdraw"
                          accessibleName={`Withdraw the invitation of ${invitation.email}`}
                          question={`Withdraw the invitation of ${invitation.email}? Its link stops working.`}
                          disabled={action.busy}
                          onConfirm={() => act(() => del(`/admins/invitations?email=${encodeURIComponent(invitation.email)}`), `The invitation of ${invitation.email} is withdrawn.`)}
                        />
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
      <Success message={action.message} />
      <ErrorNotice error={action.error} title="Not changed" />
      {owner ? <InviteForm onLink={(made) => { setLink({ link: made, purpose: 'Invitation' }); team.reload(); }} /> : null}
    </>
  );
}
