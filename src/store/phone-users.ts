/** The auth.users columns of phone sign-in: codes sent, phones confirmed and changed (GoTrue's columns). */
import type { Queryable } from './db.js';
import { writeIdentity } from './identities.js';
import { allOneTimeTokenTypes, deleteOneTimeTokens } from './one-time-tokens.js';
import { USER_COLUMNS, type UserRow } from './users.js';

/** GoTrue's FindUserByPhoneAndAudience, locked. */
export async function lockUserByPhone(db: Queryable, phone: string, aud: string): Promise<UserRow | undefined> {
  const rows = await db.query<UserRow>(
    `select ${USER_COLUMNS} from auth.users u
      where u.phone = $1 and u.aud = $2 and u.is_sso_user = false
      order by u.created_at limit 1 for update of u`,
    [phone, aud],
  );
  return rows[0];
}

/** Whether `phone` has a user in `aud` (GoTrue's lookup for POST /otp with create_user=false). */
export async function phoneHasUser(db: Queryable, phone: string, aud: string): Promise<boolean> {
  const rows = await db.query<{ found: boolean }>(
    'select exists (select 1 from auth.users where phone = $1 and aud = $2 and is_sso_user = false) as found',
    [phone, aud],
  );
  return rows[0].found;
}

/** The pending new address (email_change) of the user of `phone`, if any. */
export async function pendingEmailOfPhone(db: Queryable, phone: string, aud: string): Promise<string | undefined> {
  const rows = await db.query<{ email_change: string | null }>(
    'select email_change from auth.users where phone = $1 and aud = $2 and is_sso_user = false order by created_at limit 1',
    [phone, aud],
  );
  return rows[0]?.email_change || undefined;
}

/** GoTrue's FindUserByPhoneChangeAndAudience, locked: the user waiting to move to `phone`. */
export async function lockUserByPhoneChange(db: Queryable, phone: string, aud: string): Promise<UserRow | undefined> {
  const rows = await db.query<UserRow>(
    `select ${USER_COLUMNS} from auth.users u
      where u.phone_change = $1 and u.aud = $2 and u.is_sso_user = false
      order by u.phone_change_sent_at desc nulls last limit 1 for update of u`,
    [phone, aud],
  );
  return rows[0];
}

/** When a code went out: a confirmation, a reauthentication nonce, or a phone change's (and the number it goes to). */
export async function markPhoneCodeSent(
  db: Queryable,
  userId: string,
  sent: { kind: 'confirmation' } | { kind: 'reauthentication' } | { kind: 'phone_change'; newPhone: string },
): Promise<void> {
  if (sent.kind === 'confirmation') {
    await db.query('update auth.users set confirmation_sent_at = now() where id = $1', [userId]);
    return;
  }
  if (sent.kind === 'reauthentication') {
    await db.query('update auth.users set reauthentication_sent_at = now(), updated_at = now() where id = $1', [userId]);
    return;
  }
  await db.query('update auth.users set phone_change = $2, phone_change_sent_at = now() where id = $1', [userId, sent.newPhone]);
}

/** GoTrue's ConfirmPhone: confirmed now, every pending one-time token of the user gone. */
export async function confirmPhone(db: Queryable, userId: string): Promise<void> {
  await db.query('update auth.users set phone_confirmed_at = now(), updated_at = now() where id = $1', [userId]);
  await db.query(
    `update auth.identities set identity_data = identity_data || '{"phone_verified": true}'::jsonb, updated_at = now()
      where user_id = $1 and provider = 'phone'`,
    [userId],
  );
  await deleteOneTimeTokens(db, userId, allOneTimeTokenTypes);
}

/**
 * GoTrue's ConfirmPhoneChange: the pending number becomes the phone, confirmed now, and the phone
 * identity (created if the user had none) carries it.
 */
export async function applyPhoneChange(db: Queryable, userId: string, phone: string): Promise<void> {
  await db.query(
    `update auth.users set phone = $2, phone_change = '', phone_confirmed_at = now(), updated_at = now() where id = $1`,
    [userId, phone],
  );
  const identityData = { sub: userId, phone, email_verified: false, phone_verified: true };
  await writeIdentity(
    db,
    { userId, provider: 'phone', providerId: userId, identityDataJson: JSON.stringify(identityData) },
    { kind: 'merge', patchJson: JSON.stringify({ phone, phone_verified: true }) },
  );
  await deleteOneTimeTokens(db, userId, allOneTimeTokenTypes);
}
