/**
 * PUT /user {email} when the address needs confirming: GoTrue's email change. An anonymous user has
 * no current address, so only the new one is mailed; a permanent user with secure email change on
 * confirms from both addresses.
 */
import { FoyerError } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { saveOneTimeToken } from '../store/one-time-tokens.js';
import { emailTaken, type UserRow } from '../store/users.js';
import type { AuthDeps } from './deps.js';
import { assertMailFrequency, newOtp, sendTokenMail, tokenHash } from './mail-links.js';

export async function requestEmailChange(
  deps: AuthDeps,
  tx: Queryable,
  user: UserRow,
  newEmail: string,
  redirectTo: string,
): Promise<void> {
  const { config } = deps;
  if (await emailTaken(tx, newEmail, user.aud ?? config.jwtAud, user.id)) {
    throw new FoyerError('email_exists', 'A user with this email address has already been registered');
  }
  assertMailFrequency(config, user.email_change_sent_at);
  const otpNew = newOtp();
  const hashNew = tokenHash(newEmail, otpNew);
  const confirmCurrent = Boolean(user.email) && config.mailerSecureEmailChangeEnabled;
  await tx.query(
    `update auth.users set email_change = $2, email_change_sent_at = now(), email_change_confirm_status = 0,
            email_change_token_current = '', updated_at = now() where id = $1`,
    [user.id, newEmail],
  );
  await saveOneTimeToken(tx, { userId: user.id, type: 'email_change_token_new', hash: hashNew, relatesTo: newEmail });
  await sendTokenMail(deps, tx, {
    kind: 'email_change',
    to: newEmail,
    type: 'email_change',
    hash: hashNew,
    otp: otpNew,
    redirectTo,
    newEmail,
  });
  if (confirmCurrent) {
    const current = user.email as string;
    const otpCurrent = newOtp();
    const hashCurrent = tokenHash(current, otpCurrent);
    await saveOneTimeToken(tx, { userId: user.id, type: 'email_change_token_current', hash: hashCurrent, relatesTo: current });
    await sendTokenMail(deps, tx, {
      kind: 'email_change',
      to: current,
      type: 'email_change',
      hash: hashCurrent,
      otp: otpCurrent,
      redirectTo,
      newEmail,
    });
  }
}
