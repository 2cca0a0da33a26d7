/**
 * PUT /user {email} when the address needs confirming: GoTrue's email change. An anonymous user has
 * no current address, so only the new one is mailed; a permanent user with secure email change on
 * confirms from both addresses. With the send-email hook, both codes go to it in one call, as in GoTrue.
 */
import { FoyerError } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { upsertIdentity } from '../store/identities.js';
import { emailTaken, recomputeProviders, type UserRow } from '../store/users.js';
import type { AuthDeps } from './deps.js';
import { emailChangeHookMail, sendEmailHookEnabled, sendMailThroughHook } from './hooks/send-email.js';
import { assertMailFrequency, createMailToken, sendTokenMail, spendMailBudget, type PkceChallenge } from './mail-links.js';
import { promoteToPermanent, type ConversionMethod } from './promotion.js';

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
  const newToken = await createMailToken(tx, { userId: user.id, tokenType: 'email_change_token_new', to: newEmail, verifyType: 'email_change', pkce });
  // A permanent user confirms from the current address too (secure email change).
  const current = user.email && config.mailerSecureEmailChangeEnabled ? user.email : undefined;
  const currentToken = current
    ? await createMailToken(tx, { userId: user.id, tokenType: 'email_change_token_current', to: current, verifyType: 'email_change', pkce })
    : undefined;
  if (sendEmailHookEnabled(deps)) {
    // GoTrue hands both codes to the send-email hook in one call (one mail sent, as far as budgets go).
    await spendMailBudget(deps, tx);
    await sendMailThroughHook(deps, tx, emailChangeHookMail(user.id, redirectTo, newToken, currentToken));
    return;
  }
  const mail = { userId: user.id, kind: 'email_change', type: 'email_change', redirectTo, newEmail } as const;
  await sendTokenMail(deps, tx, { ...mail, to: newEmail, ...newToken });
  if (current && currentToken) await sendTokenMail(deps, tx, { ...mail, to: current, ...currentToken });
}

/**
 * The pending address becomes the user's, confirmed: by its link or code (`method` email) or by an
 * admin (`admin`). The address must be free (`email_exists` otherwise); an anonymous user turns
 * permanent with the same id. Runs in the caller's transaction, the user row locked.
 */
export async function completeEmailChange(
  deps: AuthDeps,
  tx: Queryable,
  change: { readonly user: UserRow; readonly address: string; readonly method: ConversionMethod; readonly ip: string | null },
): Promise<void> {
  const { user, address } = change;
  if (await emailTaken(tx, address, user.aud ?? deps.config.jwtAud, user.id)) {
    throw new FoyerError('email_exists', 'A user with this email address has already been registered');
  }
  await tx.query(
    `update auth.users set email = email_change, email_change = '', email_change_sent_at = null, email_change_confirm_status = 0,
            email_confirmed_at = coalesce(email_confirmed_at, now()),
            raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb) || '{"email_verified": true}'::jsonb,
            updated_at = now() where id = $1`,
    [user.id],
  );
  await upsertIdentity(tx, {
    userId: user.id,
    provider: 'email',
    providerId: user.id,
    identityDataJson: JSON.stringify({ sub: user.id, email: address, email_verified: true, phone_verified: false }),
  });
  await promoteToPermanent(tx, user.id, change.method, change.ip);
  await recomputeProviders(tx, user.id);
}
