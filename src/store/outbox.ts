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
    `insert into auth.foyer_mail_outbox (kind, recipient, subject, text_body, html_body) values ($1, $2, $3, $4, $5)`,
    [mail.kind, mail.to, mail.subject, mail.text, mail.html],
  );
}

const OUTBOX_COLUMNS = 'id, created_at, kind, recipient, subject, text_body, html_body';

/** Newest first. One statement per shape: a prepared `$1 is null or …` could not use the recipient index. */
export async function listOutbox(db: Queryable, query: { recipient?: string; limit: number }): Promise<OutboxMail[]> {
  if (query.recipient === undefined) {
    return db.query<OutboxMail>(`select ${OUTBOX_COLUMNS} from auth.foyer_mail_outbox order by created_at desc limit $1`, [query.limit]);
  }
  return db.query<OutboxMail>(
    `select ${OUTBOX_COLUMNS} from auth.foyer_mail_outbox where lower(recipient) = lower($1) order by created_at desc limit $2`,
    [query.recipient, query.limit],
  );
}
