/**
 * GET /reauthenticate: mails the signed-in user a nonce (a code of GoTrue's length) that a later
 * password change presents as `nonce`. GoTrue's checks and order; SMS is not sent (Foyer has none).
 */
import { FoyerError } from '../../errors.js';
import { renderReauthenticationMail } from '../../mail/templates.js';
import { insertAuditEntry } from '../../store/audit.js';
import { lockReauthenticationState, saveReauthenticationToken } from '../../store/reauthentication.js';
import type { Caller } from '../authenticate.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { assertMailFrequency, newOtp, spendMailBudget, tokenHash } from '../mail-links.js';

export async function sendReauthenticationNonce(deps: AuthDeps, caller: Caller, meta: RequestMeta): Promise<void> {
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
  if (email === '') {
    // GoTrue would text the code; Foyer sends no SMS and says so, as for every flow that needs one.
    throw new FoyerError('phone_provider_disabled', 'Reauthentication by SMS is not available: Foyer sends no SMS');
  }
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
    await deps.mailer.send(tx, { kind: 'reauthentication', to: email, ...renderReauthenticationMail(otp) });
  });
}
