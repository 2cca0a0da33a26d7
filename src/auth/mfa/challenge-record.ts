/**
 * What every challenge writes, whatever its factor type (GoTrue's WriteChallengeToDatabase and its
 * audit entry), and how its answer tells the expiry: bound to the caller's IP address, valid for
 * GOTRUE_MFA_CHALLENGE_EXPIRY_DURATION seconds.
 */
import { insertChallenge, insertFactorAudit, type OwnedFactor } from '../../store/mfa-factors.js';
import type { Queryable } from '../../store/db.js';
import type { Caller } from '../authenticate.js';
import type { AuthDeps } from '../deps.js';

export interface ChallengeResponse {
  id: string;
  type: string;
  /** Unix seconds. */
  expires_at: number;
}

/** GoTrue turns the expiry into a duration of whole seconds (time.Duration of the float). */
export const challengeLifetimeSeconds = (deps: AuthDeps): number => Math.trunc(deps.config.mfaChallengeExpirySeconds);

/** Writes the challenge (and the factor's last_challenged_at) and its audit entry inside `tx`; the answer. */
export async function recordChallenge(
  deps: AuthDeps,
  tx: Queryable,
  caller: Caller,
  factor: OwnedFactor,
  challengeId: string,
  ip: string,
): Promise<ChallengeResponse> {
  const created = await insertChallenge(tx, factor.id, challengeId, ip);
  await insertFactorAudit(tx, {
    actorId: caller.user.id,
    action: 'challenge_created',
    traits: { factor_id: factor.id, factor_status: factor.status },
    ip,
  });
  return { id: challengeId, type: factor.factor_type, expires_at: Math.floor(created.created_at_epoch) + challengeLifetimeSeconds(deps) };
}
