/** SQL for auth.identities: every identity a user signs in with, its creation, refresh and unlinking. */
import type { Queryable, SqlParam } from './db.js';

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

/** What writing an identity does when (provider, provider_id) already exists. */
export type IdentityConflict =
  /** The existing row stays as it is (a concurrent link won). */
  | { kind: 'keep' }
  /** The same user's row takes the new identity_data; another user's row stays. */
  | { kind: 'replace' }
  /** The same user's row gets `patchJson` merged into its identity_data; another user's row stays. */
  | { kind: 'merge'; patchJson: string };

const SAME_USER_ONLY = 'where auth.identities.user_id = excluded.user_id';
const ON_CONFLICT_SQL: Record<IdentityConflict['kind'], string> = {
  keep: 'do nothing',
  replace: `do update set identity_data = excluded.identity_data, updated_at = now() ${SAME_USER_ONLY}`,
  merge: `do update set identity_data = auth.identities.identity_data || $5::jsonb, updated_at = now() ${SAME_USER_ONLY}`,
};

export interface NewIdentity {
  userId: string;
  provider: string;
  /** The provider's subject. */
  providerId: string;
  identityDataJson: string;
}

/**
 * Every identity row is written here. Its id is time-ordered (`auth.foyer_uuid_v7()`), so a sign-up
 * adds to the right-most pages of the primary key. Returns the row's id, or `null` when the conflict
 * left the existing row untouched.
 */
export async function writeIdentity(db: Queryable, identity: NewIdentity, onConflict: IdentityConflict): Promise<string | null> {
  const params: SqlParam[] = [identity.providerId, identity.userId, identity.identityDataJson, identity.provider];
  if (onConflict.kind === 'merge') params.push(onConflict.patchJson);
  const rows = await db.query<{ id: string }>(
    `insert into auth.identities (id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
     values (auth.foyer_uuid_v7(), $1, $2, $3::jsonb, $4, now(), now(), now())
     on conflict (provider_id, provider) ${ON_CONFLICT_SQL[onConflict.kind]}
     returning id`,
    params,
  );
  return rows[0]?.id ?? null;
}

/** A new identity; `null` when (provider, provider_id) already exists (a concurrent link won). */
export function insertIdentity(db: Queryable, identity: NewIdentity): Promise<string | null> {
  return writeIdentity(db, identity, { kind: 'keep' });
}

/** Creates (or refreshes) the identity of `provider` for a user; `provider_id` is the subject. */
export async function upsertIdentity(db: Queryable, identity: NewIdentity): Promise<void> {
  await writeIdentity(db, identity, { kind: 'replace' });
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
