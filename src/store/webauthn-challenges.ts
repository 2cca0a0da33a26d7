/**
 * SQL for auth.webauthn_challenges, written as GoTrue writes it: one row per ceremony in flight,
 * session_data the ceremony's state (go-webauthn's SessionData JSON), deleted when it is used.
 */
import type { Queryable } from './db.js';

/** GoTrue's challenge_type values (the table's check constraint). */
export type WebAuthnChallengeType = 'signup' | 'registration' | 'authentication';

export interface NewWebAuthnChallenge {
  readonly userId: string | null;
  readonly type: WebAuthnChallengeType;
  /** The session_data JSON object, serialized. */
  readonly sessionDataJson: string;
  readonly expirySeconds: number;
}

export interface WebAuthnChallengeRow {
  readonly id: string;
  readonly user_id: string | null;
  readonly session_data: unknown;
  /** Unix seconds. */
  readonly expires_at: number;
  /** Whether it had expired when it was consumed (by the database clock, as every process agrees on it). */
  readonly expired: boolean;
}

/** Stores a challenge; returns its id and when it expires (Unix seconds, as GoTrue answers). */
export async function insertWebAuthnChallenge(db: Queryable, challenge: NewWebAuthnChallenge): Promise<{ id: string; expires_at: number }> {
  const rows = await db.query<{ id: string; expires_at: number }>(
    `insert into auth.webauthn_challenges (id, user_id, challenge_type, session_data, created_at, expires_at)
     values (gen_random_uuid(), $1::uuid, $2, $3::jsonb, now(), now() + make_interval(secs => $4::double precision))
     returning id, floor(extract(epoch from expires_at))::float8 as expires_at`,
    [challenge.userId, challenge.type, challenge.sessionDataJson, challenge.expirySeconds],
  );
  return rows[0];
}

/**
 * Deletes and returns the challenge `id` of `type` bound to `userId` (null: bound to no user), in one
 * statement: two requests with the same challenge cannot both have it (a replay finds nothing).
 */
export async function consumeWebAuthnChallenge(
  db: Queryable,
  id: string,
  type: WebAuthnChallengeType,
  userId: string | null,
): Promise<WebAuthnChallengeRow | undefined> {
  const rows = await db.query<WebAuthnChallengeRow>(
    `delete from auth.webauthn_challenges
      where id = $1::uuid and challenge_type = $2 and user_id is not distinct from $3::uuid
      returning id, user_id, session_data, floor(extract(epoch from expires_at))::float8 as expires_at,
                expires_at < clock_timestamp() as expired`,
    [id, type, userId],
  );
  return rows[0];
}
