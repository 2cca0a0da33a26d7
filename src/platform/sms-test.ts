/**
 * The console's "Send a test SMS": one message to the number an administrator typed, through what the
 * project texts its codes with (its SMS provider, its send-SMS hook, or the outbox), with its template
 * and a sample code. Nothing is stored but what that sender stores (the outbox row); a refusal is the
 * answer's `detail`, not an error of the request.
 */
import type { AuthDeps } from '../auth/deps.js';
import { normalizePhone } from '../auth/validate.js';
import { FoyerError } from '../errors.js';
import { SmsSendError, type SmsChannel } from '../sms/sender.js';
import { renderSmsTemplate } from '../sms/template.js';
import { invalid } from './errors.js';

export interface SmsTestResult {
  readonly ok: boolean;
  /** How the message went: the provider, the send-SMS hook, or the outbox table. */
  readonly via: AuthDeps['sms']['mode'];
  readonly provider: string | null;
  readonly message_id: string;
  readonly detail: string;
}

/** E.164 is at most 15 digits; anything longer is refused before it reaches the validator. */
const MAX_PHONE_LENGTH = 32;

export async function sendTestSms(deps: AuthDeps, input: { phone: unknown; channel: unknown }): Promise<SmsTestResult> {
  if (typeof input.phone !== 'string' || input.phone.trim() === '') throw invalid('phone is required');
  if (input.phone.length > MAX_PHONE_LENGTH) throw invalid(`phone must be at most ${MAX_PHONE_LENGTH} characters long`);
  const channel = input.channel ?? 'sms';
  if (channel !== 'sms' && channel !== 'whatsapp') throw invalid('channel must be sms or whatsapp');
  let phone: string;
  try {
    phone = normalizePhone(input.phone.trim());
  } catch {
    throw invalid('phone must be a number in E.164 form (+15551234567)');
  }
  const { sms, config } = deps;
  if (!sms.supportsChannel(channel as SmsChannel)) throw invalid('channel whatsapp needs Twilio or Twilio Verify as the SMS provider (or the send-SMS hook)');
  const otp = '1234567890'.slice(0, config.smsOtpLength);
  const base = { via: sms.mode, provider: sms.provider ?? null };
  try {
    const messageId = await deps.db.transaction((tx) =>
      sms.send(tx, { kind: 'test', to: phone, channel: channel as SmsChannel, body: renderSmsTemplate(config.smsTemplate, otp), otp }),
    );
    const where =
      sms.mode === 'provider' ? `${sms.provider} accepted it` : sms.mode === 'outbox' ? 'it waits in the SMS outbox (no provider is set)' : 'the send-SMS hook accepted it';
    return { ...base, ok: true, message_id: messageId, detail: `Sent to +${phone} with the sample code ${otp}: ${where}.` };
  } catch (error) {
    if (error instanceof SmsSendError || error instanceof FoyerError) {
      return { ...base, ok: false, message_id: '', detail: error.message };
    }
    throw error;
  }
}
