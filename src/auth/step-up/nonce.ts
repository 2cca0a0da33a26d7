/**
 * Checks a reauthentication nonce as GoTrue does: the hash of the user's address and the nonce against
 * the stored hash, within the code lifetime. The caller spends it: the password change that follows in
 * the same transaction clears it, so a nonce works once, and not at all if that change fails.
 */
import type { Config } from '../../config/load.js';
import { FoyerError } from '../../errors.js';
import { constantTimeEqual } from '../../security/crypto.js';
import type { Queryable } from '../../store/db.js';
import { lockReauthenticationState } from '../../store/reauthentication.js';
import type { UserRow } from '../../store/users.js';
import { tokenHash } from '../mail-links.js';

/**
 * GoTrue's default SMS code lifetime. Foyer sends no SMS, so a phone-only user's nonce can only be one
 * GoTrue sent before Foyer took over; GOTRUE_SMS_OTP_EXP is not read.
 */
const SMS_NONCE_LIFETIME_SECONDS = 60;

const notValid = () => new FoyerError('reauthentication_not_valid', 'Nonce has expired or is invalid');

/** Throws `reauthentication_not_valid` unless `nonce` is the user's pending, unexpired nonce; locks the user row. */
export async function verifyReauthenticationNonce(config: Config, tx: Queryable, user: UserRow, nonce: string): Promise<void> {
  const state = await lockReauthenticationState(tx, user.id);
  if (!state || state.token_hash === '' || state.sent_age_seconds === null) throw notValid();
  let address: string;
  let lifetimeSeconds: number;
  if (user.email) {
    address = user.email;
    lifetimeSeconds = config.mailerOtpExpSeconds;
  } else if (user.phone) {
    address = user.phone;
    lifetimeSeconds = SMS_NONCE_LIFETIME_SECONDS;
  } else {
    throw new FoyerError('reauthentication_not_valid', 'Reauthentication requires an email or a phone number');
  }
  const matches = constantTimeEqual(tokenHash(address, nonce), state.token_hash);
  if (!matches || state.sent_age_seconds > lifetimeSeconds) throw notValid();
}
