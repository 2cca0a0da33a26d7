/**
 * SQL for phone factors as GoTrue writes them: the number in auth.mfa_factors.phone (E.164 digits, no
 * "+"; unique per user by GoTrue's index unique_phone_factor_per_user), and each challenge's code in
 * auth.mfa_challenges.otp_code (plain, or GoTrue's encrypted envelope under its database encryption).
 */
import type { Queryable } from './db.js';

export async function insertPhoneFactor(
  db: Queryable,
  factor: { id: string; userId: string; friendlyName: string; phone: string },
): Promise<void> {
  // GoTrue leaves the secret of a phone factor NULL.
  await db.query(
    `insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, phone)
     values ($1, $2, $3, 'phone', 'unverified', now(), now(), $4)`,
    [factor.id, factor.userId, factor.friendlyName, factor.phone],
  );
}

/** The user's phone factors for `phone`, verified first (what enrolment checks before adding another). */
export async function phoneFactorsFor(db: Queryable, userId: string, phone: string): Promise<{ id: string; verified: boolean }[]> {
  return db.query(
    `select id, status = 'verified' as verified from auth.mfa_factors
      where user_id = $1 and factor_type = 'phone' and phone = $2 order by status = 'verified' desc`,
    [userId, phone],
  );
}

export async function deleteFactorsById(db: Queryable, factorIds: readonly string[]): Promise<void> {
  if (factorIds.length > 0) await db.query('delete from auth.mfa_factors where id = any($1::uuid[])', [factorIds]);
}

/**
 * Locks the factor for the rest of the transaction (two challenges at once are counted one after the
 * other) and says how long ago it was last challenged, by the database's clock: null when never, or
 * when the factor is gone.
 */
export async function lockFactorForChallenge(db: Queryable, factorId: string): Promise<{ exists: boolean; since_last_seconds: number | null }> {
  const rows = await db.query<{ since_last_seconds: number | null }>(
    `select extract(epoch from clock_timestamp() - last_challenged_at)::float8 as since_last_seconds
       from auth.mfa_factors where id = $1 for update`,
    [factorId],
  );
  return rows.length ? { exists: true, since_last_seconds: rows[0].since_last_seconds } : { exists: false, since_last_seconds: null };
}

/** Stores a challenge's code, as stored (plain or sealed). */
export async function setChallengeOtpCode(db: Queryable, challengeId: string, storedCode: string): Promise<void> {
  await db.query('update auth.mfa_challenges set otp_code = $2 where id = $1', [challengeId, storedCode]);
}

/** The stored code of a challenge ('' when it has none: not a phone challenge, or written without one). */
export async function challengeOtpCode(db: Queryable, challengeId: string): Promise<string> {
  const rows = await db.query<{ otp_code: string | null }>('select otp_code from auth.mfa_challenges where id = $1', [challengeId]);
  return rows[0]?.otp_code ?? '';
}
