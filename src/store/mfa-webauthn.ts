/**
 * SQL for WebAuthn MFA factors, in GoTrue's columns: the factor's credential in
 * auth.mfa_factors.web_authn_credential (go-webauthn's Credential JSON) with its authenticator model in
 * web_authn_aaguid, the last ceremony in last_webauthn_challenge_data, and a challenge's ceremony state
 * in auth.mfa_challenges.web_authn_session_data (go-webauthn's SessionData JSON).
 */
import type { Queryable } from './db.js';

/** GoTrue stores an empty friendly name as ''; phone and secret stay NULL. */
export async function insertWebAuthnFactor(db: Queryable, factor: { id: string; userId: string; friendlyName: string }): Promise<void> {
  await db.query(
    `insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at)
     values ($1, $2, $3, 'webauthn', 'unverified', now(), now())`,
    [factor.id, factor.userId, factor.friendlyName],
  );
}

/** The stored credential of a factor (null: none yet, or the factor is gone). */
export async function factorCredential(db: Queryable, factorId: string): Promise<unknown> {
  const rows = await db.query<{ credential: unknown }>('select web_authn_credential as credential from auth.mfa_factors where id = $1', [factorId]);
  return rows[0]?.credential ?? null;
}

/** The credentials of the user's verified WebAuthn factors (what a new registration must not repeat). */
export async function verifiedFactorCredentials(db: Queryable, userId: string): Promise<unknown[]> {
  const rows = await db.query<{ credential: unknown }>(
    `select web_authn_credential as credential from auth.mfa_factors
      where user_id = $1 and factor_type = 'webauthn' and status = 'verified' and web_authn_credential is not null
      order by created_at, id`,
    [userId],
  );
  return rows.map((row) => row.credential);
}

/** A challenge with its ceremony state, and the factor's last_challenged_at (GoTrue's WriteChallengeToDatabase). */
export async function insertWebAuthnChallenge(
  db: Queryable,
  challenge: { id: string; factorId: string; ip: string; sessionDataJson: string },
): Promise<{ created_at_epoch: number }> {
  const rows = await db.query<{ created_at_epoch: number }>(
    `with c as (
       insert into auth.mfa_challenges (id, factor_id, created_at, ip_address, web_authn_session_data)
       values ($1, $2, now(), $3::inet, $4::jsonb)
       returning created_at
     ), f as (
       update auth.mfa_factors set last_challenged_at = clock_timestamp() where id = $2
     )
     select extract(epoch from created_at)::float8 as created_at_epoch from c`,
    [challenge.id, challenge.factorId, challenge.ip, challenge.sessionDataJson],
  );
  return rows[0];
}

export interface TakenWebAuthnChallenge {
  readonly session_data: unknown;
  /** As GoTrue's JSON writes a time. */
  readonly created_at: string;
  readonly ip_address: string;
}

/**
 * Deletes and returns the challenge (GoTrue destroys a WebAuthn challenge once used): of two requests
 * with one challenge, one has it. Undefined when it is gone.
 */
export async function takeWebAuthnChallenge(db: Queryable, challengeId: string, factorId: string): Promise<TakenWebAuthnChallenge | undefined> {
  const rows = await db.query<TakenWebAuthnChallenge>(
    `delete from auth.mfa_challenges where id = $1 and factor_id = $2
      returning web_authn_session_data as session_data,
                to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at, host(ip_address) as ip_address`,
    [challengeId, factorId],
  );
  return rows[0];
}

/** Registers the credential and verifies the factor; false when the factor is no longer unverified. */
export async function saveFactorCredential(
  db: Queryable,
  factorId: string,
  credential: { readonly json: string; readonly aaguid: string | null },
): Promise<boolean> {
  const rows = await db.query(
    `update auth.mfa_factors set status = 'verified', web_authn_credential = $2::jsonb, web_authn_aaguid = $3::uuid, updated_at = now()
      where id = $1 and status = 'unverified' returning id`,
    [factorId, credential.json, credential.aaguid],
  );
  return rows.length === 1;
}

/**
 * Moves the stored signature counter from `from` to `to`; false when another assertion moved it first
 * (of two racing with one counter value, one counts).
 */
export async function advanceFactorSignCount(db: Queryable, factorId: string, from: number, to: number): Promise<boolean> {
  const rows = await db.query(
    `update auth.mfa_factors
        set web_authn_credential = jsonb_set(web_authn_credential, '{authenticator,signCount}', to_jsonb($3::bigint))
      where id = $1 and (web_authn_credential -> 'authenticator' ->> 'signCount')::bigint = $2::bigint returning id`,
    [factorId, from, to],
  );
  return rows.length === 1;
}

export async function recordLastWebAuthnChallenge(db: Queryable, factorId: string, dataJson: string): Promise<void> {
  await db.query('update auth.mfa_factors set last_webauthn_challenge_data = $2::jsonb, updated_at = now() where id = $1', [factorId, dataJson]);
}
