/**
 * A project's users for support work: find anyone by id (or the prefix the list shows), email, phone or
 * a pending address; by kind (anonymous, pending conversion, invited, permanent) and sign-in provider;
 * sorted; the filters and the page live in the URL. Create, invite, and delete several at once.
 */
import { useEffect, useId, useState, type FormEvent } from 'react';
import { adminPath, del, post, projectPath, request } from '../api';
import { ErrorNotice, LoadState, Success } from '../components/Notice';
import { Pager } from '../components/Pager';
import { relative, shortId } from '../format';
import { useAction, useLoad } from '../hooks';
import { projectHref, useHashQuery } from '../router';
import type { AuthUser, Project } from '../types';
import { CreateUser } from './UserCreate';
import { KindBadge, kindLabels, userKinds, userLabel } from './userKind';

export { userLabel } from './userKind';

const PER_PAGE = 25;
const providers = ['email', 'phone', 'google', 'github', 'apple', 'azure', 'gitlab', 'discord', 'facebook', 'twitter', 'sso'] as const;
const sorts = {
  newest: { label: 'Newest first', param: 'created_at desc' },
  oldest: { label: 'Oldest first', param: 'created_at asc' },
  active: { label: 'Last signed in', param: 'last_sign_in_at desc' },
  email: { label: 'Email A–Z', param: 'email asc' },
} as const;
type SortKey = keyof typeof sorts;

/** GoTrue's POST /invite through the management API: the project mails the invitation link. */
function InviteUser({ project, onInvited }: { project: Project; onInvited: () => void }) {
  const [email, setEmail] = useState('');
  const action = useAction();
  const id = useId();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const address = email.trim();
    const invited = await action.run(() => post<AuthUser>(projectPath(project.ref, '/invite'), { email: address }), `Invitation sent to ${address}`);
    if (invited) {
      setEmail('');
      onInvited();
    }
  };
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Invite a user</h2>
      <form className="toolbar" onSubmit={submit}>
        <div className="field grow">
          <label htmlFor={id}>Email address to invite</label>
          <input id={id} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <button type="submit" className="button" disabled={action.busy}>
          {action.busy ? 'Sending…' : 'Send invitation'}
        </button>
      </form>
      <p className="hint">The project mails a link that confirms the address and signs the person in; they then choose a password.</p>
      <Success message={action.message} />
      <ErrorNotice error={action.error} title="Not invited" />
    </section>
  );
}

/** Deleting the selected users, after a confirmation that names how many. */
function BulkDelete({ project, selected, onDone }: { project: Project; selected: readonly AuthUser[]; onDone: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const action = useAction();
  if (selected.length === 0) return <Success message={action.message} />;
  const run = async () => {
    const done = await action.run(async () => {
      for (const user of selected) await del(adminPath(project.ref, `users/${user.id}`));
      return selected.length;
    }, (n) => `${n} user${n === 1 ? '' : 's'} deleted`);
    setConfirming(false);
    if (done !== undefined) onDone();
  };
  return (
    <div className="bulk-bar" data-testid="bulk-actions">
      <span>{selected.length} selected</span>
      {confirming ? (
        <>
          <button type="button" className="button danger small" disabled={action.busy} onClick={run}>
            Delete {selected.length} user{selected.length === 1 ? '' : 's'} now
          </button>
          <button type="button" className="button ghost small" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </>
      ) : (
        <button type="button" className="button danger small" onClick={() => setConfirming(true)}>
          Delete selected…
        </button>
      )}
      <ErrorNotice error={action.error} title="Not all deleted" />
    </div>
  );
}

export function UsersPage({ project }: { project: Project }) {
  const [params, setParams] = useHashQuery();
  const query = params.get('q') ?? '';
  const kind = params.get('kind') ?? 'all';
  const provider = params.get('provider') ?? '';
  const sort: SortKey = (params.get('sort') ?? 'newest') in sorts ? ((params.get('sort') ?? 'newest') as SortKey) : 'newest';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [search, setSearch] = useState(query);
  const [selected, setSelected] = useState<ReadonlyMap<string, AuthUser>>(new Map());
  useEffect(() => setSearch(query), [query]);
  const ids = { kind: useId(), search: useId(), provider: useId(), sort: useId() };
  const users = useLoad(async () => {
    const search = new URLSearchParams({ page: String(page), per_page: String(PER_PAGE) });
    if (query) search.set('filter', query);
    if (kind === 'anonymous' || kind === 'permanent' || kind === 'pending_conversion' || kind === 'invited') search.set('kind', kind);
    if (provider) search.set('provider', provider);
    if (sort !== 'newest') search.set('sort', sorts[sort].param);
    const response = await request<{ users: AuthUser[] }>('GET', adminPath(project.ref, `users?${search}`));
    return { users: response.data.users, total: Number(response.headers.get('x-total-count') ?? response.data.users.length) };
  }, [project.ref, kind, query, provider, sort, page]);
  useEffect(() => setSelected(new Map()), [users.data]);
  const change = (changes: Record<string, string | null>) => setParams({ page: null, ...changes });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    change({ q: search.trim() });
  };
  const toggle = (user: AuthUser, on: boolean) =>
    setSelected((current) => {
      const next = new Map(current);
      if (on) next.set(user.id, user);
      else next.delete(user.id);
      return next;
    });
  return (
    <>
      <h1>Users</h1>
      <form className="toolbar" onSubmit={submit} role="search" aria-label="Find users">
        <div className="field">
          <label htmlFor={ids.kind}>Show</label>
          <select id={ids.kind} value={kind} onChange={(e) => change({ kind: e.target.value === 'all' ? null : e.target.value })}>
            <option value="all">All users</option>
            {userKinds.map((k) => (
              <option key={k} value={k}>
                {k === 'anonymous' ? 'Anonymous' : kindLabels[k][0].toUpperCase() + kindLabels[k].slice(1)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.provider}>Signs in with</label>
          <select id={ids.provider} value={provider} onChange={(e) => change({ provider: e.target.value || null })}>
            <option value="">Any provider</option>
            {providers.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.sort}>Sort</label>
          <select id={ids.sort} value={sort} onChange={(e) => change({ sort: e.target.value === 'newest' ? null : e.target.value })}>
            {(Object.keys(sorts) as SortKey[]).map((key) => (
              <option key={key} value={key}>
                {sorts[key].label}
              </option>
            ))}
          </select>
        </div>
        <div className="field grow">
          <label htmlFor={ids.search}>Search email, phone or id</label>
          <input id={ids.search} type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="1a2b3c4d, ana@…, +4420…" />
        </div>
        <button type="submit" className="button">
          Search
        </button>
      </form>
      <LoadState loaded={users} what="The user list" endpoint="GET /auth/v1/admin/users">
        {({ users: list, total }) =>
          list.length === 0 ? (
            <p className="empty">No users{query ? ` match “${query}”` : ''}.</p>
          ) : (
            <>
              <BulkDelete project={project} selected={[...selected.values()]} onDone={users.reload} />
              <div className="table-wrap" tabIndex={0}>
                <table data-testid="users-table" className="users-table">
                  <caption className="visually-hidden">Users, page {page}</caption>
                  <thead>
                    <tr>
                      <td className="select-cell">
                        <input
                          type="checkbox"
                          aria-label="Select every user on this page"
                          checked={selected.size === list.length}
                          onChange={(e) => setSelected(e.target.checked ? new Map(list.map((u) => [u.id, u])) : new Map())}
                        />
                      </td>
                      <th scope="col">User</th>
                      <th scope="col">Type</th>
                      <th scope="col">Created</th>
                      <th scope="col">Last sign-in</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((user) => (
                      <tr key={user.id}>
                        <td className="select-cell">
                          <input
                            type="checkbox"
                            aria-label={`Select ${userLabel(user)} ${shortId(user.id)}`}
                            checked={selected.has(user.id)}
                            onChange={(e) => toggle(user, e.target.checked)}
                          />
                        </td>
                        <th scope="row">
                          <a href={projectHref(project.ref, 'users', user.id)}>{userLabel(user)}</a>
                          <span className="mono muted small"> {shortId(user.id)}</span>
                          {user.new_email ? <span className="small pending-address"> → {user.new_email}</span> : null}
                        </th>
                        <td>
                          <KindBadge user={user} />
                        </td>
                        <td>{relative(user.created_at)}</td>
                        <td>{relative(user.last_sign_in_at)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager page={page} perPage={PER_PAGE} total={total} onPage={(p) => setParams({ page: p === 1 ? null : String(p) })} />
            </>
          )
        }
      </LoadState>
      <CreateUser project={project} />
      <InviteUser project={project} onInvited={users.reload} />
    </>
  );
}
