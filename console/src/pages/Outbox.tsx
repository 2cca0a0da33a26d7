/** Mail kept in the database when no SMTP server is configured (embedded mode). */
import { useId, useState } from 'react';
import { adminPath, get } from '../api';
import { LoadState } from '../components/Notice';
import { dateTime } from '../format';
import { useLoad } from '../hooks';
import type { OutboxMessage, Project } from '../types';

export function OutboxPage({ project }: { project: Project }) {
  const [recipient, setRecipient] = useState('');
  const [applied, setApplied] = useState('');
  const id = useId();
  const outbox = useLoad(
    () => get<{ mode: string; messages: OutboxMessage[] }>(adminPath(project.ref, `mail/outbox?limit=100${applied ? `&email=${encodeURIComponent(applied)}` : ''}`)),
    [project.ref, applied],
  );
  return (
    <>
      <h1>Mail outbox</h1>
      <form
        className="toolbar"
        role="search"
        aria-label="Filter mail"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(recipient.trim());
        }}
      >
        <div className="field grow">
          <label htmlFor={id}>Recipient</label>
          <input id={id} type="search" value={recipient} onChange={(e) => setRecipient(e.target.value)} placeholder="user@example.com" />
        </div>
        <button type="submit" className="button">Filter</button>
        <button type="button" className="button ghost" onClick={outbox.reload}>Refresh</button>
      </form>
      <LoadState loaded={outbox} what="The mail outbox" endpoint="GET /auth/v1/admin/mail/outbox">
        {({ mode, messages }) => (
          <>
            <p className="muted">
              Mail mode: <strong>{mode}</strong>
              {mode === 'outbox' ? ' (no SMTP server: mail stays here).' : ' (mail is sent by SMTP; the outbox keeps what is shown here).'}
            </p>
            {messages.length === 0 ? (
              <p className="empty">No mail{applied ? ` to ${applied}` : ''}.</p>
            ) : (
              <ul className="mail-list">
                {messages.map((m) => (
                  <li key={m.id} className="card">
                    <details>
                      <summary>
                        <span className="mail-subject">{m.subject}</span>
                        <span className="muted"> to {m.recipient} · {m.kind} · {dateTime(m.created_at)}</span>
                      </summary>
                      <pre className="mail-body" tabIndex={0}>{m.text_body}</pre>
                    </details>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </LoadState>
    </>
  );
}
