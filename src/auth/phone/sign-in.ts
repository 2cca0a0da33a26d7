/**
 * POST /otp with a phone (supabase-js signInWithOtp({phone})): GoTrue's SmsOtp. A number without a
 * confirmed user signs up (a new user, or the unconfirmed one already there) and gets a confirmation
 * code; under GOTRUE_SMS_AUTOCONFIRM the new user is confirmed and gets a sign-in code. A confirmed
 * user gets a sign-in code. Either way one transaction: a send that fails leaves no user behind.
 */
import { FoyerError } from '../../errors.js';
import { insertAuditEntry } from '../../store/audit.js';
import type { Queryable } from '../../store/db.js';
import { confirmPhone, lockUserByPhone, phoneHasUser } from '../../store/phone-users.js';
import { upsertIdentity } from '../../store/identities.js';
import { createUser } from '../hooks/before-user-created.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { metadataJson, normalizePhone } from '../validate.js';
import { phoneChannel } from './channel.js';
import { sendPhoneCode } from './send-code.js';
import { phoneExistsOnConflict } from './verify.js';
import { newUserId } from '../ids.js';

export interface PhoneOtpInput {
  readonly phone: string;
  readonly createUser: boolean;
  readonly data?: Record<string, unknown>;
  readonly channel?: string | null;
}

/** What POST /otp answers: `message_id` only when a code went to a confirmed user (GoTrue's SmsOtpResponse). */
export interface PhoneOtpResult {
  readonly message_id?: string;
}

/** A phone user as GoTrue's sign-up makes one (no password: the code is how it signs in). */
async function insertPhoneUser(deps: AuthDeps, tx: Queryable, phone: string, data: Record<string, unknown> | undefined, meta: RequestMeta): Promise<string> {
  const id = newUserId(deps.config);
  const confirmed = deps.config.smsAutoconfirm;
  await createUser(deps, tx, {
    id,
    aud: deps.config.jwtAud,
    role: deps.config.jwtDefaultGroupName,
    email: null,
    phone,
    encryptedPassword: '',
    appMetadataJson: JSON.stringify({ provider: 'phone', providers: ['phone'] }),
    userMetadataJson: metadataJson(data),
    emailConfirmed: false,
    phoneConfirmed: confirmed,
    isAnonymous: false,
  }, meta.ip);
  await upsertIdentity(tx, {
    userId: id,
    provider: 'phone',
    providerId: id,
    identityDataJson: JSON.stringify({ sub: id, phone, email_verified: false, phone_verified: confirmed }),
  });
  const action = confirmed ? 'user_signedup' : 'user_confirmation_requested';
  await insertAuditEntry(tx, { actorId: id, action, logType: confirmed ? 'team' : 'user', traits: { provider: 'phone' }, ip: meta.ip });
  return id;
}

export async function sendPhoneOtp(deps: AuthDeps, input: PhoneOtpInput, meta: RequestMeta): Promise<PhoneOtpResult> {
  const { config } = deps;
  // GoTrue's order: create_user=false is settled first (it validates the number itself), then the provider.
  if (!input.createUser) {
    if (!(await phoneHasUser(deps.db, normalizePhone(input.phone), config.jwtAud))) {
      throw new FoyerError('otp_disabled', 'Signups not allowed for otp');
    }
  }
  if (!config.phoneEnabled) throw new FoyerError('phone_provider_disabled', 'Unsupported phone provider', { status: 400 });
  const phone = normalizePhone(input.phone);
  const channel = phoneChannel(deps, input.channel);

  return deps.db
    .transaction(async (tx): Promise<PhoneOtpResult> => {
      const user = await lockUserByPhone(tx, phone, config.jwtAud);
      // Not signed up yet, or never confirmed: this is a sign-up.
      const signingUp = !user?.phone_confirmed_at;
      if (signingUp && config.disableSignup) throw new FoyerError('signup_disabled', 'Signups not allowed for this instance');
      const userId = user?.id ?? (await insertPhoneUser(deps, tx, phone, input.data, meta));
      const lastSentAt = user?.confirmation_sent_at ?? null;
      if (signingUp) {
        if (!config.smsAutoconfirm) {
          await sendPhoneCode(deps, tx, { userId, lastSentAt, phone, kind: 'confirmation', channel, ip: meta.ip });
          return {};
        }
        if (user) await confirmPhone(tx, user.id);
      }
      await insertAuditEntry(tx, { actorId: userId, action: 'user_recovery_requested', logType: 'user', traits: { channel }, ip: meta.ip });
      const messageId = await sendPhoneCode(deps, tx, { userId, lastSentAt, phone, kind: 'confirmation', channel, ip: meta.ip });
      return messageId ? { message_id: messageId } : {};
    })
    .catch(phoneExistsOnConflict);
}
