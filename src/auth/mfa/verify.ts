/**
 * POST /factors/{id}/verify for a TOTP factor (GoTrue's verifyTOTPFactor; WebAuthn factors: webauthn.ts).
 * The challenge must be this factor's, unused, from the same IP address and unexpired (an expired one
 * is deleted); the code must be valid now, for a later time step than any code this factor accepted
 * before (Foyer's rule: a code works once). Then, in one transaction: the challenge is used, the factor
 * verified and the session raised (raise-session.ts). The answer is a new session: access and refresh token.
 */
import { dbEncryptionOf } from '../../config/db-encryption-settings.js';
import { FoyerError } from '../../errors.js';
import { DecryptionError, openStoredValue, sealStoredValue, type DbEncryption } from '../../security/encrypted-string.js';
import {
  consumeChallenge,
  deleteChallenge,
  findChallenge,
  insertFactorAudit,
  markFactorVerified,
  recordTotpStep,
  updateFactorSecret,
  type ChallengeRow,
  type OwnedFactor,
} from '../../store/mfa-factors.js';
import { NIL_UUID } from '../../store/users.js';
import type { Caller } from '../authenticate.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { sessionResponse, type SessionResponse } from '../tokens.js';
import { requireSession, requireVerifyEnabled } from './access.js';
import { challengeLifetimeSeconds } from './challenge.js';
import { factorGoneWhileVerifying, raiseSession } from './raise-session.js';
import { matchTotpStep } from './totp.js';

export interface VerifyInput {
  /** A UUID (the route refuses anything else); absent reads as the nil UUID, as GoTrue reads it. */
  readonly challengeId?: string;
  readonly code?: string;
}

const invalidCode = () => new FoyerError('mfa_verification_failed', 'Invalid TOTP code entered');
const challengeUnusable = () => new FoyerError('mfa_ip_address_mismatch', 'Challenge and verify IP addresses mismatch.');

function openSecret(factor: OwnedFactor, encryption: DbEncryption): { value: string; reencrypt: boolean } {
  try {
    return openStoredValue(factor.secret ?? '', factor.id, encryption);
  } catch (error) {
    if (error instanceof DecryptionError) {
      throw new Error(`auth.mfa_factors ${factor.id}: the TOTP secret cannot be read: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/**
 * GoTrue's validateChallenge: the challenge must be this factor's, unused, from the same IP address and
 * unexpired (an expired one is deleted).
 */
export async function usableChallenge(deps: AuthDeps, factor: OwnedFactor, challengeId: string | undefined, ip: string): Promise<ChallengeRow> {
  const challenge = await findChallenge(deps.db, factor.id, challengeId ?? NIL_UUID, ip, challengeLifetimeSeconds(deps));
  if (!challenge) throw new FoyerError('mfa_factor_not_found', 'MFA factor with the provided challenge ID not found', { status: 422 });
  if (challenge.verified || !challenge.same_ip) throw challengeUnusable();
  if (challenge.expired) {
    await deleteChallenge(deps.db, challenge.id);
    throw new FoyerError(
      'mfa_challenge_expired',
      `MFA challenge ${challenge.id} has expired, verify against another challenge or create a new challenge.`,
    );
  }
  return challenge;
}

export async function verifyFactor(deps: AuthDeps, caller: Caller, factor: OwnedFactor, input: VerifyInput, meta: RequestMeta): Promise<SessionResponse> {
  const { config, db } = deps;
  const code = input.code ?? '';
  if (code === '' && factor.factor_type !== 'webauthn') throw new FoyerError('validation_failed', 'Code needs to be non-empty');
  requireVerifyEnabled(deps, factor.factor_type, 'verify');
  const ip = meta.ip ?? '0.0.0.0';
  const challenge = await usableChallenge(deps, factor, input.challengeId, ip);

  const encryption = dbEncryptionOf(config);
  const secret = openSecret(factor, encryption);
  const step = matchTotpStep(secret.value, code, Date.now());
  if (step === undefined) {
    // GoTrue re-encrypts the secret on every read that finds it in an older form, even a failed one.
    if (secret.reencrypt) await updateFactorSecret(db, factor.id, sealStoredValue(secret.value, factor.id, encryption));
    throw invalidCode();
  }
  const sessionId = requireSession(caller, 'verify a factor');
  const userId = caller.user.id;

  const result = await db
    .transaction(async (tx) => {
      if (!(await consumeChallenge(tx, challenge.id))) throw challengeUnusable();
      if (!(await recordTotpStep(tx, factor.id, step))) throw invalidCode();
      await insertFactorAudit(tx, {
        actorId: userId,
        action: 'verification_attempted',
        traits: { factor_id: factor.id, challenge_id: challenge.id, factor_type: factor.factor_type },
        ip,
      });
      if (factor.status !== 'verified') await markFactorVerified(tx, factor.id);
      if (secret.reencrypt) await updateFactorSecret(tx, factor.id, sealStoredValue(secret.value, factor.id, encryption));
      return raiseSession(deps, tx, { userId, sessionId, factorId: factor.id, factorType: factor.factor_type, ip });
    })
    .catch(factorGoneWhileVerifying);
  return sessionResponse(deps, result);
}
