/** SQL for auth.identities beyond the email/phone upsert in users.ts: OAuth identities and unlinking. */
import type { Queryable } from './db.js';

export interface StoredIdentity {
  id: string;
  user_id: string;
  provider: string;
  provider_id: string;
  email: string | null;
  email_verified: boolean;
  created_at: string;
}

const IDENTITY_FIELDS = `i.id, i.user_id, i.provider, i.provider_id, i.email,
  coalesce((i.identity_data ->> 'email_verified')::boolean, false) as email_verified, i.created_at`;

export async function findIdentity(db: Queryable, provider: string, providerId: string): Promise<StoredIdentity | undefined> {
  const rows = await db.query<StoredIdentity>(
    `select ${IDENTITY_FIELDS} from auth.identities i where i.provider = $1 and i.provider_id = $2`,
    [provider, providerId],
  );
  return rows[0];
}

export async function listIdentities(db: Queryable, userId: string): Promise<StoredIdentity[]> {
  return db.query<StoredIdentity>(
    `select ${IDENTITY_FIELDS} from auth.identities i where i.user_id = $1 order by i.created_at, i.id`,
    [userId],
  );
}

/** A new identity; `null` when (provider, provider_id) already exists (a concurrent link won). */
export async function insertIdentity(
  db: Queryable,
  identity: { userId: string; provider: string; providerId: string; identityDataJson: string },
): Promise<string | null> {
  const rows = await db.query<{ id: string }>(
    `insert into auth.identities (id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
     values (auth.foyer_uuid_v7(), $1, $2, $3::jsonb, $4, now(), now(), now())
     on conflict (provider_id, provider) do nothing
     returning id`,
    [identity.providerId, identity.userId, identity.identityDataJson, identity.provider],
  );
  return rows[0]?.id ?? null;
}

/** A returning sign-in: the provider's latest profile and the sign-in time. */
export async function refreshIdentity(db: Queryable, id: string, identityDataJson: string): Promise<void> {
  await db.query(
    `update auth.identities set identity_data = $2::jsonb, last_sign_in_at = now(), updated_at = now() where id = $1`,
    [id, identityDataJson],
  );
}

export async function deleteIdentity(db: Queryable, id: string, userId: string): Promise<boolean> {
  const rows = await db.query<{ id: string }>('delete from auth.identities where id = $1 and user_id = $2 returning id', [id, userId]);
  return rows.length > 0;
}
