/**
 * POST /factors/{id}/challenge for a TOTP factor (GoTrue's challengeTOTPFactor): a challenge bound to
 * the caller's IP address, valid for GOTRUE_MFA_CHALLENGE_EXPIRY_DURATION seconds, recorded with the
 * factor's last_challenged_at and an audit entry in one transaction.
 */
import { randomUUID } from 'node:crypto';
import { insertChallenge, insertFactorAudit, type OwnedFactor } from '../../store/mfa-factors.js';
import type { Caller } from '../authenticate.js';
import type { AuthDeps } from '../deps.js';
import { requireVerifyEnabled } from './access.js';

export interface ChallengeResponse {
  id: string;
  type: string;
  /** Unix seconds. */
  expires_at: number;
}

/** GoTrue turns the expiry into a duration of whole seconds (time.Duration of the float). */
export const challengeLifetimeSeconds = (deps: AuthDeps): number => Math.trunc(deps.config.mfaChallengeExpirySeconds);

export async function challengeFactor(deps: AuthDeps, caller: Caller, factor: OwnedFactor, ip: string): Promise<ChallengeResponse> {
  requireVerifyEnabled(deps, factor.factor_type, 'challenge');
  const challengeId = randomUUID();
  const created = await deps.db.transaction(async (tx) => {
    const row = await insertChallenge(tx, factor.id, challengeId, ip);
    await insertFactorAudit(tx, {
      actorId: caller.user.id,
      action: 'challenge_created',
      traits: { factor_id: factor.id, factor_status: factor.status },
      ip,
    });
    return row;
  });
  return { id: challengeId, type: factor.factor_type, expires_at: Math.floor(created.created_at_epoch) + challengeLifetimeSeconds(deps) };
}

