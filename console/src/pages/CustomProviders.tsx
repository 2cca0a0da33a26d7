/**
 * Custom OAuth 2.0 and OpenID Connect providers ("custom:<name>", docs/providers.md), through the project's
 * /admin/custom-providers: add one (an OpenID Connect issuer is discovered and checked when it is saved), turn
 * it off and on, delete it. The client secret goes to the server and is never shown again.
 */
import { useId, useState } from 'react';
import { ApiError, adminPath, del, describeError, get, post, put } from '../api';
import { ConfirmButton } from '../components/ConfirmButton';
import { ErrorNotice, LoadState, Success } from '../components/Notice';
import { dateTime } from '../format';
import { useAction, useLoad } from '../hooks';
import type { Project } from '../types';

interface CustomProvider {
  id: string;
  provider_type: 'oauth2' | 'oidc';
  identifier: string;
  name: string;
  client_id: string;
  scopes: string[];
  enabled: boolean;
  issuer?: string;
  authorization_url?: string;
  created_at: string;
}

const words = (text: string) => text.split(/[\s,]+/).filter(Boolean);

function AddProviderForm({ project, onAdded }: { project: Project; onAdded: (provider: CustomProvider) => void }) {
  const [type, setType] = useState<'oidc' | 'oauth2'>('oidc');
  const [fields, setFields] = useState({ name: '', slug: '', client_id: '', client_secret: '', issuer: '', authorization_url: '', token_url: '', userinfo_url: '', scopes: '' });
  const action = useAction();
  const id = useId();
  const set = (key: keyof typeof fields) => (event: { target: { value: string } }) => setFields({ ...fields, [key]: event.target.value });
  const input = (key: keyof typeof fields, label: string, props: { type?: string; placeholder?: string; hint?: string } = {}) => (
    <div className="field">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <input id={`${id}-${key}`} type={props.type ?? 'text'} value={fields[key]} onChange={set(key)} placeholder={props.placeholder} autoComplete="off" />
      {props.hint ? <p className="hint">{props.hint}</p> : null}
    </div>
  );
  return (
    <form
      className="card"
      aria-labelledby={`${id}-title`}
      onSubmit={(event) => {
        event.preventDefault();
        const body = {
          provider_type: type,
          identifier: `custom:${fields.slug.trim()}`,
          name: fields.name.trim(),
          client_id: fields.client_id.trim(),
          client_secret: fields.client_secret,
          scopes: words(fields.scopes),
          ...(type === 'oidc'
            ? { issuer: fields.issuer.trim() }
            : { authorization_url: fields.authorization_url.trim(), token_url: fields.token_url.trim(), userinfo_url: fields.userinfo_url.trim() }),
        };
        void action
          .run(() => post<CustomProvider>(adminPath(project.ref, 'custom-providers'), body), (added) => `${added.identifier} added.`)
          .then((added) => {
            if (!added) return;
            setFields({ ...fields, client_secret: '' });
            onAdded(added);
          });
      }}
    >
      <h2 id={`${id}-title`}>Add a provider</h2>
      <div className="field">
        <label htmlFor={`${id}-type`}>Protocol</label>
        <select id={`${id}-type`} value={type} onChange={(e) => setType(e.target.value as 'oidc' | 'oauth2')}>
          <option value="oidc">OpenID Connect (found from its issuer)</option>
          <option value="oauth2">OAuth 2.0 (authorization, token and userinfo URLs)</option>
        </select>
      </div>
      {input('slug', 'Identifier', { placeholder: 'corp', hint: 'Apps sign in with provider "custom:<identifier>": lower-case letters, digits and dashes.' })}
      {input('name', 'Display name', { placeholder: 'Corp SSO' })}
      {input('client_id', 'Client id')}
      {input('client_secret', 'Client secret', { type: 'password', hint: 'Kept on the server, never shown again.' })}
      {type === 'oidc' ? (
        input('issuer', 'Issuer URL', { placeholder: 'https://id.example.com/realms/corp', hint: 'Its discovery document is fetched and checked when you add the provider.' })
      ) : (
        <>
          {input('authorization_url', 'Authorization URL', { placeholder: 'https://id.example.com/oauth/authorize' })}
          {input('token_url', 'Token URL', { placeholder: 'https://id.example.com/oauth/token' })}
          {input('userinfo_url', 'Userinfo URL', { placeholder: 'https://id.example.com/oauth/userinfo' })}
        </>
      )}
      {input('scopes', 'Scopes', { placeholder: type === 'oidc' ? 'email profile' : 'read:user', hint: 'Separated by spaces.' })}
      <Success message={action.message} />
      <ErrorNotice error={action.error} title="Not added" />
      <button type="submit" className="button" disabled={action.busy}>Add provider</button>
    </form>
  );
}

export function CustomProvidersSection({ project }: { project: Project }) {
  const providers = useLoad(() => get<{ providers: CustomProvider[] }>(adminPath(project.ref, 'custom-providers')), [project.ref]);
  const action = useAction();
  const disabled = providers.error instanceof ApiError && providers.error.code === 'feature_disabled';
  const act = (work: () => Promise<unknown>, message: string) => void action.run(work, message).then(() => providers.reload());
  return (
    <section aria-labelledby="custom-providers">
      <h2 id="custom-providers">Custom OAuth and OpenID Connect providers</h2>
      {disabled ? (
        <p className="empty">
          Custom providers are off for this project: set <code>GOTRUE_CUSTOM_OAUTH_ENABLED=true</code>. {describeError(providers.error)}
        </p>
      ) : (
        <>
          <LoadState loaded={providers} what="Custom providers" endpoint="GET /auth/v1/admin/custom-providers">
            {({ providers: list }) =>
              list.length === 0 ? (
                <p className="empty">No custom providers.</p>
              ) : (
                <div className="table-wrap" tabIndex={0}>
                  <table data-testid="custom-providers-table">
                    <caption className="visually-hidden">Custom providers</caption>
                    <thead>
                      <tr>
                        <th scope="col">Provider</th>
                        <th scope="col">Protocol</th>
                        <th scope="col">Endpoint</th>
                        <th scope="col">Status</th>
                        <th scope="col">Added</th>
                        <th scope="col">Actions</th>
                      </tr>
                    </thead>
                    <tbody>
                      {list.map((provider) => (
                        <tr key={provider.id}>
                          <th scope="row">
                            {provider.name}
                            <span className="mono muted small"> {provider.identifier}</span>
                          </th>
                          <td>{provider.provider_type === 'oidc' ? 'OpenID Connect' : 'OAuth 2.0'}</td>
                          <td className="mono small">{provider.issuer ?? provider.authorization_url}</td>
                          <td>{provider.enabled ? <span className="badge">on</span> : <span className="badge badge-muted">off</span>}</td>
                          <td>{dateTime(provider.created_at)}</td>
                          <td>
                            <button
                              type="button"
                              className="button ghost small"
                              disabled={action.busy}
                              aria-label={`${provider.enabled ? 'Turn off' : 'Turn on'} ${provider.identifier}`}
                              onClick={() =>
                                act(
                                  () => put(adminPath(project.ref, `custom-providers/${provider.identifier}`), { enabled: !provider.enabled }),
                                  `${provider.identifier} is ${provider.enabled ? 'off: its sign-ins are refused' : 'on'}.`,
                                )
                              }
                            >
                              {provider.enabled ? 'Turn off' : 'Turn on'}
                            </button>{' '}
                            <ConfirmButton
                              label="Delete"
                              accessibleName={`Delete ${provider.identifier}`}
                              question={`Delete ${provider.identifier}? Its users keep their accounts but cannot sign in with it.`}
                              disabled={action.busy}
                              onConfirm={() => act(() => del(adminPath(project.ref, `custom-providers/${provider.identifier}`)), `${provider.identifier} deleted.`)}
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
          <Success message={action.message} />
          <ErrorNotice error={action.error} title="Not changed" />
          <AddProviderForm project={project} onAdded={() => providers.reload()} />
        </>
      )}
    </section>
  );
}
