/**
 * Mailed and texted tokens: stored hashed in auth.one_time_tokens (one per user and type) and mirrored in the
 * auth.users token columns, as GoTrue keeps them, so either can be read by the other.
 */
import type { Queryable } from './db.js';

export type OneTimeTokenType =
  | 'confirmation_token'
  | 'recovery_token'
  | 'email_change_token_new'
  | 'email_change_token_current'
  | 'reauthentication_token'
  | 'phone_change_token';

/** Which auth.users column mirrors each token type. */
const userColumn: Record<OneTimeTokenType, string> = {
  confirmation_token: 'confirmation_token',
  recovery_token: 'recovery_token',
  email_change_token_new: 'email_change_token_new',
  email_change_token_current: 'email_change_token_current',
  reauthentication_token: 'reauthentication_token',
  phone_change_token: 'phone_change_token',
};

export const allOneTimeTokenTypes = Object.keys(userColumn) as OneTimeTokenType[];

export async function saveOneTimeToken(
  db: Queryable,
  token: { userId: string; type: OneTimeTokenType; hash: string; relatesTo: string },
): Promise<void> {
  await db.query(
    `insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to, created_at, updated_at)
     values (gen_random_uuid(), $1, $2::auth.one_time_token_type, $3, $4, now(), now())
     on conflict (user_id, token_type) do update
       set token_hash = excluded.token_hash, relates_to = excluded.relates_to, created_at = now(), updated_at = now()`,
    [token.userId, token.type, token.hash, token.relatesTo],
  );
  await db.query(`update auth.users set ${userColumn[token.type]} = $2 where id = $1`, [token.userId, token.hash]);
}

export interface FoundToken {
  user_id: string;
  token_hash: string;
  token_type: OneTimeTokenType;
  relates_to: string;
  /** Seconds since the token was issued. */
  age_seconds: number;
}

/** Finds a token by any of `hashes` among `types`, locking it so one verification wins a race. */
export async function findOneTimeToken(
  db: Queryable,
  hashes: readonly string[],
  types: readonly OneTimeTokenType[],
): Promise<FoundToken | undefined> {
  const rows = await db.query<FoundToken>(
    `select user_id, token_hash, token_type::text as token_type, relates_to,
            extract(epoch from (now() at time zone 'UTC') - created_at)::float8 as age_seconds
       from auth.one_time_tokens
      where token_hash = any($1::text[]) and token_type::text = any($2::text[])
      limit 1
      for update`,
    [hashes, types],
  );
  return rows[0];
}

export async function deleteOneTimeTokens(db: Queryable, userId: string, types: readonly OneTimeTokenType[]): Promise<void> {
  await db.query(`delete from auth.one_time_tokens where user_id = $1 and token_type::text = any($2::text[])`, [userId, types]);
  const clear = types.map((type) => `${userColumn[type]} = ''`).join(', ');
  await db.query(`update auth.users set ${clear} where id = $1`, [userId]);
}

/** The user's pending token of `type`, for a check against one known user (phone codes). */
export async function findUserOneTimeToken(db: Queryable, userId: string, type: OneTimeTokenType): Promise<FoundToken | undefined> {
  const rows = await db.query<FoundToken>(
    `select user_id, token_hash, token_type::text as token_type, relates_to,
            extract(epoch from (now() at time zone 'UTC') - created_at)::float8 as age_seconds
       from auth.one_time_tokens
      where user_id = $1 and token_type = $2::auth.one_time_token_type`,
    [userId, type],
  );
  return rows[0];
}
