/**
 * GET /reauthenticate: mails the signed-in user a nonce (a code of GoTrue's length) that a later
 * password change presents as `nonce`, or texts it to a user who has only a phone (GoTrue's
 * sendPhoneConfirmation with its reauthentication kind). GoTrue's checks and order.
 */
import { FoyerError } from '../../errors.js';
import { renderReauthenticationMail } from '../../mail/templates.js';
import { insertAuditEntry } from '../../store/audit.js';
import { lockReauthenticationState, saveReauthenticationToken } from '../../store/reauthentication.js';
import type { Caller } from '../authenticate.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { sendEmailHookEnabled, sendMailThroughHook } from '../hooks/send-email.js';
import { assertMailFrequency, newOtp, spendMailBudget, tokenHash } from '../mail-links.js';
import { sendPhoneCode } from '../phone/send-code.js';

/** Resolves with the SMS message id for a texted nonce ('' when mailed, or when the provider gives none). */
export async function sendReauthenticationNonce(deps: AuthDeps, caller: Caller, meta: RequestMeta): Promise<string> {
  const { user } = caller;
  const email = user.email ?? '';
  const phone = user.phone ?? '';
  if (email === '' && phone === '') {
    throw new FoyerError('validation_failed', 'Reauthentication requires the user to have an email or a phone number');
  }
  if (email !== '' && !user.email_confirmed_at) {
    throw new FoyerError('email_not_confirmed', 'Please verify your email first.', { status: 422 });
  }
  if (email === '' && !user.phone_confirmed_at) {
    throw new FoyerError('phone_not_confirmed', 'Please verify your phone first.', { status: 422 });
  }
  if (email === '') return textNonce(deps, caller, phone, meta);
  await deps.db.transaction(async (tx) => {
    // Locked, so two requests at once cannot both pass the frequency check and both mail a code.
    const state = await lockReauthenticationState(tx, user.id);
    if (!state) throw new FoyerError('user_not_found', 'User not found');
    await insertAuditEntry(tx, { actorId: user.id, action: 'user_reauthenticate_requested', logType: 'user', traits: {}, ip: meta.ip });
    assertMailFrequency(deps.config, state.sent_at);
    const otp = newOtp();
    await spendMailBudget(deps);
    await saveReauthenticationToken(tx, { userId: user.id, hash: tokenHash(email, otp), relatesTo: email });
    // Sent last, inside the transaction: if delivery fails, the new nonce is not kept either.
    if (sendEmailHookEnabled(deps)) {
      // GoTrue's redirect for a mail without a link: the site (no redirect_to is read here).
      const mail = { userId: user.id, actionType: 'reauthentication', token: otp, tokenHash: tokenHash(email, otp), redirectTo: deps.config.siteUrl } as const;
      await sendMailThroughHook(deps, tx, mail, meta.ip);
    } else {
      await deps.mailer.send(tx, { kind: 'reauthentication', to: email, ...renderReauthenticationMail(otp) });
    }
  });
  return '';
}

/** A phone-only user's nonce, by SMS: GOTRUE_SMS_MAX_FREQUENCY, the SMS budget, test numbers and channel as for any code. */
function textNonce(deps: AuthDeps, caller: Caller, phone: string, meta: RequestMeta): Promise<string> {
  const userId = caller.user.id;
  return deps.db.transaction(async (tx) => {
    const state = await lockReauthenticationState(tx, userId);
    if (!state) throw new FoyerError('user_not_found', 'User not found');
    await insertAuditEntry(tx, { actorId: userId, action: 'user_reauthenticate_requested', logType: 'user', traits: {}, ip: meta.ip });
    return sendPhoneCode(deps, tx, { userId, lastSentAt: state.sent_at, phone, kind: 'reauthentication', channel: 'sms', ip: meta.ip });
  });
}
