/**
 * POST /factors/{id}/verify for TOTP and phone factors (GoTrue's VerifyFactor, verifyTOTPFactor,
 * verifyPhoneFactor; WebAuthn factors: webauthn.ts). The challenge must be this factor's, unused, from
 * the same IP address and unexpired (an expired one is deleted). The code is checked by the factor's
 * type: a TOTP code valid now, for a later time step than any code this factor accepted before (Foyer's
 * rule: a code works once); a phone factor's code is the challenge's own (phone.ts). Then, in one
 * transaction: the challenge is used, the factor verified and the session raised (raise-session.ts).
 * The answer is a new session: access and refresh token.
 */
import { dbEncryptionOf } from '../../config/db-encryption-settings.js';
import { FoyerError } from '../../errors.js';
import { DecryptionError, openStoredValue, sealStoredValue, type DbEncryption } from '../../security/encrypted-string.js';
import type { Queryable } from '../../store/db.js';
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
import { checkMfaVerificationAttempt } from '../hooks/mfa-verification-attempt.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { sessionResponse, type SessionResponse } from '../tokens.js';
import { requireSession, requireVerifyEnabled } from './access.js';
import { challengeLifetimeSeconds } from './challenge-record.js';
import { checkPhoneCode } from './phone.js';
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

/** What a factor type's check leaves for the verification's transaction (TOTP: the step it used). */
type ProofRecorder = (tx: Queryable) => Promise<void>;

/** Throws unless `code` is valid now; then the step it used is recorded (once) with the verification. */
async function checkTotpCode(deps: AuthDeps, factor: OwnedFactor, code: string, encryption: DbEncryption): Promise<ProofRecorder> {
  const secret = openSecret(factor, encryption);
  const step = await matchTotpStep(secret.value, code, Date.now());
  if (step === undefined) {
    // GoTrue re-encrypts the secret on every read that finds it in an older form, even a failed one.
    if (secret.reencrypt) await updateFactorSecret(deps.db, factor.id, sealStoredValue(secret.value, factor.id, encryption));
    throw invalidCode();
  }
  return async (tx) => {
    if (!(await recordTotpStep(tx, factor.id, step))) throw invalidCode();
    if (secret.reencrypt) await updateFactorSecret(tx, factor.id, sealStoredValue(secret.value, factor.id, encryption));
  };
}

export async function verifyFactor(deps: AuthDeps, caller: Caller, factor: OwnedFactor, input: VerifyInput, meta: RequestMeta): Promise<SessionResponse> {
  const { config, db } = deps;
  const code = input.code ?? '';
  if (code === '' && factor.factor_type !== 'webauthn') throw new FoyerError('validation_failed', 'Code needs to be non-empty');
  requireVerifyEnabled(deps, factor.factor_type, 'verify');
  const ip = meta.ip ?? '0.0.0.0';
  const challenge = await usableChallenge(deps, factor, input.challengeId, ip);

  const encryption = dbEncryptionOf(config);
  let recordProof: ProofRecorder = async () => {};
  let wrongCode: FoyerError | undefined;
  try {
    if (factor.factor_type === 'phone') await checkPhoneCode(deps, factor, challenge.id, code);
    else recordProof = await checkTotpCode(deps, factor, code, encryption);
  } catch (error) {
    if (!(error instanceof FoyerError) || error.code !== 'mfa_verification_failed') throw error;
    wrongCode = error;
  }
  // GoTrue asks the MFA verification attempt hook once the code is checked, before acting on it.
  await checkMfaVerificationAttempt(deps, { userId: caller.user.id, factorId: factor.id, factorType: factor.factor_type, valid: !wrongCode, ip: meta.ip });
  if (wrongCode) throw wrongCode;
  const sessionId = requireSession(caller, 'verify a factor');
  const userId = caller.user.id;

  const result = await db
    .transaction(async (tx) => {
      if (!(await consumeChallenge(tx, challenge.id))) throw challengeUnusable();
      await recordProof(tx);
      await insertFactorAudit(tx, {
        actorId: userId,
        action: 'verification_attempted',
        traits: { factor_id: factor.id, challenge_id: challenge.id, factor_type: factor.factor_type },
        ip,
      });
      if (factor.status !== 'verified') await markFactorVerified(tx, factor.id);
      return raiseSession(deps, tx, { userId, sessionId, factorId: factor.id, factorType: factor.factor_type, ip });
    })
    .catch(factorGoneWhileVerifying);
  return sessionResponse(deps, result);
}
