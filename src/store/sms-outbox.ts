/** auth.foyer_sms_outbox: SMS kept in the database when no SMS provider is configured. */
import type { Queryable } from './db.js';

export interface OutboxSms {
  id: string;
  created_at: string;
  kind: string;
  recipient: string;
  channel: string;
  body: string;
}

/** Returns the row's id (what the caller is told as the message id). */
export async function insertOutboxSms(
  db: Queryable,
  sms: { kind: string; to: string; channel: string; body: string },
): Promise<string> {
  const rows = await db.query<{ id: string }>(
    `insert into auth.foyer_sms_outbox (kind, recipient, channel, body) values ($1, $2, $3, $4) returning id`,
    [sms.kind, sms.to, sms.channel, sms.body],
  );
  return rows[0].id;
}

const COLUMNS = 'id, created_at, kind, recipient, channel, body';

/** Newest first; `recipient` in GoTrue's stored form (no "+"). */
export async function listSmsOutbox(db: Queryable, query: { recipient?: string; limit: number }): Promise<OutboxSms[]> {
  if (query.recipient === undefined) {
    return db.query<OutboxSms>(`select ${COLUMNS} from auth.foyer_sms_outbox order by created_at desc limit $1`, [query.limit]);
  }
  return db.query<OutboxSms>(
    `select ${COLUMNS} from auth.foyer_sms_outbox where recipient = $1 order by created_at desc limit $2`,
    [query.recipient, query.limit],
  );
}
