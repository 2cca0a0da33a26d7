/**
 * POST /factors/{id}/challenge (GoTrue's ChallengeFactor): the factor type's verify switch, then a
 * TOTP challenge (challengeTOTPFactor) here, or a phone challenge with its code by SMS (phone.ts).
 */
import { randomUUID } from 'node:crypto';
import type { OwnedFactor } from '../../store/mfa-factors.js';
import type { Caller } from '../authenticate.js';
import type { AuthDeps } from '../deps.js';
import { requireVerifyEnabled } from './access.js';
import { recordChallenge, type ChallengeResponse } from './challenge-record.js';
import { challengePhoneFactor } from './phone.js';

export { challengeLifetimeSeconds, type ChallengeResponse } from './challenge-record.js';

export interface ChallengeInput {
  /** Phone factors: `sms` (the default) or `whatsapp`. GoTrue reads no body for a TOTP challenge. */
  readonly channel?: string;
}

export async function challengeFactor(deps: AuthDeps, caller: Caller, factor: OwnedFactor, ip: string, input: ChallengeInput = {}): Promise<ChallengeResponse> {
  requireVerifyEnabled(deps, factor.factor_type, 'challenge');
  if (factor.factor_type === 'phone') return challengePhoneFactor(deps, caller, factor, ip, input.channel);
  const challengeId = randomUUID();
  return deps.db.transaction((tx) => recordChallenge(deps, tx, caller, factor, challengeId, ip));
}
