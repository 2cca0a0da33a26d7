/**
 * PUT /user {email} when the address needs confirming: GoTrue's email change. An anonymous user has
 * no current address, so only the new one is mailed; a permanent user with secure email change on
 * confirms from both addresses.
 */
import { FoyerError } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { emailTaken, type UserRow } from '../store/users.js';
import type { AuthDeps } from './deps.js';
import { assertMailFrequency, issueMailToken, type PkceChallenge } from './mail-links.js';

export async function requestEmailChange(
  deps: AuthDeps,
  tx: Queryable,
  user: UserRow,
  newEmail: string,
  redirectTo: string,
  pkce?: PkceChallenge,
): Promise<void> {
  const { config } = deps;
  if (await emailTaken(tx, newEmail, user.aud ?? config.jwtAud, user.id)) {
    throw new FoyerError('email_exists', 'A user with this email address has already been registered');
  }
  assertMailFrequency(config, user.email_change_sent_at);
  await tx.query(
    `update auth.users set email_change = $2, email_change_sent_at = now(), email_change_confirm_status = 0,
            email_change_token_current = '', updated_at = now() where id = $1`,
    [user.id, newEmail],
  );
  const mail = { userId: user.id, kind: 'email_change', verifyType: 'email_change', redirectTo, newEmail, pkce } as const;
  await issueMailToken(deps, tx, { ...mail, tokenType: 'email_change_token_new', to: newEmail });
  // A permanent user confirms from the current address too (secure email change).
  if (user.email && config.mailerSecureEmailChangeEnabled) {
    await issueMailToken(deps, tx, { ...mail, tokenType: 'email_change_token_current', to: user.email });
  }
}
