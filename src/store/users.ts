/** SQL for auth.users, read with their identities and factors. Rows come back in the shape `UserRow`; never with secrets. */
import type { Queryable, SqlParam } from './db.js';
import { userFactorsSql, type FactorJson } from './mfa-factors.js';

export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * The condition "the user whose address is `param`" (already lower-cased), written so the index on
 * (instance_id, lower(email)) serves it: on `lower(email)` alone PostgreSQL reads every user. GoTrue
 * writes the nil instance id (and only looks there); a row written by hand without one is still found.
 */
export const emailOwnerSql = (alias: string, param: string): string =>
  `(${alias}.instance_id = '${NIL_UUID}' or ${alias}.instance_id is null) and lower(${alias}.email) = ${param}`;

export interface IdentityRow {
  identity_id: string;
  id: string;
  user_id: string;
  identity_data: Record<string, unknown>;
  provider: string;
  last_sign_in_at: string | null;
  created_at: string | null;
  updated_at: string | null;
  email: string | null;
}

export interface UserRow {
  id: string;
  aud: string | null;
  role: string | null;
  email: string | null;
  email_confirmed_at: string | null;
  invited_at: string | null;
  phone: string | null;
  phone_confirmed_at: string | null;
  confirmation_sent_at: string | null;
  confirmed_at: string | null;
  recovery_sent_at: string | null;
  new_email: string | null;
  email_change_sent_at: string | null;
  new_phone: string | null;
  phone_change_sent_at: string | null;
  reauthentication_sent_at: string | null;
  last_sign_in_at: string | null;
  app_metadata: Record<string, unknown> | null;
  user_metadata: Record<string, unknown> | null;
  created_at: string | null;
  updated_at: string | null;
  banned_until: string | null;
  deleted_at: string | null;
  is_anonymous: boolean;
  /** GoTrue's is_sso_user: made by a SAML sign-in, its address and password owned by the identity provider. Never shown. */
  is_sso_user: boolean;
  /** json_agg of the user's identities (timestamps in JSON form); [] when none or not loaded. */
  identities: IdentityRow[];
  /** json_agg of the user's MFA factors; null or absent when none (or not loaded). */
  factors?: FactorJson[] | null;
}

/** Public columns of `auth.users u`; never encrypted_password or token hashes. */
export const USER_FIELDS = `
  u.id, u.aud, u.role, u.email, u.email_confirmed_at, u.invited_at, u.phone, u.phone_confirmed_at,
  u.confirmation_sent_at, u.confirmed_at, u.recovery_sent_at, nullif(u.email_change, '') as new_email,
  u.email_change_sent_at, nullif(u.phone_change, '') as new_phone, u.phone_change_sent_at,
  u.reauthentication_sent_at, u.last_sign_in_at, u.raw_app_meta_data as app_metadata,
  u.raw_user_meta_data as user_metadata, u.created_at, u.updated_at, u.banned_until, u.deleted_at,
  u.is_anonymous, u.is_sso_user`;

/** USER_FIELDS plus the user's identities and MFA factors. */
export const USER_COLUMNS = `${USER_FIELDS}, ${userFactorsSql('u')} as factors,
  coalesce((select json_agg(json_build_object(
      'identity_id', i.id, 'id', i.provider_id, 'user_id', i.user_id, 'identity_data', i.identity_data,
      'provider', i.provider, 'last_sign_in_at', i.last_sign_in_at, 'created_at', i.created_at,
      'updated_at', i.updated_at, 'email', i.email) order by i.created_at)
    from auth.identities i where i.user_id = u.id), '[]'::json) as identities`;

export async function findUserById(db: Queryable, userId: string): Promise<UserRow | undefined> {
  const rows = await db.query<UserRow>(`select ${USER_COLUMNS} from auth.users u where u.id = $1`, [userId]);
  return rows[0];
}

export interface UserWithSession extends UserRow {
  session_exists: boolean;
}

/** The user of an access token and whether its session still exists, in one round trip. */
export async function findUserAndSession(db: Queryable, userId: string, sessionId: string | null): Promise<UserWithSession | undefined> {
  const rows = await db.query<UserWithSession>(
    `select ${USER_COLUMNS},
            ($2::uuid is null or exists (select 1 from auth.sessions s where s.id = $2::uuid and s.user_id = u.id)) as session_exists
       from auth.users u where u.id = $1`,
    [userId, sessionId],
  );
  return rows[0];
}

export interface PasswordUserRow extends UserRow {
  encrypted_password: string | null;
}

export async function findUserForPasswordLogin(
  db: Queryable,
  by: { email: string } | { phone: string },
  aud: string,
): Promise<PasswordUserRow | undefined> {
  const [match, value] = 'email' in by ? [emailOwnerSql('u', '$1'), by.email] : ['u.phone = $1', by.phone];
  const rows = await db.query<PasswordUserRow>(
    `select ${USER_COLUMNS}, u.encrypted_password
       from auth.users u where ${match} and u.aud = $2 and u.is_sso_user = false
      order by u.created_at limit 1`,
    [value, aud],
  );
  return rows[0];
}

/** Whether another user in `aud` owns `email`, as a user's email or an identity's (GoTrue's duplicate check). */
export async function emailTaken(db: Queryable, email: string, aud: string, exceptUserId: string | null): Promise<boolean> {
  const rows = await db.query<{ taken: boolean }>(
    `select exists (
       select 1 from auth.users u where ${emailOwnerSql('u', '$1')} and u.aud = $2 and u.is_sso_user = false and u.id is distinct from $3::uuid
       union all
       select 1 from auth.identities i join auth.users u on u.id = i.user_id
        where i.email = $1 and u.aud = $2 and u.id is distinct from $3::uuid
     ) as taken`,
    [email, aud, exceptUserId],
  );
  return rows[0].taken;
}

export async function phoneTaken(db: Queryable, phone: string, aud: string, exceptUserId: string | null): Promise<boolean> {
  const rows = await db.query<{ taken: boolean }>(
    `select exists (select 1 from auth.users u where u.phone = $1 and u.aud = $2 and u.id is distinct from $3::uuid) as taken`,
    [phone, aud, exceptUserId],
  );
  return rows[0].taken;
}

export interface NewUser {
  id: string;
  aud: string;
  role: string;
  email: string | null;
  phone: string | null;
  encryptedPassword: string;
  appMetadataJson: string;
  userMetadataJson: string;
  emailConfirmed: boolean;
  phoneConfirmed: boolean;
  isAnonymous: boolean;
  /** GoTrue's is_sso_user: a user of one SSO provider, whose address may repeat across users. */
  isSsoUser?: boolean;
}

export async function insertUser(db: Queryable, user: NewUser): Promise<void> {
  await db.query(
    `insert into auth.users (instance_id, id, aud, role, email, phone, encrypted_password, raw_app_meta_data,
                             raw_user_meta_data, email_confirmed_at, phone_confirmed_at, is_anonymous, is_sso_user,
                             created_at, updated_at)
     values ('${NIL_UUID}', $1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb,
             case when $9::boolean then now() end, case when $10::boolean then now() end, $11, $12, now(), now())`,
    [
      user.id, user.aud, user.role, user.email, user.phone, user.encryptedPassword, user.appMetadataJson,
      user.userMetadataJson, user.emailConfirmed, user.phoneConfirmed, user.isAnonymous, user.isSsoUser ?? false,
    ] satisfies SqlParam[],
  );
}

/** Merges `patchJson` into user metadata; keys whose value is null are removed (GoTrue's rule). */
export async function mergeUserMetadata(db: Queryable, userId: string, patchJson: string): Promise<void> {
  await db.query(
    `update auth.users u
        set raw_user_meta_data = (coalesce(u.raw_user_meta_data, '{}'::jsonb) || $2::jsonb)
                                 - array(select key from jsonb_each($2::jsonb) where value = 'null'::jsonb),
            updated_at = now()
      where u.id = $1`,
    [userId, patchJson],
  );
}

export async function mergeAppMetadata(db: Queryable, userId: string, patchJson: string): Promise<void> {
  await db.query(
    `update auth.users u
        set raw_app_meta_data = (coalesce(u.raw_app_meta_data, '{}'::jsonb) || $2::jsonb)
                                - array(select key from jsonb_each($2::jsonb) where value = 'null'::jsonb),
            updated_at = now()
      where u.id = $1`,
    [userId, patchJson],
  );
}

export async function setPassword(db: Queryable, userId: string, encryptedPassword: string): Promise<void> {
  await db.query(`update auth.users set encrypted_password = $2, updated_at = now() where id = $1`, [userId, encryptedPassword]);
}

export async function deleteUser(db: Queryable, userId: string): Promise<boolean> {
  const rows = await db.query<{ id: string }>(`delete from auth.users where id = $1 returning id`, [userId]);
  return rows.length > 0;
}

/** The user waiting to change its address to `email` (lower-cased), by index users_email_change_lower_idx. */
export async function findUserIdByPendingEmail(db: Queryable, email: string, aud: string): Promise<string | undefined> {
  const rows = await db.query<{ id: string }>(`select id from auth.users where lower(email_change) = $1 and aud = $2 limit 1`, [email, aud]);
  return rows[0]?.id;
}

/** Locks the user row for the rest of the transaction (conversions, admin updates). */
export async function lockUser(db: Queryable, userId: string): Promise<UserRow | undefined> {
  const rows = await db.query<UserRow>(`select ${USER_COLUMNS} from auth.users u where u.id = $1 for update of u`, [userId]);
  return rows[0];
}

/** The user of `email` in `aud` (SSO users aside), locked: GoTrue's lookup by email and audience. */
export async function lockUserByEmail(db: Queryable, email: string, aud: string): Promise<UserRow | undefined> {
  const rows = await db.query<UserRow>(
    `select ${USER_COLUMNS} from auth.users u
      where ${emailOwnerSql('u', '$1')} and u.aud = $2 and u.is_sso_user = false
      order by u.created_at limit 1 for update of u`,
    [email, aud],
  );
  return rows[0];
}

/** app_metadata.provider/providers from the user's identities (provider kept if already set). */
export async function recomputeProviders(db: Queryable, userId: string): Promise<void> {
  await db.query(
    `update auth.users u
        set raw_app_meta_data = coalesce(u.raw_app_meta_data, '{}'::jsonb)
              || jsonb_build_object('provider', coalesce(u.raw_app_meta_data ->> 'provider', p.providers ->> 0),
                                    'providers', p.providers),
            updated_at = now()
       from (select coalesce(jsonb_agg(provider order by first_at), '[]'::jsonb) as providers
               from (select provider, min(created_at) as first_at from auth.identities where user_id = $1 group by provider) i) p
      where u.id = $1 and jsonb_array_length(p.providers) > 0`,
    [userId],
  );
}
