/**
 * SQL for auth.flow_state (GoTrue's PKCE and OAuth flows) and auth.foyer_oauth_flows (what Foyer keeps
 * towards the provider). An OAuth flow's flow_state id is the `state` sent to the provider.
 */
import type { Queryable } from './db.js';

export type CodeChallengeMethod = 's256' | 'plain';

export interface FlowStateRow {
  id: string;
  user_id: string | null;
  auth_code: string;
  code_challenge_method: CodeChallengeMethod;
  code_challenge: string;
  provider_type: string;
  provider_access_token: string | null;
  provider_refresh_token: string | null;
  authentication_method: string;
  auth_code_issued_at: string | null;
  linking_target_id: string | null;
  referrer: string | null;
  /** Seconds since created_at, as the database sees it. */
  age_seconds: number;
  /** Seconds since auth_code_issued_at (null until a code was issued). */
  issued_age_seconds: number | null;
}

const FLOW_COLUMNS = `f.id, f.user_id, f.auth_code, f.code_challenge_method::text as code_challenge_method, f.code_challenge,
  f.provider_type, f.provider_access_token, f.provider_refresh_token, f.authentication_method, f.auth_code_issued_at,
  f.linking_target_id, f.referrer,
  extract(epoch from (now() - f.created_at))::float8 as age_seconds,
  extract(epoch from (now() - f.auth_code_issued_at))::float8 as issued_age_seconds`;

export interface NewFlowState {
  id: string;
  authCode: string;
  /** '' for an implicit OAuth flow (the column is NOT NULL in GoTrue's schema). */
  codeChallenge: string;
  codeChallengeMethod: CodeChallengeMethod;
  providerType: string;
  authenticationMethod: string;
  userId: string | null;
  linkingTargetId: string | null;
  referrer: string | null;
}

export interface NewOAuthFlow extends NewFlowState {
  providerCodeVerifier: string;
  providerNonce: string | null;
  clientFlow: 'pkce' | 'implicit';
}

/**
 * One OAuth flow in one statement: the flow_state row and Foyer's provider-side secrets. Abandoned flows
 * are removed by the housekeeping job (GOTRUE_DB_CLEANUP_ENABLED), as GoTrue's are.
 */
export async function insertOAuthFlow(db: Queryable, flow: NewOAuthFlow): Promise<void> {
  await db.query(
    `with f as (
       insert into auth.flow_state (id, user_id, auth_code, code_challenge_method, code_challenge, provider_type,
                                    authentication_method, linking_target_id, referrer, created_at, updated_at)
       values ($1, $2, $3, $4::auth.code_challenge_method, $5, $6, $7, $8, $9, now(), now())
       returning id
     )
     insert into auth.foyer_oauth_flows (flow_state_id, provider_code_verifier, provider_nonce, client_flow)
     select id, $10, $11, $12 from f`,
    [
      flow.id, flow.userId, flow.authCode, flow.codeChallengeMethod, flow.codeChallenge, flow.providerType,
      flow.authenticationMethod, flow.linkingTargetId, flow.referrer, flow.providerCodeVerifier, flow.providerNonce,
      flow.clientFlow,
    ],
  );
}

export interface OAuthFlowRow extends FlowStateRow {
  provider_code_verifier: string;
  provider_nonce: string | null;
  client_flow: 'pkce' | 'implicit';
}

/**
 * Claims the OAuth flow of a callback's `state`, once: a PKCE flow is stamped (auth_code_issued_at) and
 * stays for the code exchange, an implicit one is deleted. A second callback with the same state finds
 * nothing. The row is returned as it was, so the caller sees whether it had expired.
 */
export async function claimOAuthFlow(db: Queryable, stateId: string): Promise<OAuthFlowRow | undefined> {
  const rows = await db.query<OAuthFlowRow>(
    `with found as (
       select ${FLOW_COLUMNS}, o.provider_code_verifier, o.provider_nonce, o.client_flow
         from auth.flow_state f join auth.foyer_oauth_flows o on o.flow_state_id = f.id
        where f.id = $1 and f.auth_code_issued_at is null and f.user_id is null
        for update of f
     ), stamped as (
       update auth.flow_state s set auth_code_issued_at = now(), updated_at = now()
         from found where s.id = found.id and found.client_flow = 'pkce'
     ), dropped as (
       delete from auth.flow_state s using found where s.id = found.id and found.client_flow = 'implicit'
     )
     select * from found`,
    [stateId],
  );
  return rows[0];
}

/** Records who signed in (and the provider's tokens) on a claimed PKCE flow, for the code exchange. */
export async function completeFlowState(
  db: Queryable,
  id: string,
  result: { userId: string; providerAccessToken: string | null; providerRefreshToken: string | null },
): Promise<void> {
  await db.query(
    `update auth.flow_state set user_id = $2, provider_access_token = $3, provider_refresh_token = $4, updated_at = now()
      where id = $1`,
    [id, result.userId, result.providerAccessToken, result.providerRefreshToken],
  );
}

export async function deleteFlowState(db: Queryable, id: string): Promise<void> {
  await db.query('delete from auth.flow_state where id = $1', [id]);
}

/** The flow of a PKCE auth code, locked for the exchange (a concurrent second exchange waits, then finds nothing). */
export async function lockFlowStateByAuthCode(db: Queryable, authCode: string): Promise<FlowStateRow | undefined> {
  const rows = await db.query<FlowStateRow>(
    `select ${FLOW_COLUMNS} from auth.flow_state f where f.auth_code = $1 order by f.created_at desc limit 1 for update of f`,
    [authCode],
  );
  return rows[0];
}

/** A PKCE flow started by a mailed link (provider_type 'email'); its auth code is issued when the link is followed. */
export async function insertMailFlowState(
  db: Queryable,
  flow: { userId: string; codeChallenge: string; codeChallengeMethod: CodeChallengeMethod; authenticationMethod: string },
): Promise<void> {
  await db.query(
    `insert into auth.flow_state (id, user_id, auth_code, code_challenge_method, code_challenge, provider_type,
                                  authentication_method, created_at, updated_at)
     values (gen_random_uuid(), $1, gen_random_uuid()::text, $2::auth.code_challenge_method, $3, 'email', $4, now(), now())`,
    [flow.userId, flow.codeChallengeMethod, flow.codeChallenge, flow.authenticationMethod],
  );
}

/** Issues the auth code of the user's newest mail flow (the link just followed); undefined when none. */
export async function issueMailFlowCode(db: Queryable, userId: string): Promise<string | undefined> {
  const rows = await db.query<{ auth_code: string }>(
    `update auth.flow_state set auth_code_issued_at = now(), updated_at = now()
      where id = (select id from auth.flow_state where user_id = $1 and provider_type = 'email'
                   order by created_at desc limit 1)
      returning auth_code`,
    [userId],
  );
  return rows[0]?.auth_code;
}
