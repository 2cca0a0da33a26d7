/**
 * GET /reauthenticate: sends the signed-in user a nonce that a later password change presents as
 * `nonce`, as GoTrue's Reauthenticate does: mailed to a user with an email (a code of GoTrue's length),
 * else texted by SMS to its phone (GOTRUE_SMS_OTP_LENGTH digits, through the phone code path: its
 * frequency, test numbers, SMS budget, provider or send-SMS hook). With the send-email hook on, the
 * mailed nonce goes to the hook. GoTrue's checks and order.
 */
import { FoyerError } from '../../errors.js';
import { customiseMail, isCustomised } from '../../mail/custom-mail.js';
import { renderReauthenticationMail } from '../../mail/templates.js';
import { insertAuditEntry } from '../../store/audit.js';
import { lockReauthenticationState, saveReauthenticationToken } from '../../store/reauthentication.js';
import type { Caller } from '../authenticate.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { sendEmailHookEnabled, sendMailThroughHook } from '../hooks/send-email.js';
import { assertMailFrequency, newOtp, spendMailBudget, tokenHash } from '../mail-links.js';
import { sendPhoneCode } from '../phone/send-code.js';

/** The answer: `message_id` when an SMS went out with one (GoTrue's shape), else `{}`. */
export interface ReauthenticateResponse {
  message_id?: string;
}

export async function sendReauthenticationNonce(deps: AuthDeps, caller: Caller, meta: RequestMeta): Promise<ReauthenticateResponse> {
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
  let messageId = '';
  await deps.db.transaction(async (tx) => {
    // Locked, so two requests at once cannot both pass the frequency check and both send a code.
    const state = await lockReauthenticationState(tx, user.id);
    if (!state) throw new FoyerError('user_not_found', 'User not found');
    await insertAuditEntry(tx, { actorId: user.id, action: 'user_reauthenticate_requested', logType: 'user', traits: {}, ip: meta.ip });
    if (email === '') {
      // A phone-only user: GoTrue texts the nonce, always by SMS.
      messageId = await sendPhoneCode(deps, tx, { userId: user.id, lastSentAt: state.sent_at, phone, kind: 'reauthentication', channel: 'sms', ip: meta.ip });
      return;
    }
    assertMailFrequency(deps.config, state.sent_at);
    const otp = newOtp();
    await spendMailBudget(deps, tx);
    await saveReauthenticationToken(tx, { userId: user.id, hash: tokenHash(email, otp), relatesTo: email });
    // Sent last, inside the transaction: if delivery fails, the new nonce is not kept either.
    if (sendEmailHookEnabled(deps)) {
      // GoTrue's redirect for a mail without a link: the site (no redirect_to is read here).
      const mail = { userId: user.id, actionType: 'reauthentication', token: otp, tokenHash: tokenHash(email, otp), redirectTo: deps.config.siteUrl } as const;
      await sendMailThroughHook(deps, tx, mail, meta.ip);
    } else {
      const config = deps.config;
      let content = renderReauthenticationMail(otp);
      if (isCustomised(config, 'reauthentication')) {
        // GoTrue gives the reauthentication template the site, the address, the code and the metadata.
        const data = { SiteURL: config.siteUrl, Email: email, Token: otp, Data: user.user_metadata ?? {} };
        content = await customiseMail(config, 'reauthentication', data, content);
      }
      await deps.mailer.send(tx, { kind: 'reauthentication', to: email, ...content });
    }
  });
  return messageId === '' ? {} : { message_id: messageId };
}
