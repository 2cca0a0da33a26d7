/**
 * SQL for what MFA changes in sessions: the assurance level GoTrue records on auth.sessions (aal,
 * factor_id), the methods in auth.mfa_amr_claims, and the refresh token a raised session gets.
 */
import type { Queryable } from './db.js';
import type { AmrEntry } from './sessions.js';
import { NIL_UUID } from './users.js';

/**
 * The methods of the session `sessionExpr` (an SQL expression) as the `amr` claim lists them: newest
 * first by updated_at (a method used again moves to the front), timestamps in unix seconds.
 */
export const sessionAmrSql = (sessionExpr: string): string =>
  `coalesce((select jsonb_agg(jsonb_build_object('method', m.authentication_method,
                                                 'timestamp', floor(extract(epoch from m.updated_at))::bigint)
                              order by m.updated_at desc, m.authentication_method)
               from auth.mfa_amr_claims m where m.session_id = ${sessionExpr}), '[]'::jsonb)`;

/** The level GoTrue recorded on the session (null when the session is gone or belongs to someone else). */
export async function sessionAal(db: Queryable, sessionId: string, userId: string): Promise<string | null> {
  const rows = await db.query<{ aal: string | null }>('select aal::text as aal from auth.sessions where id = $1 and user_id = $2', [sessionId, userId]);
  return rows.length ? (rows[0].aal ?? 'aal1') : null;
}

export interface LockedSession {
  id: string;
  refresh_token_hmac_key: string | null;
  /** bigint as text; null for sessions with v1 refresh tokens. */
  refresh_token_counter: string | null;
}

export async function lockSession(db: Queryable, sessionId: string, userId: string): Promise<LockedSession | undefined> {
  const rows = await db.query<LockedSession>(
    `select id, refresh_token_hmac_key, refresh_token_counter::text as refresh_token_counter
       from auth.sessions where id = $1 and user_id = $2 for update`,
    [sessionId, userId],
  );
  return rows[0];
}

/** GoTrue's AddClaimToSession: one row per method and session; using it again moves updated_at. */
export async function addAmrClaim(db: Queryable, sessionId: string, method: string): Promise<void> {
  await db.query(
    `insert into auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method)
     values (auth.foyer_uuid_v7(), $1, now(), now(), $2)
     on conflict on constraint mfa_amr_claims_session_id_authentication_method_pkey do update set updated_at = now()`,
    [sessionId, method],
  );
}

export async function sessionAmr(db: Queryable, sessionId: string): Promise<AmrEntry[]> {
  const rows = await db.query<{ amr: AmrEntry[] }>(`select ${sessionAmrSql('$1::uuid')} as amr`, [sessionId]);
  return rows[0].amr;
}

/**
 * GoTrue's GrantRefreshTokenSwap for v1 tokens: the session's oldest live token is revoked and
 * `newToken` takes its place as its child; the user's last_sign_in_at moves, as with every token
 * GoTrue creates.
 */
export async function swapRefreshToken(db: Queryable, sessionId: string, userId: string, newToken: string): Promise<void> {
  await db.query(
    `with current_token as (
       select id from auth.refresh_tokens
        where session_id = $1 and revoked = false order by created_at, id limit 1 for update
     ), revoked as (
       update auth.refresh_tokens t set revoked = true, updated_at = now()
         from current_token c where t.id = c.id returning t.token
     ), inserted as (
       insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
       values ('${NIL_UUID}', $3, $4, false, now(), now(), (select token from revoked), $1)
     )
     update auth.users set last_sign_in_at = now() where id = $2`,
    [sessionId, userId, newToken, userId],
  );
}

/** v2 tokens: the counter moves by 2, so the session's aal1 token can never be refreshed into an aal2 one. */
export async function advanceRefreshCounter(db: Queryable, sessionId: string): Promise<bigint> {
  const rows = await db.query<{ counter: string }>(
    'update auth.sessions set refresh_token_counter = refresh_token_counter + 2 where id = $1 returning refresh_token_counter::text as counter',
    [sessionId],
  );
  return BigInt(rows[0].counter);
}

export async function setSessionAal(db: Queryable, sessionId: string, aal: string, factorId: string | null): Promise<void> {
  await db.query('update auth.sessions set aal = $2::auth.aal_level, factor_id = $3 where id = $1', [sessionId, aal, factorId]);
}

/** GoTrue's InvalidateSessionsWithAALLessThan(aal2): the user's other sessions end once one is raised. */
export async function deleteSessionsBelowAal2(db: Queryable, userId: string): Promise<void> {
  await db.query(`delete from auth.sessions where user_id = $1 and aal < 'aal2'::auth.aal_level`, [userId]);
}

/**
 * GoTrue's DowngradeSessionsToAAL1: the sessions raised with this factor lose its method and go back
 * to aal1.
 */
export async function downgradeSessionsOfFactor(db: Queryable, userId: string, factorId: string, method: string): Promise<void> {
  await db.query(
    `with downgraded as (
       update auth.sessions set aal = 'aal1', factor_id = null where user_id = $1 and factor_id = $2 returning id
     )
     delete from auth.mfa_amr_claims m using downgraded d where m.session_id = d.id and m.authentication_method = $3`,
    [userId, factorId, method],
  );
}
