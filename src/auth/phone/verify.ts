/**
 * POST /verify {type: sms | phone_change, phone, token}: GoTrue's verifyUserAndToken and smsVerify.
 * The user is found by phone (sms) or by the number it is moving to (phone_change); the code is a test
 * number's fixed code, the provider's own check (Twilio Verify), or the stored hash, compared in
 * constant time and within GOTRUE_SMS_OTP_EXP. Success uses the code up (every pending token of the
 * user goes, as in GoTrue), so a replay finds nothing.
 */
import { timingSafeEqual } from 'node:crypto';
import { FoyerError } from '../../errors.js';
import { newRefreshToken } from '../../security/crypto.js';
import { insertAuditEntry } from '../../store/audit.js';
import type { Queryable } from '../../store/db.js';
import { findUserOneTimeToken } from '../../store/one-time-tokens.js';
import { applyPhoneChange, confirmPhone, lockUserByPhone, lockUserByPhoneChange } from '../../store/phone-users.js';
import { startSession } from '../../store/sessions.js';
import { phoneTaken, recomputeProviders, type UserRow } from '../../store/users.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { tokenHash } from '../mail-links.js';
import { promoteToPermanent } from '../promotion.js';
import { sessionResponse, withTokenHook, type SessionResponse } from '../tokens.js';
import { testOtpFor } from './test-otp.js';
import { newSessionId } from '../ids.js';

export type PhoneVerifyType = 'sms' | 'phone_change';

export interface PhoneVerifyInput {
  readonly type: PhoneVerifyType;
  /** Normalised (E.164 digits, no "+"). */
  readonly phone: string;
  readonly token: string;
}

const invalid = () => new FoyerError('otp_expired', 'Token has expired or is invalid');

const sameText = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

async function codeIsValid(deps: AuthDeps, tx: Queryable, user: UserRow, input: PhoneVerifyInput): Promise<boolean> {
  const testOtp = testOtpFor(deps.config, input.phone);
  if (testOtp !== undefined && sameText(input.token, testOtp)) return true;
  const pending = await findUserOneTimeToken(tx, user.id, input.type === 'sms' ? 'confirmation_token' : 'phone_change_token');
  if (!pending || pending.relates_to !== input.phone) return false;
  // Twilio Verify made and sent the code: only Twilio can say whether it is right (and when it expires).
  const check = deps.sms.checkCode;
  if (check) return check(input.phone, input.token);
  if (pending.age_seconds > deps.config.smsOtpExpSeconds) return false;
  return sameText(tokenHash(input.phone, input.token), pending.token_hash);
}

export async function verifyPhoneOtp(deps: AuthDeps, input: PhoneVerifyInput, meta: RequestMeta): Promise<SessionResponse> {
  const { config } = deps;
  const signedIn = await deps.db
    .transaction(async (tx) => {
      const user =
        input.type === 'sms' ? await lockUserByPhone(tx, input.phone, config.jwtAud) : await lockUserByPhoneChange(tx, input.phone, config.jwtAud);
      if (!user) throw invalid();
      if (user.banned_until && Date.parse(user.banned_until) > Date.now()) throw new FoyerError('user_banned', 'User is banned');
      if (!(await codeIsValid(deps, tx, user, input))) throw invalid();
      if (input.type === 'sms') {
        await insertAuditEntry(tx, { actorId: user.id, action: 'user_signedup', logType: 'team', traits: { provider: 'phone' }, ip: meta.ip });
        await confirmPhone(tx, user.id);
      } else {
        await insertAuditEntry(tx, { actorId: user.id, action: 'user_modified', logType: 'user', traits: {}, ip: meta.ip });
        await confirmPhoneChange(deps, tx, user.id, input.phone);
      }
      // A verified phone makes an anonymous user permanent, through the one promotion path.
      await promoteToPermanent(tx, user.id, 'phone', meta.ip);
      await recomputeProviders(tx, user.id);
      return openSession(deps, tx, user.id, meta);
    })
    .catch(phoneExistsOnConflict);
  return sessionResponse(deps, signedIn);
}

/** Moves the user to `phone` (its phone change confirmed, or applied at once under GOTRUE_SMS_AUTOCONFIRM). */
export async function confirmPhoneChange(deps: AuthDeps, tx: Queryable, userId: string, phone: string): Promise<void> {
  if (await phoneTaken(tx, phone, deps.config.jwtAud, userId)) {
    throw new FoyerError('phone_exists', 'A user with this phone number has already been registered');
  }
  await applyPhoneChange(tx, userId, phone);
}

/** The phone's unique index decides a race for one number: the loser is told the number is taken. */
export function phoneExistsOnConflict(error: unknown): never {
  if ((error as { code?: string }).code === '23505') {
    throw new FoyerError('phone_exists', 'A user with this phone number has already been registered');
  }
  throw error;
}

async function openSession(deps: AuthDeps, tx: Queryable, userId: string, meta: RequestMeta) {
  const sessionId = newSessionId();
  const refreshToken = newRefreshToken();
  const user = await startSession(tx, { userId, sessionId, refreshToken, authenticationMethod: 'otp', ...meta });
  if (!user) throw invalid();
  await insertAuditEntry(tx, { actorId: userId, action: 'login', logType: 'account', traits: { provider: 'phone', method: 'otp' }, ip: meta.ip });
  return withTokenHook(deps, tx, { user, sessionId, refreshToken, aal: 'aal1', amr: [{ method: 'otp', timestamp: Math.floor(Date.now() / 1000) }] }, { ip: meta.ip });
}
