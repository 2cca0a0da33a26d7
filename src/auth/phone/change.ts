/**
 * PUT /user {phone}: GoTrue's phone change. Under GOTRUE_SMS_AUTOCONFIRM the number applies at once;
 * otherwise a code goes to the new number and POST /verify {type: phone_change} applies it. Either way
 * an anonymous user becomes permanent only once the number is its own (src/auth/promotion.ts), keeping
 * its id and everything it owns.
 */
import { FoyerError } from '../../errors.js';
import type { SmsChannel } from '../../sms/sender.js';
import type { Queryable } from '../../store/db.js';
import { phoneTaken, recomputeProviders, type UserRow } from '../../store/users.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { promoteToPermanent } from '../promotion.js';
import { sendPhoneCode } from './send-code.js';
import { confirmPhoneChange } from './verify.js';

/** Runs in PUT /user's transaction, `user` locked; `phone` normalised and different from the current one. */
export async function changePhone(
  deps: AuthDeps,
  tx: Queryable,
  user: UserRow,
  change: { readonly phone: string; readonly channel: SmsChannel },
  meta: RequestMeta,
): Promise<void> {
  const { config } = deps;
  if (await phoneTaken(tx, change.phone, user.aud ?? config.jwtAud, user.id)) {
    throw new FoyerError('phone_exists', 'A user with this phone number has already been registered');
  }
  if (config.smsAutoconfirm) {
    await confirmPhoneChange(deps, tx, user.id, change.phone);
    await promoteToPermanent(tx, user.id, 'phone', meta.ip);
    await recomputeProviders(tx, user.id);
    return;
  }
  await sendPhoneCode(deps, tx, { userId: user.id, lastSentAt: user.phone_change_sent_at, phone: change.phone, kind: 'phone_change', channel: change.channel, ip: meta.ip });
}
