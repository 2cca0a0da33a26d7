/**
 * What decides whether a credential change needs a step-up: the user's verified MFA factors
 * (auth.mfa_factors, as GoTrue writes them) and the caller's session (its aal, its age, how it began).
 */
import type { Queryable } from './db.js';

/** AMR methods GoTrue counts as a recovery sign-in (a mailed link or code): no current password asked. */
const MAILED_SIGN_IN_METHODS = ['otp', 'magiclink', 'recovery'];

export interface StepUpFacts {
  has_verified_factor: boolean;
  /** The session's aal ('aal1', 'aal2'…); null without a session. */
  session_aal: string | null;
  /** Seconds since the session began, by the database's clock; null without a session or its time. */
  session_age_seconds: number | null;
  /** Whether the session began with a mailed link or code. */
  session_from_mailed_code: boolean;
}

/** One round trip; only credential changes (password, email, phone) ask. */
export async function stepUpFacts(db: Queryable, userId: string, sessionId: string | null): Promise<StepUpFacts> {
  const rows = await db.query<StepUpFacts>(
    `select exists (select 1 from auth.mfa_factors f where f.user_id = $1 and f.status = 'verified') as has_verified_factor,
            s.aal::text as session_aal,
            extract(epoch from now() - s.created_at)::float8 as session_age_seconds,
            exists (select 1 from auth.mfa_amr_claims c
                     where c.session_id = s.id and c.authentication_method = any($3::text[])) as session_from_mailed_code
       from (select 1) as one
       left join auth.sessions s on s.id = $2::uuid and s.user_id = $1`,
    [userId, sessionId, MAILED_SIGN_IN_METHODS],
  );
  return rows[0];
}
