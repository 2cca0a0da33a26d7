/**
 * GoTrue's sendPhoneConfirmation: the one place a phone code (a confirmation, a phone change's, a
 * reauthentication nonce) is made, stored and sent, inside the caller's transaction. Order: the
 * per-user frequency, a test number's fixed code (no SMS), the instance-wide SMS budget, the code
 * stored (hash in auth.users and auth.one_time_tokens), and last the send. Storing before sending means a provider that refuses, fails or times out rolls everything
 * back, and a database write can no longer fail after an SMS went out.
 */
import { randomInt } from 'node:crypto';
import type { Config } from '../../config/load.js';
import { FoyerError } from '../../errors.js';
import { SmsSendError, type SmsChannel, type SmsKind } from '../../sms/sender.js';
import { renderSmsTemplate } from '../../sms/template.js';
import type { Queryable } from '../../store/db.js';
import { saveOneTimeToken } from '../../store/one-time-tokens.js';
import { markPhoneCodeSent } from '../../store/phone-users.js';
import { saveReauthenticationToken } from '../../store/reauthentication.js';
import type { AuthDeps } from '../deps.js';
import { tokenHash } from '../mail-links.js';
import { testOtpFor } from './test-otp.js';

export interface PhoneCodeRequest {
  readonly userId: string;
  /**
   * confirmation_sent_at, phone_change_sent_at for a phone change, reauthentication_sent_at for a
   * reauthentication nonce: what GOTRUE_SMS_MAX_FREQUENCY counts from.
   */
  readonly lastSentAt: string | null;
  /** Where the code goes: the user's phone, or the new number of a phone change. */
  readonly phone: string;
  readonly kind: Exclude<SmsKind, 'mfa' | 'test'>;
  readonly channel: SmsChannel;
  /** The client's address, for the send-SMS hook's metadata. */
  readonly ip?: string | null;
}

/** The code's hash where GoTrue keeps each kind (auth.users and auth.one_time_tokens), and when it went. */
async function storeCodeHash(tx: Queryable, request: PhoneCodeRequest, hash: string): Promise<void> {
  const { userId, phone } = request;
  switch (request.kind) {
    case 'reauthentication':
      await saveReauthenticationToken(tx, { userId, hash, relatesTo: phone });
      return;
    case 'phone_change':
      await markPhoneCodeSent(tx, userId, { kind: 'phone_change', newPhone: phone });
      await saveOneTimeToken(tx, { userId, type: 'phone_change_token', hash, relatesTo: phone });
      return;
    case 'confirmation':
      await markPhoneCodeSent(tx, userId, { kind: 'confirmation' });
      await saveOneTimeToken(tx, { userId, type: 'confirmation_token', hash, relatesTo: phone });
  }
}

/** A code of GOTRUE_SMS_OTP_LENGTH random digits. */
const newSmsOtp = (length: number): string => Array.from({ length }, () => String(randomInt(0, 10))).join('');

function assertSmsFrequency(config: Config, lastSentAt: string | null): void {
  if (!lastSentAt) return;
  const remainingMs = config.smsMaxFrequencySeconds * 1000 - (Date.now() - Date.parse(lastSentAt));
  if (remainingMs >= 0) {
    const waitSeconds = Math.max(1, Math.ceil(remainingMs / 1000));
    throw new FoyerError('over_sms_send_rate_limit', `For security purposes, you can only request this after ${waitSeconds} seconds.`);
  }
}

/** Resolves with the message id the client is told ('test-otp' for a test number, '' when there is none). */
export async function sendPhoneCode(deps: AuthDeps, tx: Queryable, request: PhoneCodeRequest): Promise<string> {
  const { config } = deps;
  // Before the test code, so that test numbers behave as real ones do (GoTrue's order).
  assertSmsFrequency(config, request.lastSentAt);
  const testOtp = testOtpFor(config, request.phone);
  if (testOtp === undefined && !config.smsAutoconfirm) {
    // GOTRUE_RATE_LIMIT_SMS_SENT caps SMS for the whole project, counted in the shared limiter store.
    const budget = await deps.rateLimits.consumeWithin(tx, 'sms_sent', 'global');
    if (!budget.allowed) throw new FoyerError('over_sms_send_rate_limit', 'SMS rate limit exceeded');
  }
  const otp = testOtp ?? newSmsOtp(config.smsOtpLength);
  await storeCodeHash(tx, request, tokenHash(request.phone, otp));
  if (testOtp !== undefined) return 'test-otp';
  try {
    return await deps.sms.send(tx, {
      kind: request.kind,
      to: request.phone,
      channel: request.channel,
      body: renderSmsTemplate(config.smsTemplate, otp),
      otp,
      userId: request.userId,
      ip: request.ip,
    });
  } catch (error) {
    if (error instanceof SmsSendError) {
      throw new FoyerError('sms_send_failed', `Error sending ${request.kind} OTP to provider: ${error.message}`);
    }
    throw error;
  }
}
