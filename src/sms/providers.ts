/**
 * GoTrue's five SMS providers (internal/api/sms_provider/), each sending exactly GoTrue's request —
 * URL, authentication, form fields — and reading the answer as GoTrue reads it. The four that send a
 * text Foyer wrote are data (a request builder and an answer reader); Twilio Verify also checks codes.
 */
import type { SmsProviderName } from '../config/sms-settings.js';
import { basicAuth, isSuccess, jsonObject, postForm, text, type ProviderAnswer, type ProviderRequest } from './http.js';
import { SmsSendError, type OutgoingSms, type SmsChannel, type SmsSender } from './sender.js';

export interface SmsProviderSettings {
  readonly smsProviderUrl: string | undefined;
  readonly smsProviderTimeoutSeconds: number;
  readonly smsTwilioAccountSid: string | undefined;
  readonly smsTwilioAuthToken: string | undefined;
  readonly smsTwilioMessageServiceSid: string | undefined;
  readonly smsTwilioContentSid: string | undefined;
  readonly smsTwilioVerifyAccountSid: string | undefined;
  readonly smsTwilioVerifyAuthToken: string | undefined;
  readonly smsTwilioVerifyMessageServiceSid: string | undefined;
  readonly smsMessagebirdAccessKey: string | undefined;
  readonly smsMessagebirdOriginator: string | undefined;
  readonly smsTextlocalApiKey: string | undefined;
  readonly smsTextlocalSender: string | undefined;
  readonly smsVonageApiKey: string | undefined;
  readonly smsVonageApiSecret: string | undefined;
  readonly smsVonageFrom: string | undefined;
}

interface ProviderSpec {
  /** GoTrue's API base; FOYER_SMS_PROVIDER_URL replaces it. */
  readonly apiBase: string;
  readonly channels: readonly SmsChannel[];
  request(settings: SmsProviderSettings, base: string, sms: OutgoingSms): ProviderRequest;
  /** The message id, or an SmsSendError with GoTrue's reading of the failure. */
  read(answer: ProviderAnswer, sms: OutgoingSms): string;
}

const need = (value: string | undefined): string => value ?? '';
const form = (fields: Record<string, string>) => new URLSearchParams(fields);

/** Twilio's error body: `{code, message, more_info, status}`. */
function twilioError(answer: ProviderAnswer): SmsSendError {
  const body = jsonObject(answer);
  return new SmsSendError(`${text(body.message)} More information: ${text(body.more_info)}`);
}

/** A sender given as a number (not a messaging service SID), as GoTrue tells them apart. */
const isPhoneNumber = (sender: string): boolean => /^[1-9][0-9]{1,14}$/.test(sender.replace(/^\+/, '').replace(/ /g, ''));

const twilio: ProviderSpec = {
  apiBase: 'https://api.twilio.com',
  channels: ['sms', 'whatsapp'],
  request(settings, base, sms) {
    const sid = need(settings.smsTwilioAccountSid);
    const url = `${base}/2010-04-01/Accounts/${sid}/Messages.json`;
    const headers = { authorization: basicAuth(sid, need(settings.smsTwilioAuthToken)) };
    const sender = need(settings.smsTwilioMessageServiceSid);
    if (sms.channel === 'sms') return { url, headers, form: form({ To: `+${sms.to}`, Channel: 'sms', From: sender, Body: sms.body }) };
    const fields: Record<string, string> = {
      To: `whatsapp:+${sms.to}`,
      Channel: 'whatsapp',
      From: isPhoneNumber(sender) ? `whatsapp:${sender}` : sender,
    };
    if (settings.smsTwilioContentSid) {
      // A WhatsApp authentication template: the code fills its variable 1 (GoTrue's exact JSON).
      fields.ContentSid = settings.smsTwilioContentSid;
      fields.ContentVariables = `{"1": "${sms.otp}"}`;
    } else {
      fields.Body = sms.body;
    }
    return { url, headers, form: form(fields) };
  },
  read(answer) {
    if (!isSuccess(answer.status)) throw twilioError(answer);
    const body = jsonObject(answer);
    const sid = text(body.sid);
    if (body.status === 'failed' || body.status === 'undelivered') {
      throw new SmsSendError(`twilio error: ${text(body.error_message)} ${text(body.error_code)} for message ${sid}`);
    }
    return sid;
  },
};

const verifyServicePath = (settings: SmsProviderSettings, base: string, what: 'Verifications' | 'VerificationCheck') =>
  `${base}/v2/Services/${need(settings.smsTwilioVerifyMessageServiceSid)}/${what}`;
const verifyAuth = (settings: SmsProviderSettings) => ({
  authorization: basicAuth(need(settings.smsTwilioVerifyAccountSid), need(settings.smsTwilioVerifyAuthToken)),
});

/** Twilio Verify makes the code and sends it itself: Foyer's text and code are not sent. */
const twilioVerify: ProviderSpec = {
  apiBase: 'https://verify.twilio.com',
  channels: ['sms', 'whatsapp'],
  request(settings, base, sms) {
    return { url: verifyServicePath(settings, base, 'Verifications'), headers: verifyAuth(settings), form: form({ To: `+${sms.to}`, Channel: sms.channel }) };
  },
  read(answer) {
    if (!isSuccess(answer.status)) throw twilioError(answer);
    return text(jsonObject(answer).sid);
  },
};

const messagebird: ProviderSpec = {
  apiBase: 'https://rest.messagebird.com',
  channels: ['sms'],
  request(settings, base, sms) {
    return {
      url: `${base}/messages`,
      headers: { authorization: `AccessKey ${need(settings.smsMessagebirdAccessKey)}` },
      form: form({ originator: need(settings.smsMessagebirdOriginator), body: sms.body, recipients: sms.to, type: 'sms', datacoding: 'unicode' }),
    };
  },
  read(answer) {
    const body = jsonObject(answer);
    if ([400, 401, 403, 422].includes(answer.status)) {
      const first = Array.isArray(body.errors) ? (body.errors[0] as Record<string, unknown> | undefined) : undefined;
      throw new SmsSendError(first ? text(first.description) : `messagebird answered HTTP ${answer.status}`);
    }
    const recipients = body.recipients as Record<string, unknown> | undefined;
    if (!recipients || !recipients.totalSentCount) throw new SmsSendError('messagebird error: total sent count is 0');
    return text(body.id);
  },
};

const textlocal: ProviderSpec = {
  apiBase: 'https://api.textlocal.in',
  channels: ['sms'],
  request(settings, base, sms) {
    return {
      url: `${base}/send`,
      headers: {},
      form: form({ sender: need(settings.smsTextlocalSender), apikey: need(settings.smsTextlocalApiKey), message: sms.body, numbers: sms.to }),
    };
  },
  read(answer) {
    const body = jsonObject(answer);
    // GoTrue reports no message id for a successful Textlocal send.
    if (body.status === 'success') return '';
    const first = Array.isArray(body.errors) ? (body.errors[0] as Record<string, unknown> | undefined) : undefined;
    const messages = Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : [];
    const messageId = text(messages[0]?.id);
    // Code 80 is Textlocal's "template not approved". GoTrue repeats the refused text here, code
    // included, to whoever asked for it; Foyer names the setting instead and never reveals the code.
    const detail = Number(first?.code) === 80 ? 'template message: the GOTRUE_SMS_TEMPLATE text' : `message ${messageId}`;
    throw new SmsSendError(`textlocal error: ${text(first?.message) || 'no reason given'} (code: ${text(first?.code)}) ${detail}`);
  },
};

const vonage: ProviderSpec = {
  apiBase: 'https://rest.nexmo.com',
  channels: ['sms'],
  request(settings, base, sms) {
    const fields: Record<string, string> = {
      from: need(settings.smsVonageFrom),
      to: sms.to,
      text: sms.body,
      api_key: need(settings.smsVonageApiKey),
      api_secret: need(settings.smsVonageApiSecret),
    };
    // Anything beyond ASCII goes as a unicode message, or Vonage garbles it.
    if (!/^[\x00-\x7f]*$/.test(sms.body)) fields.type = 'unicode';
    return { url: `${base}/sms/json`, headers: {}, form: form(fields) };
  },
  read(answer) {
    const body = jsonObject(answer);
    const messages = Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : [];
    const first = messages[0];
    if (!first) throw new SmsSendError('vonage error: Internal Error');
    const messageId = text(first['message-id']);
    // Status "0" is success; anything else names the failure.
    if (first.status !== '0') {
      throw new SmsSendError(`vonage error: ${text(first['error-text'])} (status: ${text(first.status)}) for message ${messageId}`);
    }
    return messageId;
  },
};

const specs: Readonly<Record<SmsProviderName, ProviderSpec>> = { twilio, twilio_verify: twilioVerify, messagebird, textlocal, vonage };

/** Twilio Verify's check: approved and valid, or not (a refusal, failure or garbage is "not"). */
async function twilioVerifyCheck(settings: SmsProviderSettings, base: string, timeoutMs: number, phone: string, code: string): Promise<boolean> {
  let answer: ProviderAnswer;
  try {
    answer = await postForm({ url: verifyServicePath(settings, base, 'VerificationCheck'), headers: verifyAuth(settings), form: form({ To: `+${phone}`, Code: code }) }, timeoutMs);
  } catch {
    return false;
  }
  if (!isSuccess(answer.status)) return false;
  try {
    const body = jsonObject(answer);
    return body.status === 'approved' && body.valid === true;
  } catch {
    return false;
  }
}

export function providerSender(name: SmsProviderName, settings: SmsProviderSettings): SmsSender {
  const spec = specs[name];
  const base = settings.smsProviderUrl ?? spec.apiBase;
  const timeoutMs = Math.max(1, Math.round(settings.smsProviderTimeoutSeconds * 1000));
  return {
    mode: 'provider',
    provider: name,
    supportsChannel: (channel) => spec.channels.includes(channel),
    async send(_tx, sms) {
      if (!spec.channels.includes(sms.channel)) throw new SmsSendError(`channel type "${sms.channel}" is not supported for ${name}`);
      return spec.read(await postForm(spec.request(settings, base, sms), timeoutMs), sms);
    },
    checkCode: name === 'twilio_verify' ? (phone, code) => twilioVerifyCheck(settings, base, timeoutMs, phone, code) : undefined,
  };
}
