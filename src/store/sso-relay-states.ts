/**
 * SQL for auth.saml_relay_states: one per sign-in started with POST /sso. Its id is the RelayState sent
 * to the identity provider; it remembers the AuthnRequest's id (the answer's InResponseTo), where to send
 * the browser and the PKCE flow. Taken once: the ACS deletes it as it reads it.
 */
import type { Queryable } from './db.js';

export interface NewRelayState {
  id: string;
  ssoProviderId: string;
  requestId: string;
  redirectTo: string | null;
  flowStateId: string | null;
}

export async function insertRelayState(db: Queryable, state: NewRelayState): Promise<void> {
  await db.query(
    `insert into auth.saml_relay_states (id, sso_provider_id, request_id, redirect_to, flow_state_id, created_at, updated_at)
     values ($1, $2, $3, $4, $5, now(), now())`,
    [state.id, state.ssoProviderId, state.requestId, state.redirectTo, state.flowStateId],
  );
}

export interface RelayStateRow {
  id: string;
  sso_provider_id: string;
  request_id: string;
  redirect_to: string | null;
  flow_state_id: string | null;
  /** Seconds since created_at, as the database sees it. */
  age_seconds: number;
}

/** Deletes and returns a relay state: a second answer with the same RelayState finds nothing. */
export async function takeRelayState(db: Queryable, id: string): Promise<RelayStateRow | undefined> {
  const rows = await db.query<RelayStateRow>(
    `delete from auth.saml_relay_states where id = $1
     returning id, sso_provider_id, request_id, redirect_to, flow_state_id,
               extract(epoch from (now() - created_at))::float8 as age_seconds`,
    [id],
  );
  return rows[0];
}

/** A PKCE flow for an SSO sign-in (provider_type and authentication_method 'sso/saml'); its code comes at the ACS. */
export async function insertSsoFlowState(
  db: Queryable,
  flow: { id: string; codeChallenge: string; codeChallengeMethod: 's256' | 'plain'; referrer: string | null },
): Promise<void> {
  await db.query(
    `insert into auth.flow_state (id, auth_code, code_challenge_method, code_challenge, provider_type, authentication_method,
                                  referrer, created_at, updated_at)
     values ($1, gen_random_uuid()::text, $2::auth.code_challenge_method, $3, 'sso/saml', 'sso/saml', $4, now(), now())`,
    [flow.id, flow.codeChallengeMethod, flow.codeChallenge, flow.referrer],
  );
}

/**
 * Gives the SSO flow its user and issues its code, once: a flow that already has a user (GoTrue's
 * flow_state_already_used) is not touched. Returns the code, or undefined when the flow is gone or used.
 */
export async function completeSsoFlowState(db: Queryable, id: string, userId: string): Promise<{ authCode: string } | { used: true } | undefined> {
  const rows = await db.query<{ auth_code: string; user_id: string | null }>(
    'select auth_code, user_id from auth.flow_state where id = $1 for update',
    [id],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.user_id) return { used: true };
  await db.query('update auth.flow_state set user_id = $2, auth_code_issued_at = now(), updated_at = now() where id = $1', [id, userId]);
  return { authCode: row.auth_code };
}
