/**
 * Checks a reauthentication nonce as GoTrue does: the hash of the user's address (its email, else its
 * phone) and the nonce against the stored hash, within the code lifetime (GOTRUE_MAILER_OTP_EXP for a
 * mailed nonce, GOTRUE_SMS_OTP_EXP for a texted one); with Twilio Verify, Twilio checks a texted one.
 * The caller spends it: the password change that follows in the same transaction clears it, so a
 * nonce works once, and not at all if that change fails.
 */
import { FoyerError } from '../../errors.js';
import { constantTimeEqual } from '../../security/crypto.js';
import type { Queryable } from '../../store/db.js';
import { lockReauthenticationState } from '../../store/reauthentication.js';
import type { UserRow } from '../../store/users.js';
import type { AuthDeps } from '../deps.js';
import { tokenHash } from '../mail-links.js';

const notValid = () => new FoyerError('reauthentication_not_valid', 'Nonce has expired or is invalid');

/** Throws `reauthentication_not_valid` unless `nonce` is the user's pending, unexpired nonce; locks the user row. */
export async function verifyReauthenticationNonce(deps: AuthDeps, tx: Queryable, user: UserRow, nonce: string): Promise<void> {
  const { config } = deps;
  const state = await lockReauthenticationState(tx, user.id);
  if (!state || state.token_hash === '' || state.sent_age_seconds === null) throw notValid();
  let address: string;
  let lifetimeSeconds: number;
  if (user.email) {
    address = user.email;
    lifetimeSeconds = config.mailerOtpExpSeconds;
  } else if (user.phone) {
    const check = deps.sms.checkCode;
    if (check) {
      // Twilio Verify made and sent the nonce: only Twilio can say whether it is right (GoTrue's answer if not).
      if (!(await check(user.phone, nonce))) throw new FoyerError('otp_expired', 'Token has expired or is invalid');
      return;
    }
    address = user.phone;
    lifetimeSeconds = config.smsOtpExpSeconds;
  } else {
    throw new FoyerError('reauthentication_not_valid', 'Reauthentication requires an email or a phone number');
  }
  const matches = constantTimeEqual(tokenHash(address, nonce), state.token_hash);
  if (!matches || state.sent_age_seconds > lifetimeSeconds) throw notValid();
}
