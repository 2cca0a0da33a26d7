/** A user's second factors (MFA) and passkeys, each with a delete button: GoTrue's admin routes. */
import type { ReactNode } from 'react';
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
  /** WebAuthn factors: the authenticator model's AAGUID (all zeros when it names none). */
  readonly web_authn_aaguid?: string | null;
}

interface Passkey {
  readonly id: string;
  readonly friendly_name?: string;
  readonly created_at?: string;
  readonly last_used_at?: string | null;
}

const FACTOR_TYPES: Readonly<Record<string, string>> = { totp: 'Authenticator app (TOTP)', phone: 'Phone', webauthn: 'Security key (WebAuthn)' };

const NO_AAGUID = '00000000-0000-0000-0000-000000000000';

/**
 * A phone factor's number as people write it: GoTrue stores E.164 digits without the "+". Shown in
 * full, as the user's own phone is on the user page: the operator may need it to help the user.
 */
const internationalNumber = (phone: string): string => (phone.startsWith('+') ? phone : `+${phone}`);

/** The factor's kind, with its phone number or, for a security key, the model it names (its AAGUID). */
function factorKind(factor: Factor): ReactNode {
  const label = FACTOR_TYPES[factor.factor_type] ?? factor.factor_type;
  if (factor.phone) return `${label} ${internationalNumber(factor.phone)}`;
  if (factor.web_authn_aaguid && factor.web_authn_aaguid !== NO_AAGUID) {
    return (
      <>
        {label} <span className="muted" title="The authenticator model (AAGUID) the key reported when it was registered">model {factor.web_authn_aaguid}</span>
      </>
    );
  }
  return label;
}

interface Column<Row> {
  readonly header: string;
  readonly cell: (row: Row) => ReactNode;
}

/** A card listing what `GET {path}` returns, one row each with a button that deletes `{path}/{id}`. */
function DeletableList<Row extends { readonly id: string; readonly friendly_name?: string }>(props: {
  readonly id: string;
  readonly title: string;
  readonly hint?: ReactNode;
  readonly path: string;
  readonly endpoint: string;
  readonly noun: string;
  readonly empty: string;
  readonly deleted: string;
  readonly columns: readonly Column<Row>[];
}) {
  const { path } = props;
  const rows = useLoad(() => get<Row[]>(path), [path]);
  const action = useAction();
  return (
    <section className="card" aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.hint ? <p className="hint">{props.hint}</p> : null}
      <ErrorNotice error={action.error} title="Not deleted" />
      <Success message={action.message} />
      <LoadState loaded={rows} what={`The ${props.noun} list`} endpoint={props.endpoint}>
        {(list) =>
          list.length === 0 ? (
            <p className="empty">{props.empty}</p>
          ) : (
            <div className="table-wrap" tabIndex={0}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    {props.columns.map((column) => (
                      <th scope="col" key={column.header}>{column.header}</th>
                    ))}
                    <th scope="col"><span className="visually-hidden">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((row) => (
                    <tr key={row.id}>
                      <th scope="row">{row.friendly_name || '—'}</th>
                      {props.columns.map((column) => (
                        <td key={column.header}>{column.cell(row)}</td>
                      ))}
                      <td>
                        <button
                          type="button"
                          className="button danger small"
                          disabled={action.busy}
                          aria-label={`Delete ${props.noun} ${row.friendly_name || row.id}`}
                          onClick={async () => {
                            const done = await action.run(() => del(`${path}/${row.id}`), props.deleted);
                            if (done !== undefined) rows.reload();
                          }}
                        >
                          Delete
                        </button>
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

export function Factors({ project, user }: { project: Project; user: AuthUser }) {
  return (
    <DeletableList<Factor>
      id="factors"
      title="Second factors"
      hint={
        <>
          A verified factor means this user signs in at <code>aal1</code> and must present it to reach <code>aal2</code>. Deleting one
          ends the need for it, and the sessions it raised drop to <code>aal1</code>.
        </>
      }
      path={adminPath(project.ref, `users/${user.id}/factors`)}
      endpoint="GET /auth/v1/admin/users/:id/factors"
      noun="factor"
      empty="No factors enrolled."
      deleted="The factor is deleted."
      columns={[
        { header: 'Type', cell: factorKind },
        {
          header: 'Status',
          cell: (factor) =>
            factor.status === 'verified' ? <span className="badge">verified</span> : <span className="badge badge-muted">{factor.status}</span>,
        },
        { header: 'Enrolled', cell: (factor) => dateTime(factor.created_at) },
        { header: 'Last challenged', cell: (factor) => relative(factor.last_challenged_at) },
      ]}
    />
  );
}

export function Passkeys({ project, user }: { project: Project; user: AuthUser }) {
  return (
    <DeletableList<Passkey>
      id="passkeys"
      title="Passkeys"
      path={adminPath(project.ref, `users/${user.id}/passkeys`)}
      endpoint="GET /auth/v1/admin/users/:id/passkeys"
      noun="passkey"
      empty="No passkeys."
      deleted="The passkey is deleted: it no longer signs this user in."
      columns={[
        { header: 'Registered', cell: (passkey) => dateTime(passkey.created_at) },
        { header: 'Last used', cell: (passkey) => relative(passkey.last_used_at) },
      ]}
    />
  );
}
