import type { Queryable } from './db.js';

export interface OutboxMail {
  id: string;
  created_at: string;
  kind: string;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string;
}

export async function insertOutboxMail(
  db: Queryable,
  mail: { kind: string; to: string; subject: string; text: string; html: string },
): Promise<void> {
  await db.query(
    `insert into foyer.mail_outbox (kind, recipient, subject, text_body, html_body) values ($1, $2, $3, $4, $5)`,
    [mail.kind, mail.to, mail.subject, mail.text, mail.html],
  );
}

export async function listOutbox(db: Queryable, query: { recipient?: string; limit: number }): Promise<OutboxMail[]> {
  return db.query<OutboxMail>(
    `select id, created_at, kind, recipient, subject, text_body, html_body from foyer.mail_outbox
      where ($1::text is null or lower(recipient) = lower($1)) order by created_at desc limit $2`,
    [query.recipient ?? null, query.limit],
  );
}
