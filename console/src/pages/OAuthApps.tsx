/**
 * OAuth apps: the third-party apps that sign users in with this project (Foyer's OAuth 2.1 / OpenID Connect
 * server, docs/oauth-server.md), through the project's admin API (/admin/oauth/clients, and the count of users
 * who allowed each app from /admin/oauth/grant-counts). A new secret is shown once, right after it is made;
 * the server keeps only its hash.
 */
import { useId, useState } from 'react';
import { ApiError, adminPath, del, describeError, get, post } from '../api';
import { ConfirmButton } from '../components/ConfirmButton';
import { ErrorNotice, LoadState } from '../components/Notice';
import { dateTime } from '../format';
import { useLoad } from '../hooks';
import type { Project } from '../types';

interface OAuthClient {
  client_id: string;
  client_secret?: string;
  client_type: 'public' | 'confidential';
  client_name?: string;
  client_uri?: string;
  redirect_uris: string[];
  token_endpoint_auth_method: string;
  registration_type: string;
  created_at: string;
}

function Secret({ client, onDone }: { client: OAuthClient; onDone: () => void }) {
  return (
    <section className="card" aria-labelledby="oauth-secret" data-testid="oauth-secret">
      <h2 id="oauth-secret">Secret of {client.client_name || client.client_id}</h2>
      <p>Copy it now: it is shown this once. Foyer keeps only its hash.</p>
      <p>
        Client id <code className="mono">{client.client_id}</code>
      </p>
      <p>
        Client secret <code className="mono">{client.client_secret}</code>
      </p>
      <button type="button" className="button" onClick={onDone}>Done</button>
    </section>
  );
}

function RegisterForm({ project, onRegistered }: { project: Project; onRegistered: (client: OAuthClient) => void }) {
  const [name, setName] = useState('');
  const [uris, setUris] = useState('');
  const [type, setType] = useState<'confidential' | 'public'>('confidential');
  const [error, setError] = useState<unknown>(null);
  const id = useId();
  return (
    <form
      className="card"
      aria-labelledby={`${id}-title`}
      onSubmit={(event) => {
        event.preventDefault();
        setError(null);
        const redirectUris = uris.split(/\s+/).filter(Boolean);
        post<OAuthClient>(adminPath(project.ref, 'oauth/clients'), { client_name: name.trim(), redirect_uris: redirectUris, client_type: type })
          .then((client) => {
            setName('');
            setUris('');
            onRegistered(client);
          })
          .catch(setError);
      }}
    >
      <h2 id={`${id}-title`}>Register an app</h2>
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} maxLength={1024} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-uris`}>Redirect URIs (one per line)</label>
        <textarea id={`${id}-uris`} value={uris} onChange={(e) => setUris(e.target.value)} rows={3} placeholder="https://app.example.com/callback" />
      </div>
      <div className="field">
        <label htmlFor={`${id}-type`}>Type</label>
        <select id={`${id}-type`} value={type} onChange={(e) => setType(e.target.value as 'confidential' | 'public')}>
          <option value="confidential">Confidential (a server that keeps a secret)</option>
          <option value="public">Public (a browser, mobile or CLI app: PKCE, no secret)</option>
        </select>
      </div>
      {error ? <ErrorNotice error={error} /> : null}
      <button type="submit" className="button">Register</button>
    </form>
  );
}

export function OAuthAppsPage({ project }: { project: Project }) {
  const clients = useLoad(async () => {
    const [list, counts] = await Promise.all([
      get<{ clients?: OAuthClient[] }>(adminPath(project.ref, 'oauth/clients')),
      // How many users allowed each app (a Foyer count; an older server without it shows none).
      get<{ clients: Record<string, number> }>(adminPath(project.ref, 'oauth/grant-counts')).catch(() => undefined),
    ]);
    return { ...list, grants: counts?.clients };
  }, [project.ref]);
  const [shown, setShown] = useState<OAuthClient | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const disabled = clients.error instanceof ApiError && clients.error.code === 'feature_disabled';
  const act = (work: Promise<unknown>) => {
    setActionError(null);
    work.then(() => clients.reload()).catch(setActionError);
  };
  return (
    <>
      <h1>OAuth apps</h1>
      <p className="muted">Third-party apps that sign users in with this project (OAuth 2.1 and OpenID Connect).</p>
      {disabled ? (
        <p className="empty">
          The OAuth server is off for this project: set <code>GOTRUE_OAUTH_SERVER_ENABLED=true</code> (and your consent page in{' '}
          <code>GOTRUE_OAUTH_SERVER_AUTHORIZATION_PATH</code>). {describeError(clients.error)}
        </p>
      ) : (
        <>
          {shown ? <Secret client={shown} onDone={() => setShown(null)} /> : null}
          <RegisterForm
            project={project}
            onRegistered={(client) => {
              if (client.client_secret) setShown(client);
              clients.reload();
            }}
          />
          {actionError ? <ErrorNotice error={actionError} /> : null}
          <LoadState loaded={clients} what="The OAuth apps" endpoint="GET /auth/v1/admin/oauth/clients">
            {({ clients: list = [], grants }) =>
              list.length === 0 ? (
                <p className="empty">No apps registered.</p>
              ) : (
                <div className="table-wrap" tabIndex={0}>
                  <table data-testid="oauth-apps-table">
                    <caption className="visually-hidden">Registered OAuth apps</caption>
                    <thead>
                      <tr>
                        <th scope="col">App</th>
                        <th scope="col">Type</th>
                        <th scope="col">Redirect URIs</th>
                        <th scope="col">Users who allowed it</th>
                        <th scope="col">Registered</th>
                        <th scope="col">Actions</th>
                      </tr>
                    </thead>
                    <tbody>
                      {list.map((client) => (
                        <tr key={client.client_id}>
                          <th scope="row">
                            {client.client_name || 'Unnamed app'}
                            <span className="mono muted small"> {client.client_id}</span>
                          </th>
                          <td>
                            {client.client_type} {client.registration_type === 'dynamic' ? <span className="badge badge-muted">dynamic</span> : null}
                          </td>
                          <td>
                            {client.redirect_uris.map((uri) => (
                              <div key={uri} className="mono small">{uri}</div>
                            ))}
                          </td>
                          <td data-testid="oauth-app-grants">{grants ? (grants[client.client_id] ?? 0).toLocaleString('en-US') : '—'}</td>
                          <td>{dateTime(client.created_at)}</td>
                          <td>
                            {client.client_type === 'confidential' ? (
                              <button
                                type="button"
                                className="button ghost small"
                                onClick={() => act(post<OAuthClient>(adminPath(project.ref, `oauth/clients/${client.client_id}/regenerate_secret`)).then(setShown))}
                              >
                                New secret
                              </button>
                            ) : null}{' '}
                            <ConfirmButton
                              label="Delete"
                              accessibleName={`Delete ${client.client_name || client.client_id}`}
                              question={`Delete ${client.client_name || 'this app'}? Its users' sessions in it end now.`}
                              onConfirm={() => act(del(adminPath(project.ref, `oauth/clients/${client.client_id}`)))}
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
        </>
      )}
    </>
  );
}
