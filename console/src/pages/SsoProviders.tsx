/**
 * SAML 2.0 identity providers (docs/sso.md), through the project's /admin/sso/providers: each with its
 * entity id, metadata URL and email domains; add one by metadata URL or XML, change its domains, turn it
 * off and on, delete it. The project's own service-provider metadata URL is shown for the IdP's side.
 */
import { useId, useState } from 'react';
import { adminPath, del, get, post, put } from '../api';
import { ConfirmButton } from '../components/ConfirmButton';
import { ErrorNotice, LoadState, Success } from '../components/Notice';
import { dateTime } from '../format';
import { useAction, useLoad } from '../hooks';
import type { Project } from '../types';

interface SsoProvider {
  id: string;
  disabled: boolean | null;
  saml: { entity_id: string; metadata_url?: string };
  domains: { domain: string }[];
  created_at: string;
}

const domainList = (text: string) => text.split(/[\s,]+/).map((domain) => domain.trim().toLowerCase()).filter(Boolean);

function AddSsoForm({ project, onAdded }: { project: Project; onAdded: () => void }) {
  const [metadata, setMetadata] = useState('');
  const [domains, setDomains] = useState('');
  const action = useAction();
  const id = useId();
  return (
    <form
      className="card"
      aria-labelledby={`${id}-title`}
      onSubmit={(event) => {
        event.preventDefault();
        const source = metadata.trim();
        const body = {
          type: 'saml',
          ...(source.startsWith('<') ? { metadata_xml: source } : { metadata_url: source }),
          domains: domainList(domains),
        };
        void action.run(() => post<SsoProvider>(adminPath(project.ref, 'sso/providers'), body), (added) => `Added ${added.saml.entity_id}.`).then((added) => {
          if (!added) return;
          setMetadata('');
          setDomains('');
          onAdded();
        });
      }}
    >
      <h2 id={`${id}-title`}>Add an identity provider</h2>
      <div className="field">
        <label htmlFor={`${id}-metadata`}>Metadata URL or XML</label>
        <textarea id={`${id}-metadata`} value={metadata} onChange={(e) => setMetadata(e.target.value)} rows={3} placeholder="https://idp.example.com/saml/metadata" />
      </div>
      <div className="field">
        <label htmlFor={`${id}-domains`}>Email domains</label>
        <input id={`${id}-domains`} value={domains} onChange={(e) => setDomains(e.target.value)} placeholder="example.com, example.org" />
        <p className="hint">signInWithSSO({'{'} domain {'}'}) finds the provider by these.</p>
      </div>
      <Success message={action.message} />
      <ErrorNotice error={action.error} title="Not added" />
      <button type="submit" className="button" disabled={action.busy}>Add identity provider</button>
    </form>
  );
}

function DomainsEditor({ project, provider, onSaved }: { project: Project; provider: SsoProvider; onSaved: (message: string) => void }) {
  const [text, setText] = useState(provider.domains.map((entry) => entry.domain).join(', '));
  const [error, setError] = useState<unknown>(null);
  const id = useId();
  return (
    <form
      className="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        setError(null);
        put(adminPath(project.ref, `sso/providers/${provider.id}`), { domains: domainList(text) })
          .then(() => onSaved(`Domains of ${provider.saml.entity_id} saved.`))
          .catch(setError);
      }}
    >
      <label htmlFor={id} className="visually-hidden">Domains of {provider.saml.entity_id}</label>
      <input id={id} value={text} onChange={(e) => setText(e.target.value)} />
      <button type="submit" className="button ghost small">Save domains</button>
      <ErrorNotice error={error} title="Not saved" />
    </form>
  );
}

export function SsoProvidersSection({ project }: { project: Project }) {
  const providers = useLoad(() => get<{ items: SsoProvider[] }>(adminPath(project.ref, 'sso/providers')), [project.ref]);
  const action = useAction();
  const act = (work: () => Promise<unknown>, message: string) => void action.run(work, message).then(() => providers.reload());
  return (
    <section aria-labelledby="sso-providers">
      <h2 id="sso-providers">SAML single sign-on</h2>
      <p className="muted">
        Your service-provider metadata, for each identity provider: <code className="mono">{project.auth_url}/sso/saml/metadata</code>. Sign-ins need{' '}
        <code>GOTRUE_SAML_ENABLED=true</code> and its private key.
      </p>
      <LoadState loaded={providers} what="SSO providers" endpoint="GET /auth/v1/admin/sso/providers">
        {({ items }) =>
          items.length === 0 ? (
            <p className="empty">No SAML identity providers.</p>
          ) : (
            <div className="table-wrap" tabIndex={0}>
              <table data-testid="sso-providers-table">
                <caption className="visually-hidden">SAML identity providers</caption>
                <thead>
                  <tr>
                    <th scope="col">Identity provider</th>
                    <th scope="col">Metadata URL</th>
                    <th scope="col">Domains</th>
                    <th scope="col">Status</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((provider) => (
                    <tr key={provider.id}>
                      <th scope="row">
                        <span className="mono">{provider.saml.entity_id}</span>
                        <span className="muted small"> added {dateTime(provider.created_at)}, id {provider.id}</span>
                      </th>
                      <td className="mono small">{provider.saml.metadata_url ?? 'metadata XML given'}</td>
                      <td>
                        <DomainsEditor key={provider.domains.map((d) => d.domain).join()} project={project} provider={provider} onSaved={(message) => act(async () => undefined, message)} />
                      </td>
                      <td>{provider.disabled ? <span className="badge badge-muted">off</span> : <span className="badge">on</span>}</td>
                      <td>
                        <button
                          type="button"
                          className="button ghost small"
                          disabled={action.busy}
                          aria-label={`${provider.disabled ? 'Turn on' : 'Turn off'} ${provider.saml.entity_id}`}
                          onClick={() => act(() => put(adminPath(project.ref, `sso/providers/${provider.id}`), { disabled: !provider.disabled }), provider.disabled ? 'Turned on.' : 'Turned off: its sign-ins are refused.')}
                        >
                          {provider.disabled ? 'Turn on' : 'Turn off'}
                        </button>{' '}
                        <ConfirmButton
                          label="Delete"
                          accessibleName={`Delete ${provider.saml.entity_id}`}
                          question={`Delete ${provider.saml.entity_id}? Its users cannot sign in with it any more.`}
                          disabled={action.busy}
                          onConfirm={() => act(() => del(adminPath(project.ref, `sso/providers/${provider.id}`)), `${provider.saml.entity_id} deleted.`)}
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
      <AddSsoForm project={project} onAdded={() => providers.reload()} />
    </section>
  );
}
