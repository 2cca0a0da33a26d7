/**
 * SQL for auth.webauthn_credentials, the passkeys, in GoTrue's columns and encodings: credential_id
 * and public_key raw bytes (the public key COSE-encoded, as the authenticator gave it), aaguid a uuid,
 * transports a JSON array of strings, sign_count the authenticator's counter. Bytes cross the driver
 * as hex text (decode/encode in SQL), so both engines see the same values.
 */
import type { Queryable } from './db.js';

/** What the API shows of a passkey (GoTrue's PasskeyListItem) plus its owner. */
export interface PasskeyRow {
  readonly id: string;
  readonly user_id: string;
  readonly friendly_name: string;
  readonly created_at: string;
  readonly last_used_at: string | null;
}

/** What verifying an assertion needs of a stored credential. */
export interface StoredCredentialRow extends PasskeyRow {
  readonly credential_id_hex: string;
  readonly public_key_hex: string;
  readonly sign_count: number;
  readonly transports: unknown;
  readonly backup_eligible: boolean;
}

export interface NewWebAuthnCredential {
  readonly userId: string;
  readonly credentialIdHex: string;
  readonly publicKeyHex: string;
  readonly attestationType: string;
  readonly aaguid: string | null;
  readonly signCount: number;
  readonly transports: readonly string[];
  readonly backupEligible: boolean;
  readonly backedUp: boolean;
  readonly friendlyName: string;
}

const PASSKEY_COLUMNS = 'c.id, c.user_id, c.friendly_name, c.created_at, c.last_used_at';

/** A user's passkeys, oldest first (GoTrue's order). */
export async function listWebAuthnCredentials(db: Queryable, userId: string): Promise<PasskeyRow[]> {
  return db.query<PasskeyRow>(
    `select ${PASSKEY_COLUMNS} from auth.webauthn_credentials c where c.user_id = $1::uuid order by c.created_at, c.id`,
    [userId],
  );
}

/** The credential ids of a user's passkeys (hex): the registration's exclude list. */
export async function listCredentialIds(db: Queryable, userId: string): Promise<string[]> {
  const rows = await db.query<{ hex: string }>(
    `select encode(credential_id, 'hex') as hex from auth.webauthn_credentials where user_id = $1::uuid order by created_at, id`,
    [userId],
  );
  return rows.map((row) => row.hex);
}

/**
 * What decides whether a user may manage passkeys, in one round trip: SSO users may not, and a user
 * with a verified MFA factor needs an aal2 session (GoTrue's rule; `sessionId` null: no session).
 */
export async function passkeyOwnerState(
  db: Queryable,
  userId: string,
  sessionId: string | null,
): Promise<{ is_sso_user: boolean; mfa_enabled: boolean; session_aal: string | null } | undefined> {
  const rows = await db.query<{ is_sso_user: boolean; mfa_enabled: boolean; session_aal: string | null }>(
    `select u.is_sso_user,
            exists (select 1 from auth.mfa_factors f where f.user_id = u.id and f.status = 'verified') as mfa_enabled,
            (select s.aal::text from auth.sessions s where s.id = $2::uuid and s.user_id = u.id) as session_aal
       from auth.users u where u.id = $1::uuid`,
    [userId, sessionId],
  );
  return rows[0];
}

/**
 * Inserts a passkey unless the user already has `maxPerUser` (the user row is locked first, so two
 * registrations at once cannot both pass the count) or its credential id is registered (to anyone).
 */
export async function insertWebAuthnCredential(
  tx: Queryable,
  credential: NewWebAuthnCredential,
  maxPerUser: number,
): Promise<{ inserted: PasskeyRow } | { refused: 'too_many' | 'exists' }> {
  await tx.query('select 1 from auth.users where id = $1::uuid for update', [credential.userId]);
  const [{ count }] = await tx.query<{ count: number }>(
    'select count(*)::int as count from auth.webauthn_credentials where user_id = $1::uuid',
    [credential.userId],
  );
  if (count >= maxPerUser) return { refused: 'too_many' };
  const rows = await tx.query<PasskeyRow>(
    `insert into auth.webauthn_credentials as c
       (id, user_id, credential_id, public_key, attestation_type, aaguid, sign_count, transports,
        backup_eligible, backed_up, friendly_name, created_at, updated_at)
     values (gen_random_uuid(), $1::uuid, decode($2, 'hex'), decode($3, 'hex'), $4, $5::uuid, $6::bigint, $7::jsonb,
             $8::boolean, $9::boolean, $10, now(), now())
     on conflict (credential_id) do nothing
     returning ${PASSKEY_COLUMNS}`,
    [
      credential.userId,
      credential.credentialIdHex,
      credential.publicKeyHex,
      credential.attestationType,
      credential.aaguid,
      credential.signCount,
      JSON.stringify(credential.transports),
      credential.backupEligible,
      credential.backedUp,
      credential.friendlyName,
    ],
  );
  return rows[0] ? { inserted: rows[0] } : { refused: 'exists' };
}

/** The credential with this id (hex), whoever owns it. */
export async function findCredentialById(db: Queryable, credentialIdHex: string): Promise<StoredCredentialRow | undefined> {
  const rows = await db.query<StoredCredentialRow>(
    `select ${PASSKEY_COLUMNS}, encode(c.credential_id, 'hex') as credential_id_hex, encode(c.public_key, 'hex') as public_key_hex,
            c.sign_count::float8 as sign_count, c.transports, c.backup_eligible
       from auth.webauthn_credentials c where c.credential_id = decode($1, 'hex')`,
    [credentialIdHex],
  );
  return rows[0];
}

/**
 * Records a sign-in with the passkey: the authenticator's new counter and the time. Only when the
 * counter still moves forward (or both stay 0, for authenticators without one), so two assertions
 * racing with one counter value cannot both count; false when it did not.
 */
export async function recordCredentialUse(tx: Queryable, id: string, previousCount: number, newCount: number): Promise<boolean> {
  const rows = await tx.query<{ id: string }>(
    `update auth.webauthn_credentials set sign_count = $3::bigint, last_used_at = now(), updated_at = now()
      where id = $1::uuid and sign_count = $2::bigint and ($3::bigint > $2::bigint or ($3::bigint = 0 and $2::bigint = 0))
      returning id`,
    [id, previousCount, newCount],
  );
  return rows.length === 1;
}

export async function renameWebAuthnCredential(tx: Queryable, id: string, userId: string, friendlyName: string): Promise<PasskeyRow | undefined> {
  const rows = await tx.query<PasskeyRow>(
    `update auth.webauthn_credentials as c set friendly_name = $3, updated_at = now()
      where c.id = $1::uuid and c.user_id = $2::uuid returning ${PASSKEY_COLUMNS}`,
    [id, userId, friendlyName],
  );
  return rows[0];
}

export async function deleteWebAuthnCredential(tx: Queryable, id: string, userId: string): Promise<boolean> {
  const rows = await tx.query<{ id: string }>('delete from auth.webauthn_credentials where id = $1::uuid and user_id = $2::uuid returning id', [id, userId]);
  return rows.length === 1;
}
