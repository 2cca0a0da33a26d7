/**
 * The one seam every SMS goes through: `createSmsSender` picks the configured provider
 * (GOTRUE_SMS_PROVIDER) or, without one, the outbox table the admin API shows. The send-SMS hook is
 * one more implementation of SmsSender (src/auth/hooks/send-sms.ts, chosen before this one when the
 * hook is on); nothing else needs to know.
 */
import type { SmsProviderName } from '../config/sms-settings.js';
import type { Queryable } from '../store/db.js';
import { insertOutboxSms } from '../store/sms-outbox.js';
import { providerSender, type SmsProviderSettings } from './providers.js';

/** GoTrue's channels: `whatsapp` only through Twilio and Twilio Verify. */
export type SmsChannel = 'sms' | 'whatsapp';

/**
 * What the code is for; GoTrue names it in a failed send's message ("Error sending confirmation OTP …").
 * `mfa`: a phone factor's challenge; `reauthentication`: the nonce of GET /reauthenticate; `test`: the
 * console's "Send a test SMS".
 */
export type SmsKind = 'confirmation' | 'phone_change' | 'reauthentication' | 'mfa' | 'test';

export interface OutgoingSms {
  readonly kind: SmsKind;
  /** The number as GoTrue stores it: E.164 digits without the "+". */
  readonly to: string;
  readonly channel: SmsChannel;
  /** The rendered GOTRUE_SMS_TEMPLATE. */
  readonly body: string;
  /** The code alone (Twilio's WhatsApp content templates take it as a variable). */
  readonly otp: string;
  /** The user the code is for (the send-SMS hook's `user`); absent for a test SMS. */
  readonly userId?: string;
  /** The client's address (the send-SMS hook's `metadata.ip_address`). */
  readonly ip?: string | null;
}

/** A send that did not go through; `message` says why and never holds a credential. */
export class SmsSendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SmsSendError';
  }
}

export interface SmsSender {
  readonly mode: 'provider' | 'outbox' | 'hook';
  readonly provider: SmsProviderName | undefined;
  supportsChannel(channel: SmsChannel): boolean;
  /**
   * Sends inside the caller's transaction (the outbox row commits or rolls back with the code it
   * carries). Resolves with the provider's message id ('' when it gives none); rejects with
   * SmsSendError when the provider refused, failed, timed out or answered something unreadable.
   */
  send(tx: Queryable, sms: OutgoingSms): Promise<string>;
  /**
   * Providers that make and check the codes themselves (Twilio Verify): whether `code` is right for
   * `phone`. Undefined for the others, whose codes Foyer stores and checks.
   */
  readonly checkCode: ((phone: string, code: string) => Promise<boolean>) | undefined;
}

export type SmsSenderSettings = SmsProviderSettings & { readonly smsProvider: SmsProviderName | undefined };

const outbox: SmsSender = {
  mode: 'outbox',
  provider: undefined,
  supportsChannel: (channel) => channel === 'sms',
  send: (tx, sms) => insertOutboxSms(tx, { kind: sms.kind, to: sms.to, channel: sms.channel, body: sms.body }),
  checkCode: undefined,
};

export function createSmsSender(settings: SmsSenderSettings): SmsSender {
  if (!settings.smsProvider) return outbox;
  return providerSender(settings.smsProvider, settings);
}
