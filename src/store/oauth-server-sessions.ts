/** auth.sessions of the OAuth server: sessions begun for a client (GoTrue's oauth_client_id and scopes). */
import type { Queryable } from './db.js';
import { NIL_UUID, USER_COLUMNS, type UserRow } from './users.js';

export interface NewOAuthSession {
  readonly userId: string;
  readonly sessionId: string;
  readonly refreshToken: string;
  readonly authenticationMethod: string;
  readonly oauthClientId: string;
  readonly scopes: string;
  readonly userAgent: string | null;
  readonly ip: string | null;
}

/** Session, refresh token, AMR claim and last_sign_in_at in one statement; the user as it now is. */
export async function startOAuthSession(db: Queryable, input: NewOAuthSession): Promise<UserRow | undefined> {
  const rows = await db.query<UserRow>(
    `with s as (
       insert into auth.sessions (id, user_id, aal, created_at, updated_at, user_agent, ip, oauth_client_id, scopes)
       values ($2, $1, 'aal1', now(), now(), $5, $6::inet, $7, $8)
     ), r as (
       insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
       values ('${NIL_UUID}', $3, $1, false, now(), now(), null, $2)
     ), a as (
       insert into auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method)
       values (gen_random_uuid(), $2, now(), now(), $4)
     ), u as (
       update auth.users set last_sign_in_at = now(), updated_at = now() where id = $1 returning *
     )
     select ${USER_COLUMNS} from u`,
    [input.userId, input.sessionId, input.refreshToken, input.authenticationMethod, input.userAgent, input.ip, input.oauthClientId, input.scopes],
  );
  return rows[0];
}

export interface SessionOAuthClient {
  oauth_client_id: string | null;
  scopes: string | null;
}

export async function findSessionOAuthClient(db: Queryable, sessionId: string): Promise<SessionOAuthClient | undefined> {
  const rows = await db.query<SessionOAuthClient>('select oauth_client_id, scopes from auth.sessions where id = $1', [sessionId]);
  return rows[0];
}
