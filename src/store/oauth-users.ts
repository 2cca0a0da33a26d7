/** SQL on auth.users for OAuth sign-in and linking: the email taken from an identity, its confirmation. */
import type { Queryable } from './db.js';
import { emailOwnerSql } from './users.js';

export async function setUserEmail(db: Queryable, userId: string, email: string | null): Promise<void> {
  await db.query(`update auth.users set email = $2, updated_at = now() where id = $1`, [userId, email]);
}

/** GoTrue's Confirm: email_confirmed_at, user_metadata.email_verified, pending confirmation cleared. */
export async function confirmUserEmail(db: Queryable, userId: string): Promise<void> {
  await db.query(
    `update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now()), confirmation_token = '',
            raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb) || '{"email_verified": true}'::jsonb,
            updated_at = now()
      where id = $1`,
    [userId],
  );
  await db.query(`delete from auth.one_time_tokens where user_id = $1 and token_type = 'confirmation_token'`, [userId]);
}

/**
 * GoTrue's RemoveUnconfirmedIdentities for a user whose address was never confirmed and who now signs in
 * through a provider that vouches for it: a password set by whoever registered the address first (maybe
 * not its owner) no longer opens the account.
 */
export async function dropUnconfirmedPassword(db: Queryable, userId: string): Promise<void> {
  await db.query(`update auth.users set encrypted_password = '', updated_at = now() where id = $1 and email_confirmed_at is null`, [
    userId,
  ]);
}

/** The user that owns `email` as its address (GoTrue's FindUserByEmailAndAudience), locked. */
export async function lockUserIdByEmail(db: Queryable, email: string, aud: string): Promise<string | undefined> {
  const rows = await db.query<{ id: string }>(
    `select u.id from auth.users u where ${emailOwnerSql('u', '$1')} and u.aud = $2 and u.is_sso_user = false
      order by u.created_at limit 1 for update`,
    [email, aud],
  );
  return rows[0]?.id;
}

/** After unlinking the phone identity (GoTrue): no phone any more. */
export async function clearUserPhone(db: Queryable, userId: string): Promise<void> {
  await db.query(`update auth.users set phone = null, phone_confirmed_at = null, updated_at = now() where id = $1`, [userId]);
}

/** The address now comes from an identity whose provider never vouched for it. */
export async function unconfirmUserEmail(db: Queryable, userId: string): Promise<void> {
  await db.query(
    `update auth.users set email_confirmed_at = null,
            raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb) || '{"email_verified": false}'::jsonb,
            updated_at = now()
      where id = $1`,
    [userId],
  );
}

/** Whether a user other than `userId` has `email` as its address (GoTrue's FindUserByEmailAndAudience). */
export async function emailUsedByOther(db: Queryable, email: string, aud: string, userId: string): Promise<boolean> {
  const rows = await db.query<{ used: boolean }>(
    `select exists (select 1 from auth.users u where ${emailOwnerSql('u', '$1')} and u.aud = $2 and u.is_sso_user = false and u.id <> $3) as used`,
    [email, aud, userId],
  );
  return rows[0].used;
}

/** GoTrue's UpdateAppMetaDataProviders: providers in the order they were linked, provider = the first. */
export async function setProvidersFromIdentities(db: Queryable, userId: string): Promise<void> {
  await db.query(
    `update auth.users u
        set raw_app_meta_data = coalesce(u.raw_app_meta_data, '{}'::jsonb)
              || jsonb_build_object('provider', p.providers -> 0, 'providers', p.providers),
            updated_at = now()
       from (select coalesce(jsonb_agg(provider order by first_at, provider), '[]'::jsonb) as providers
               from (select provider, min(created_at) as first_at from auth.identities where user_id = $1 group by provider) i) p
      where u.id = $1`,
    [userId],
  );
}
