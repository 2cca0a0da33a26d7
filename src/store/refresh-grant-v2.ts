/**
 * SQL for refreshes with GoTrue's v2 tokens: the session's stored key (read without a lock, to check
 * the token's signature), then `auth.foyer_refresh_token_v2_grant` (migration foyer/0002_refresh_token_v2.sql), which decides and
 * writes with the session row locked. Not a hot path: GoTrue only issues these when configured to.
 */
import type { Queryable } from './db.js';
import { sessionAmrSql } from './mfa-sessions.js';
import type { AmrEntry } from './sessions.js';
import { USER_COLUMNS, type UserRow } from './users.js';
import type { SessionRotationRules } from './refresh-grant.js';

/** The stored key; undefined when the session is gone or has no v2 data (key or counter missing). */
export async function findSessionRefreshKey(db: Queryable, sessionId: string): Promise<string | undefined> {
  const rows = await db.query<{ refresh_token_hmac_key: string }>(
    `select refresh_token_hmac_key from auth.sessions
      where id = $1 and refresh_token_hmac_key is not null and refresh_token_counter is not null`,
    [sessionId],
  );
  return rows[0]?.refresh_token_hmac_key;
}

export type RefreshV2Outcome =
  | 'rotated'
  | 'reissued'
  | 'refresh_token_not_found'
  | 'counter_ahead'
  | 'session_expired'
  | 'user_banned'
  | 'refresh_token_already_used';

export interface RefreshV2Row extends UserRow {
  outcome: RefreshV2Outcome;
  /** The counter of the token to hand out (text: a bigint), set when rotated or reissued. */
  counter: string | null;
  session_id: string | null;
  aal: string | null;
  amr: AmrEntry[] | null;
}

export interface RefreshV2Input extends SessionRotationRules {
  readonly sessionId: string;
  /** The stored key the token's signature was checked with. */
  readonly storedKey: string;
  readonly counter: bigint;
}

const GRANT_V2_SQL = `select r.outcome, r.counter::text as counter, r.session_id, r.aal,
            case when r.outcome in ('rotated', 'reissued') then ${sessionAmrSql('r.session_id')} end as amr, ${USER_COLUMNS}
       from auth.foyer_refresh_token_v2_grant($1::uuid, $2, $3::bigint, $4, $5, $6, $7, $8, $9) r
       left join auth.users u on u.id = r.user_id`;

/** Rotation, lost-response reissue or reuse detection for one v2 token, and the session's user. */
export async function grantRefreshTokenV2(db: Queryable, input: RefreshV2Input): Promise<RefreshV2Row> {
  const rows = await db.query<RefreshV2Row>(GRANT_V2_SQL, [
    input.sessionId,
    input.storedKey,
    input.counter.toString(),
    input.reuseIntervalSeconds,
    input.rotationEnabled,
    input.timeboxSeconds,
    input.inactivitySeconds,
    input.userAgent,
    input.ip,
  ]);
  return rows[0];
}
