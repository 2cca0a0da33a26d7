/** The project's audit log (GoTrue's GET /admin/audit): who did what, when, from where. */
import { useId, useState, type FormEvent } from 'react';
import { adminPath, request } from '../api';
import { LoadState } from '../components/Notice';
import { Pager } from '../components/Pager';
import { dateTime } from '../format';
import { useLoad } from '../hooks';
import type { AuditEntry, Project } from '../types';

const PER_PAGE = 50;
type Scope = 'action' | 'author' | 'type';

function text(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** What the entry says beyond action, actor and type (traits, the target user, …), compactly. */
function details(payload: Readonly<Record<string, unknown>>): string {
  const { action: _a, actor_id: _i, actor_username: _u, actor_via_sso: _s, log_type: _t, ...rest } = payload;
  const traits = rest.traits && typeof rest.traits === 'object' ? (rest.traits as Record<string, unknown>) : {};
  const { traits: _traits, ...others } = rest;
  const merged = { ...others, ...traits };
  const show = (value: unknown) =>
    typeof value === 'string' ? value : Array.isArray(value) && value.every((v) => typeof v === 'string') ? value.join(', ') : JSON.stringify(value);
  const parts = Object.entries(merged).map(([key, value]) => `${key}: ${show(value)}`);
  return parts.length ? parts.join(' ') : '—';
}

export function AuditLogPage({ project }: { project: Project }) {
  const [scope, setScope] = useState<Scope>('action');
  const [value, setValue] = useState('');
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(1);
  const ids = { scope: useId(), value: useId() };
  const entries = useLoad(async () => {
    const params = new URLSearchParams({ page: String(page), per_page: String(PER_PAGE) });
    if (query) params.set('query', query);
    const response = await request<AuditEntry[]>('GET', adminPath(project.ref, `audit?${params}`));
    return { entries: response.data, total: Number(response.headers.get('x-total-count') ?? response.data.length) };
  }, [project.ref, query, page]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setPage(1);
    setQuery(value.trim() ? `${scope}:${value.trim()}` : '');
  };
  return (
    <>
      <h1>Audit log</h1>
      <form className="toolbar" role="search" aria-label="Filter the audit log" onSubmit={submit}>
        <div className="field">
          <label htmlFor={ids.scope}>Search in</label>
          <select id={ids.scope} value={scope} onChange={(e) => setScope(e.target.value as Scope)}>
            <option value="action">Action</option>
            <option value="author">Actor</option>
            <option value="type">Type</option>
          </select>
        </div>
        <div className="field grow">
          <label htmlFor={ids.value}>Contains</label>
          <input id={ids.value} type="search" value={value} onChange={(e) => setValue(e.target.value)} placeholder="user_signedup" />
        </div>
        <button type="submit" className="button">Search</button>
      </form>
      <LoadState loaded={entries} what="The audit log" endpoint="GET /auth/v1/admin/audit">
        {({ entries: list, total }) =>
          list.length === 0 ? (
            <p className="empty">No entries{query ? ` for ${query}` : ''}.</p>
          ) : (
            <>
              <div className="table-wrap" tabIndex={0}>
                <table data-testid="audit-table">
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Action</th>
                      <th scope="col">Actor</th>
                      <th scope="col">Type</th>
                      <th scope="col">IP</th>
                      <th scope="col">Details</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((entry) => (
                      <tr key={entry.id}>
                        <td className="nowrap">{dateTime(entry.created_at)}</td>
                        <th scope="row" className="nowrap"><code>{text(entry.payload.action)}</code></th>
                        <td className="wrap">{text(entry.payload.actor_username ?? entry.payload.actor_id)}</td>
                        <td>{text(entry.payload.log_type)}</td>
                        <td className="mono">{text(entry.ip_address)}</td>
                        <td className="small details">{details(entry.payload)}</td>
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
    </>
  );
}
