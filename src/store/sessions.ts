/** SQL for auth.sessions, auth.refresh_tokens and auth.mfa_amr_claims. */
import type { Queryable } from './db.js';
import { NIL_UUID, USER_COLUMNS, type UserRow } from './users.js';

export interface AmrEntry {
  method: string;
  timestamp: number;
}

export interface NewSession {
  userId: string;
  sessionId: string;
  refreshToken: string;
  authenticationMethod: string;
  userAgent: string | null;
  ip: string | null;
  /** A session begun for a third-party app of the OAuth server: GoTrue's oauth_client_id and scopes. */
  oauthClientId?: string;
  scopes?: string;
}

/**
 * Starts a session for an existing user in one statement (session, refresh token, AMR claim,
 * last_sign_in_at) and returns the user as it now is.
 */
export async function startSession(db: Queryable, input: NewSession): Promise<UserRow | undefined> {
  const rows = await db.query<UserRow>(
    `with s as (
       insert into auth.sessions (id, user_id, aal, created_at, updated_at, user_agent, ip, oauth_client_id, scopes)
       values ($2, $1, 'aal1', now(), now(), $5, $6::inet, $7::uuid, $8)
     ), r as (
       insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
       values ('${NIL_UUID}', $3, $1, false, now(), now(), null, $2)
     ), a as (
       insert into auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method)
       values (auth.foyer_uuid_v7(), $2, now(), now(), $4)
     ), u as (
       update auth.users set last_sign_in_at = now(), updated_at = now() where id = $1 returning *
     )
     select ${USER_COLUMNS} from u`,
    [input.userId, input.sessionId, input.refreshToken, input.authenticationMethod, input.userAgent, input.ip, input.oauthClientId ?? null, input.scopes ?? null],
  );
  return rows[0];
}

/**
 * Removes a user made by the request that is being refused (its sessions, tokens and identities
 * cascade): the undo of a sign-in that wrote user and session in one statement.
 */
export async function discardNewUser(db: Queryable, userId: string): Promise<void> {
  await db.query('delete from auth.users where id = $1', [userId]);
}

export type LogoutScope = 'global' | 'local' | 'others';

/** Deletes sessions (refresh tokens and AMR claims cascade). */
export async function deleteSessions(db: Queryable, userId: string, sessionId: string | null, scope: LogoutScope): Promise<number> {
  // Every statement sent must use each parameter it is given (a prepared statement refuses extras).
  if (scope === 'global') {
    const rows = await db.query<{ id: string }>('delete from auth.sessions where user_id = $1 returning id', [userId]);
    return rows.length;
  }
  const condition = scope === 'local' ? 'id = $2::uuid' : '($2::uuid is null or id <> $2::uuid)';
  const rows = await db.query<{ id: string }>(
    `delete from auth.sessions where user_id = $1 and ${condition} returning id`,
    [userId, sessionId],
  );
  return rows.length;
}

export async function listUserSessions(
  db: Queryable,
  userId: string,
): Promise<
  { id: string; created_at: string | null; updated_at: string | null; refreshed_at: string | null; user_agent: string | null; ip: string | null; aal: string | null; not_after: string | null }[]
> {
  return db.query(
    `select id, created_at, updated_at, refreshed_at, user_agent, host(ip) as ip, aal::text as aal, not_after
       from auth.sessions where user_id = $1 order by created_at desc limit 500`,
    [userId],
  );
}
