/**
 * SQL for auth.oauth_authorizations and auth.oauth_consents, in GoTrue's shape. An authorization is
 * pending until its user approves (a code is set) or denies it; past expires_at it is expired. Each
 * change happens on the row locked FOR UPDATE, so two requests cannot both claim, approve or redeem one.
 */
import type { Queryable } from './db.js';

export interface AuthorizationRow {
  id: string;
  authorization_id: string;
  client_id: string;
  user_id: string | null;
  redirect_uri: string;
  scope: string;
  state: string | null;
  resource: string | null;
  code_challenge: string | null;
  code_challenge_method: string | null;
  nonce: string | null;
  status: 'pending' | 'approved' | 'denied' | 'expired';
  authorization_code: string | null;
  expired: boolean;
}

const COLUMNS = `id, authorization_id, client_id, user_id, redirect_uri, scope, state, resource, code_challenge,
  code_challenge_method::text as code_challenge_method, nonce, status::text as status, authorization_code, now() > expires_at as expired`;

export interface NewAuthorization {
  readonly authorizationId: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly state: string | null;
  readonly resource: string | null;
  readonly codeChallenge: string;
  readonly nonce: string | null;
  readonly ttlSeconds: number;
}

export async function insertAuthorization(db: Queryable, input: NewAuthorization): Promise<void> {
  await db.query(
    `insert into auth.oauth_authorizations (id, authorization_id, client_id, redirect_uri, scope, state, resource,
                                            code_challenge, code_challenge_method, response_type, status, created_at, expires_at, nonce)
     values (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, 's256', 'code', 'pending', now(), now() + make_interval(secs => $8), $9)`,
    [input.authorizationId, input.clientId, input.redirectUri, input.scope, input.state, input.resource, input.codeChallenge, input.ttlSeconds, input.nonce],
  );
}

export async function lockAuthorization(db: Queryable, authorizationId: string): Promise<AuthorizationRow | undefined> {
  const rows = await db.query<AuthorizationRow>(
    `select ${COLUMNS} from auth.oauth_authorizations where authorization_id = $1 for update`,
    [authorizationId],
  );
  return rows[0];
}

/** An approved authorization by its code, locked: what POST /oauth/token redeems. */
export async function lockApprovedByCode(db: Queryable, code: string): Promise<AuthorizationRow | undefined> {
  const rows = await db.query<AuthorizationRow>(
    `select ${COLUMNS} from auth.oauth_authorizations where authorization_code = $1 and status = 'approved' for update`,
    [code],
  );
  return rows[0];
}

export async function markExpired(db: Queryable, id: string): Promise<void> {
  await db.query(`update auth.oauth_authorizations set status = 'expired' where id = $1 and status = 'pending'`, [id]);
}

export async function claimForUser(db: Queryable, id: string, userId: string): Promise<void> {
  await db.query('update auth.oauth_authorizations set user_id = $2 where id = $1', [id, userId]);
}

export async function approveAuthorization(db: Queryable, id: string, code: string): Promise<void> {
  await db.query(`update auth.oauth_authorizations set status = 'approved', approved_at = now(), authorization_code = $2 where id = $1`, [id, code]);
}

export async function denyAuthorization(db: Queryable, id: string): Promise<void> {
  await db.query(`update auth.oauth_authorizations set status = 'denied' where id = $1`, [id]);
}

/** Codes are single use: the redeemed authorization is removed (GoTrue deletes it too). */
export async function deleteAuthorization(db: Queryable, id: string): Promise<void> {
  await db.query('delete from auth.oauth_authorizations where id = $1', [id]);
}

export interface ConsentRow {
  client_id: string;
  scopes: string;
  granted_at: string;
}

export async function findActiveConsent(db: Queryable, userId: string, clientId: string): Promise<ConsentRow | undefined> {
  const rows = await db.query<ConsentRow>(
    'select client_id, scopes, granted_at from auth.oauth_consents where user_id = $1 and client_id = $2 and revoked_at is null',
    [userId, clientId],
  );
  return rows[0];
}

/** Records (or renews, un-revoking) the user's consent to a client for these scopes. */
export async function upsertConsent(db: Queryable, userId: string, clientId: string, scopes: string): Promise<void> {
  await db.query(
    `insert into auth.oauth_consents (id, user_id, client_id, scopes, granted_at)
     values (gen_random_uuid(), $1, $2, $3, now())
     on conflict (user_id, client_id) do update set scopes = excluded.scopes, granted_at = now(), revoked_at = null`,
    [userId, clientId, scopes],
  );
}

export interface GrantRow {
  client_id: string;
  client_name: string | null;
  client_uri: string | null;
  logo_uri: string | null;
  scopes: string;
  granted_at: string;
}

/** The user's active consents to clients that still exist, newest first. */
export async function listActiveGrants(db: Queryable, userId: string): Promise<GrantRow[]> {
  return db.query<GrantRow>(
    `select c.client_id, k.client_name, k.client_uri, k.logo_uri, c.scopes, c.granted_at
       from auth.oauth_consents c join auth.oauth_clients k on k.id = c.client_id and k.deleted_at is null
      where c.user_id = $1 and c.revoked_at is null
      order by c.granted_at desc`,
    [userId],
  );
}

/**
 * Revokes the user's consent to a client and ends the sessions that client holds for the user (their
 * refresh tokens go with them, and their access tokens stop passing GET /user). False when no active grant.
 */
export async function revokeGrant(db: Queryable, userId: string, clientId: string): Promise<boolean> {
  const rows = await db.query<{ id: string }>(
    `with revoked as (
       update auth.oauth_consents set revoked_at = greatest(now(), granted_at)
        where user_id = $1 and client_id = $2 and revoked_at is null returning id
     ), ended as (
       delete from auth.sessions s where s.user_id = $1 and s.oauth_client_id = $2 and exists (select 1 from revoked)
     )
     select id from revoked`,
    [userId, clientId],
  );
  return rows.length > 0;
}

/** How many users hold an active consent, per client that still exists (clients nobody consented to are absent). */
export async function countActiveGrantsByClient(db: Queryable): Promise<{ client_id: string; users: number }[]> {
  return db.query<{ client_id: string; users: number }>(
    `select c.client_id, count(distinct c.user_id)::int as users
       from auth.oauth_consents c join auth.oauth_clients k on k.id = c.client_id and k.deleted_at is null
      where c.revoked_at is null
      group by c.client_id`,
  );
}
