/**
 * Phone factors, as GoTrue serves them (enrollPhoneFactor, challengePhoneFactor, verifyPhoneFactor):
 * a number enrolled once per user, a code of GOTRUE_MFA_PHONE_OTP_LENGTH digits sent by SMS or
 * WhatsApp at each challenge (at most one per GOTRUE_MFA_PHONE_MAX_FREQUENCY per factor), and kept
 * in the challenge's otp_code as GoTrue keeps it (plain, or sealed under GoTrue's database
 * encryption), so a challenge made by either server verifies on the other. With Twilio Verify,
 * Twilio makes and checks the code.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { dbEncryptionOf } from '../../config/db-encryption-settings.js';
import { FoyerError } from '../../errors.js';
import { constantTimeEqual } from '../../security/crypto.js';
import { DecryptionError, openStoredValue, sealStoredValue } from '../../security/encrypted-string.js';
import { SmsSendError } from '../../sms/sender.js';
import { renderSmsTemplate } from '../../sms/template.js';
import { deleteChallenge, insertFactorAudit, type OwnedFactor } from '../../store/mfa-factors.js';
import {
  challengeOtpCode,
  deleteFactorsById,
  insertPhoneFactor,
  lockFactorForChallenge,
  phoneFactorsFor,
  setChallengeOtpCode,
} from '../../store/mfa-phone.js';
import type { Caller } from '../authenticate.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { phoneChannel } from '../phone/channel.js';
import { normalizePhone } from '../validate.js';
import { admitNewFactor, lockEnrollingUser, nameConflictOnUniqueViolation } from './admission.js';
import { recordChallenge, type ChallengeResponse } from './challenge-record.js';

export interface PhoneEnrollResponse {
  id: string;
  type: 'phone';
  friendly_name: string;
  /** The number as the client sent it (GoTrue echoes the request's). */
  phone: string;
}

const verifiedFactorExists = () =>
  new FoyerError('mfa_verified_factor_exists', 'A verified phone factor already exists, unenroll the existing factor to continue');

/**
 * Enrols `phone` for the caller. A verified factor of the user with the same number refuses it; an
 * unverified one is replaced. Then GoTrue's general rules (admission.ts), in the same transaction.
 */
export async function enrollPhoneFactor(
  deps: AuthDeps,
  caller: Caller,
  sessionId: string,
  input: { readonly friendlyName?: string; readonly phone?: string },
  meta: RequestMeta,
): Promise<PhoneEnrollResponse> {
  if (!input.phone) throw new FoyerError('validation_failed', 'Phone number required to enroll Phone factor');
  const phone = normalizePhone(input.phone);
  const friendlyName = input.friendlyName ?? '';
  const userId = caller.user.id;
  const factorId = randomUUID();
  await deps.db
    .transaction(async (tx) => {
      await lockEnrollingUser(tx, userId);
      const samePhone = await phoneFactorsFor(tx, userId, phone);
      if (samePhone.some((factor) => factor.verified)) throw verifiedFactorExists();
      await deleteFactorsById(tx, samePhone.map((factor) => factor.id));
      await admitNewFactor(deps, tx, { userId, sessionId, friendlyName });
      await insertPhoneFactor(tx, { id: factorId, userId, friendlyName, phone });
      await insertFactorAudit(tx, { actorId: userId, action: 'factor_in_progress', traits: { factor_id: factorId, factor_type: 'phone' }, ip: meta.ip });
    })
    .catch((error: unknown) => {
      // GoTrue's unique index on (user_id, phone): the number was enrolled meanwhile (the admin's rename of a number).
      const constraint = (error as { constraint_name?: string; constraint?: string }).constraint_name ?? (error as { constraint?: string }).constraint;
      if ((error as { code?: string }).code === '23505' && constraint === 'unique_phone_factor_per_user') throw verifiedFactorExists();
      return nameConflictOnUniqueViolation(friendlyName)(error);
    });
  return { id: factorId, type: 'phone', friendly_name: friendlyName, phone: input.phone };
}

/** A code of `length` random digits (GoTrue's crypto.GenerateOtp). */
const newCode = (length: number): string => Array.from({ length }, () => String(randomInt(0, 10))).join('');

/**
 * Sends a new code to the factor's phone and records the challenge. The checks (channel, frequency)
 * come first; the challenge and its code are written before the message goes, in one transaction, so
 * a provider that fails leaves no challenge behind and does not count against the frequency.
 */
export async function challengePhoneFactor(
  deps: AuthDeps,
  caller: Caller,
  factor: OwnedFactor,
  ip: string,
  rawChannel: string | undefined,
): Promise<ChallengeResponse> {
  const { config } = deps;
  const channel = phoneChannel(deps, rawChannel);
  const phone = factor.phone ?? '';
  if (phone === '') throw new FoyerError('validation_failed', 'This phone factor has no phone number');
  const code = newCode(config.mfaPhoneOtpLength);
  const challengeId = randomUUID();
  return deps.db.transaction(async (tx) => {
    // Locked, so two challenges at once cannot both pass the frequency check and both send a code.
    const state = await lockFactorForChallenge(tx, factor.id);
    if (!state.exists) throw new FoyerError('mfa_factor_not_found', 'Factor not found');
    if (state.since_last_seconds !== null && state.since_last_seconds <= config.mfaPhoneMaxFrequencySeconds) {
      const waitSeconds = Math.max(1, Math.ceil(config.mfaPhoneMaxFrequencySeconds - state.since_last_seconds));
      throw new FoyerError('over_sms_send_rate_limit', `For security purposes, you can only request this after ${waitSeconds} seconds.`);
    }
    const answer = await recordChallenge(deps, tx, caller, factor, challengeId, ip);
    await setChallengeOtpCode(tx, challengeId, sealStoredValue(code, challengeId, dbEncryptionOf(config)));
    try {
      const sms = { kind: 'mfa', to: phone, channel, body: renderSmsTemplate(config.mfaPhoneTemplate, code), otp: code } as const;
      await deps.sms.send(tx, { ...sms, userId: caller.user.id, ip });
    } catch (error) {
      if (error instanceof SmsSendError) throw new FoyerError('sms_send_failed', `Error sending mfa OTP to provider: ${error.message}`);
      throw error;
    }
    return answer;
  });
}

const challengeExpired = (challengeId: string) =>
  new FoyerError('mfa_challenge_expired', `MFA challenge ${challengeId} has expired, verify against another challenge or create a new challenge.`);

/**
 * Throws unless `code` is the code of the (unused, unexpired, same-address) challenge `challengeId`:
 * compared in constant time with the stored one, or checked by Twilio Verify. A wrong code leaves the
 * challenge usable, as in GoTrue; its stored code is re-sealed when it is in an older form.
 */
export async function checkPhoneCode(deps: AuthDeps, factor: OwnedFactor, challengeId: string, code: string): Promise<void> {
  const check = deps.sms.checkCode;
  if (check) {
    if (!(await check(factor.phone ?? '', code))) throw new FoyerError('otp_expired', 'Token has expired or is invalid');
    return;
  }
  const encryption = dbEncryptionOf(deps.config);
  const stored = await challengeOtpCode(deps.db, challengeId);
  let opened: { value: string; reencrypt: boolean };
  try {
    opened = openStoredValue(stored, challengeId, encryption);
  } catch (error) {
    // Sealed under a key this server is not given: the challenge cannot be used; a new one can.
    if (!(error instanceof DecryptionError)) throw error;
    await deleteChallenge(deps.db, challengeId);
    throw challengeExpired(challengeId);
  }
  if (stored !== '' && constantTimeEqual(opened.value, code)) return;
  if (stored !== '' && opened.reencrypt) await setChallengeOtpCode(deps.db, challengeId, sealStoredValue(opened.value, challengeId, encryption));
  throw new FoyerError('mfa_verification_failed', 'Invalid MFA Phone code entered');
}
