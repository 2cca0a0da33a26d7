/** A project's users: anonymous or permanent, searchable, paged; and invitations by email. */
import { useId, useState, type FormEvent } from 'react';
import { adminPath, post, projectPath, request } from '../api';
import { ErrorNotice, LoadState, Success } from '../components/Notice';
import { Pager } from '../components/Pager';
import { relative, shortId } from '../format';
import { useAction, useLoad } from '../hooks';
import { projectHref } from '../router';
import type { AuthUser, Project } from '../types';

type Kind = 'all' | 'anonymous' | 'permanent';
const PER_PAGE = 25;

export function userLabel(user: AuthUser): string {
  return user.email || user.phone || (user.is_anonymous ? 'Anonymous user' : 'User without email');
}

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

export function UsersPage({ project }: { project: Project }) {
  const [kind, setKind] = useState<Kind>('all');
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(1);
  const ids = { kind: useId(), search: useId() };
  const users = useLoad(async () => {
    const params = new URLSearchParams({ page: String(page), per_page: String(PER_PAGE) });
    if (query) params.set('filter', query);
    if (kind !== 'all') params.set('is_anonymous', String(kind === 'anonymous'));
    const response = await request<{ users: AuthUser[] }>('GET', adminPath(project.ref, `users?${params}`));
    return { users: response.data.users, total: Number(response.headers.get('x-total-count') ?? response.data.users.length) };
  }, [project.ref, kind, query, page]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setPage(1);
    setQuery(search.trim());
  };
  return (
    <>
      <h1>Users</h1>
      <form className="toolbar" onSubmit={submit} role="search" aria-label="Find users">
        <div className="field">
          <label htmlFor={ids.kind}>Show</label>
          <select
            id={ids.kind}
            value={kind}
            onChange={(e) => {
              setKind(e.target.value as Kind);
              setPage(1);
            }}
          >
            <option value="all">All users</option>
            <option value="anonymous">Anonymous</option>
            <option value="permanent">Permanent</option>
          </select>
        </div>
        <div className="field grow">
          <label htmlFor={ids.search}>Search email, phone or id</label>
          <input id={ids.search} type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
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
              <div className="table-wrap">
                <table data-testid="users-table">
                  <caption className="visually-hidden">Users, page {page}</caption>
                  <thead>
                    <tr>
                      <th scope="col">User</th>
                      <th scope="col">Type</th>
                      <th scope="col">Created</th>
                      <th scope="col">Last sign-in</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((user) => (
                      <tr key={user.id}>
                        <th scope="row">
                          <a href={projectHref(project.ref, 'users', user.id)}>{userLabel(user)}</a>
                          <span className="mono muted small"> {shortId(user.id)}</span>
                        </th>
                        <td>{user.is_anonymous ? <span className="badge badge-muted">anonymous</span> : <span className="badge">permanent</span>}</td>
                        <td>{relative(user.created_at)}</td>
                        <td>{relative(user.last_sign_in_at)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager page={page} perPage={PER_PAGE} total={total} onPage={setPage} />
            </>
          )
        }
      </LoadState>
      <InviteUser project={project} onInvited={users.reload} />
    </>
  );
}
