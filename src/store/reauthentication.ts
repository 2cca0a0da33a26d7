/**
 * The reauthentication nonce as GoTrue keeps it: its hash in auth.users.reauthentication_token (and in
 * auth.one_time_tokens), the time it was sent in auth.users.reauthentication_sent_at.
 */
import type { Queryable } from './db.js';
import { saveOneTimeToken } from './one-time-tokens.js';

export interface ReauthenticationState {
  /** '' when no nonce is pending. */
  token_hash: string;
  sent_at: string | null;
  /** Seconds since the nonce was sent, by the database's clock; null when never sent. */
  sent_age_seconds: number | null;
}

/** Reads the pending nonce and locks the user row for the rest of the transaction (one use wins a race). */
export async function lockReauthenticationState(db: Queryable, userId: string): Promise<ReauthenticationState | undefined> {
  const rows = await db.query<ReauthenticationState>(
    `select coalesce(reauthentication_token, '') as token_hash, reauthentication_sent_at as sent_at,
            extract(epoch from now() - reauthentication_sent_at)::float8 as sent_age_seconds
       from auth.users where id = $1 for update`,
    [userId],
  );
  return rows[0];
}

/** Stores a newly sent nonce's hash, replacing any pending one. */
export async function saveReauthenticationToken(db: Queryable, token: { userId: string; hash: string; relatesTo: string }): Promise<void> {
  await saveOneTimeToken(db, { userId: token.userId, type: 'reauthentication_token', hash: token.hash, relatesTo: token.relatesTo });
  await db.query(`update auth.users set reauthentication_sent_at = now(), updated_at = now() where id = $1`, [token.userId]);
}

/** Forgets the pending nonce (used, or voided by a password change), in one statement. */
export async function clearReauthenticationToken(db: Queryable, userId: string): Promise<void> {
  await db.query(
    `with spent as (delete from auth.one_time_tokens where user_id = $1 and token_type = 'reauthentication_token')
     update auth.users set reauthentication_token = '', reauthentication_sent_at = null where id = $1`,
    [userId],
  );
}
