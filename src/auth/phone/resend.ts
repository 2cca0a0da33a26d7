/**
 * POST /resend for phone codes, as GoTrue's Resend: `sms` sends a new confirmation code to a user whose
 * phone is not confirmed yet; `phone_change` a new code to the number a user is moving to. Nothing to
 * send (no such user, already confirmed, no change pending) answers `{}` like a send, so the endpoint
 * does not tell which numbers have accounts. Resent codes always go by SMS.
 */
import { FoyerError } from '../../errors.js';
import { insertAuditEntry } from '../../store/audit.js';
import { lockUserByPhone, pendingEmailOfPhone } from '../../store/phone-users.js';
import { lockUserByEmail, type UserRow } from '../../store/users.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { resend } from '../otp.js';
import { normalizeEmail, normalizePhone } from '../validate.js';
import { sendPhoneCode } from './send-code.js';

export interface ResendResult {
  readonly message_id?: string;
}

type Finder = { readonly phone: string } | { readonly email: string };

async function resendFor(deps: AuthDeps, type: 'sms' | 'phone_change', by: Finder, meta: RequestMeta): Promise<ResendResult> {
  const { config } = deps;
  const messageId = await deps.db.transaction(async (tx) => {
    const user: UserRow | undefined =
      'phone' in by ? await lockUserByPhone(tx, by.phone, config.jwtAud) : await lockUserByEmail(tx, by.email, config.jwtAud);
    if (!user) return '';
    if (type === 'sms') {
      if (user.phone_confirmed_at || !user.phone) return '';
      await insertAuditEntry(tx, { actorId: user.id, action: 'user_recovery_requested', logType: 'user', traits: {}, ip: meta.ip });
      return sendPhoneCode(deps, tx, { userId: user.id, lastSentAt: user.confirmation_sent_at, phone: user.phone, kind: 'confirmation', channel: 'sms', ip: meta.ip });
    }
    if (!user.new_phone) return '';
    return sendPhoneCode(deps, tx, { userId: user.id, lastSentAt: user.phone_change_sent_at, phone: user.new_phone, kind: 'phone_change', channel: 'sms', ip: meta.ip });
  });
  return messageId ? { message_id: messageId } : {};
}

/** POST /resend {type: sms | phone_change, phone}: the user is found by its (current) phone, as in GoTrue. */
export async function resendToPhone(deps: AuthDeps, input: { type: 'sms' | 'phone_change'; phone: string }, meta: RequestMeta): Promise<ResendResult> {
  if (!deps.config.phoneEnabled) throw new FoyerError('phone_provider_disabled', 'Phone logins are disabled', { status: 400 });
  return resendFor(deps, input.type, { phone: normalizePhone(input.phone) }, meta);
}

/** POST /resend {type: phone_change, email}: the code for the pending phone change of the user of `email`. */
export async function resendPhoneChangeByEmail(deps: AuthDeps, rawEmail: string, meta: RequestMeta): Promise<ResendResult> {
  return resendFor(deps, 'phone_change', { email: normalizeEmail(rawEmail) }, meta);
}

/** POST /resend {type: email_change, phone}: the mail to the pending address of the user of `phone`. */
export async function resendEmailChangeByPhone(deps: AuthDeps, rawPhone: string, redirectTo: string | undefined): Promise<ResendResult> {
  if (!deps.config.phoneEnabled) throw new FoyerError('phone_provider_disabled', 'Phone logins are disabled', { status: 400 });
  const phone = normalizePhone(rawPhone);
  const pending = await pendingEmailOfPhone(deps.db, phone, deps.config.jwtAud);
  if (pending) await resend(deps, { type: 'email_change', email: pending, redirectTo });
  return {};
}
