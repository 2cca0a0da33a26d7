/**
 * Phone sign-in by SMS (or WhatsApp), spread into settingsSchema: GoTrue's GOTRUE_SMS_* variables, the
 * provider credentials, GOTRUE_RATE_LIMIT_SMS_SENT and the provider timeout. A provider named without
 * its credentials stops the start, naming the missing variable (`smsProblems`, called by loadConfig).
 */
import { ConfigError, parseDurationSeconds, parseEnum, parseInteger, parseUrl } from './parse.js';
import { isBlank, parseRate, type RateSetting } from './parse-protection.js';
import { setting } from './setting.js';

export const smsProviderNames = ['twilio', 'twilio_verify', 'messagebird', 'textlocal', 'vonage'] as const;
export type SmsProviderName = (typeof smsProviderNames)[number];

/** GoTrue's default SMS text. */
export const DEFAULT_SMS_TEMPLATE = 'Your code is {{ .Code }}';

/** `{{ .Code }}` in any spacing: the one thing GoTrue's SMS template is given. */
export const SMS_CODE_ACTION = /\{\{-?\s*\.Code\s*-?\}\}/g;

const optional = (env: string, doc: string) =>
  setting<string | undefined>({ env: [env], doc, defaultText: '(unset)', read: (raw) => (isBlank(raw) ? undefined : raw.trim()) });

/** A template is text and `{{ .Code }}`; any other Go template action is refused rather than sent as is. */
export function parseSmsTemplate(variable: string, raw: string | undefined): string {
  if (isBlank(raw)) return DEFAULT_SMS_TEMPLATE;
  const rest = raw.replace(SMS_CODE_ACTION, '');
  if (rest.includes('{{')) {
    throw new ConfigError(`${variable} may only use {{ .Code }} (the code), got ${JSON.stringify(raw)}`);
  }
  return raw;
}

/** GoTrue strips a leading "+" and spaces from a phone number. */
export const formatPhone = (raw: string): string => raw.trim().replace(/^\+/, '').replace(/ /g, '');

/** `phone:code,phone:code` (Go's envconfig map syntax), phones in GoTrue's stored form (no "+"). */
function parseTestOtps(variable: string, raw: string | undefined): Readonly<Record<string, string>> {
  const codes: Record<string, string> = {};
  if (isBlank(raw)) return Object.freeze(codes);
  for (const pair of raw.split(',')) {
    const parts = pair.split(':');
    const phone = formatPhone(parts[0] ?? '');
    const code = (parts[1] ?? '').trim();
    if (parts.length !== 2 || !/^[1-9]\d{1,14}$/.test(phone) || !/^\d{1,10}$/.test(code)) {
      throw new ConfigError(`${variable} must be phone:code pairs separated by commas (e.g. 15551234567:123456), got ${JSON.stringify(pair)}`);
    }
    codes[phone] = code;
  }
  return Object.freeze(codes);
}

/** RFC 3339, as Go's time.Time reads it (e.g. 2030-01-01T00:00:00Z). */
function parseInstant(variable: string, raw: string | undefined): string | undefined {
  if (isBlank(raw)) return undefined;
  const value = raw.trim();
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) || Number.isNaN(ms)) {
    throw new ConfigError(`${variable} must be an RFC 3339 time such as 2030-01-01T00:00:00Z, got ${JSON.stringify(raw)}`);
  }
  return new Date(ms).toISOString();
}

export const smsSettings = {
  smsProvider: setting<SmsProviderName | undefined>({
    env: ['GOTRUE_SMS_PROVIDER'],
    doc: 'Who sends SMS: twilio, twilio_verify, messagebird, textlocal or vonage (with its GOTRUE_SMS_<PROVIDER>_* credentials). Unset: SMS wait in the outbox (admin API /admin/sms/outbox).',
    defaultText: '(unset: outbox)',
    read: (raw, name) => (isBlank(raw) ? undefined : parseEnum(name, raw, smsProviderNames)),
  }),
  smsMaxFrequencySeconds: setting({
    env: ['GOTRUE_SMS_MAX_FREQUENCY'],
    doc: 'Shortest time between two SMS to one user (Go duration or seconds; 0 means 1m).',
    defaultText: '1m',
    read: (raw, name) => {
      const seconds = isBlank(raw) ? 60 : parseDurationSeconds(name, raw);
      return seconds === 0 ? 60 : seconds;
    },
  }),
  smsOtpExpSeconds: setting({
    env: ['GOTRUE_SMS_OTP_EXP'],
    doc: 'Lifetime of SMS codes, in seconds (0 means 60).',
    defaultText: '60',
    read: (raw, name) => {
      const seconds = isBlank(raw) ? 60 : parseInteger(name, raw, 0);
      return seconds === 0 ? 60 : seconds;
    },
  }),
  smsOtpLength: setting({
    env: ['GOTRUE_SMS_OTP_LENGTH'],
    doc: 'Digits in an SMS code, 6 to 10 (other values mean 6, as in GoTrue).',
    defaultText: '6',
    read: (raw, name) => {
      const length = isBlank(raw) ? 6 : parseInteger(name, raw);
      return length >= 6 && length <= 10 ? length : 6;
    },
  }),
  smsTemplate: setting({
    env: ['GOTRUE_SMS_TEMPLATE'],
    doc: 'Text of the SMS; {{ .Code }} stands for the code.',
    defaultText: DEFAULT_SMS_TEMPLATE,
    read: (raw, name) => parseSmsTemplate(name, raw),
  }),
  smsTestOtp: setting<Readonly<Record<string, string>>>({
    env: ['GOTRUE_SMS_TEST_OTP'],
    doc: 'Test numbers and their fixed codes (phone:code,…): no SMS is sent to them and the code always verifies.',
    defaultText: '(none)',
    read: (raw, name) => parseTestOtps(name, raw),
  }),
  smsTestOtpValidUntil: setting<string | undefined>({
    env: ['GOTRUE_SMS_TEST_OTP_VALID_UNTIL'],
    doc: 'When GOTRUE_SMS_TEST_OTP stops applying (RFC 3339 time); unset: always.',
    defaultText: '(unset: no end)',
    read: (raw, name) => parseInstant(name, raw),
  }),
  rateLimitSmsSent: setting<RateSetting>({
    env: ['GOTRUE_RATE_LIMIT_SMS_SENT'],
    doc: 'SMS sent per hour by the whole instance (or N/duration, e.g. 30/1h); codes for test numbers and autoconfirm do not count.',
    defaultText: '30 (per hour)',
    read: (raw, name) => (isBlank(raw) ? { limit: 30, windowSeconds: 3600 } : parseRate(name, raw, 3600)),
  }),
  smsProviderTimeoutSeconds: setting({
    env: ['GOTRUE_INTERNAL_HTTP_TIMEOUT'],
    doc: "How long to wait for the SMS provider (Go duration; 0 means 10s); a slower answer fails the send. Foyer's OAuth calls keep their own timeouts.",
    defaultText: '10s',
    read: (raw, name) => {
      const seconds = isBlank(raw) ? 10 : parseDurationSeconds(name, raw);
      return seconds === 0 ? 10 : seconds;
    },
  }),
  smsProviderUrl: setting<string | undefined>({
    env: ['FOYER_SMS_PROVIDER_URL'],
    doc: "Base URL to call instead of the provider's (a proxy, tests); the provider's own path follows it.",
    defaultText: "(the provider's API)",
    read: (raw, name) => (isBlank(raw) ? undefined : parseUrl(name, raw)),
  }),

  smsTwilioAccountSid: optional('GOTRUE_SMS_TWILIO_ACCOUNT_SID', 'Twilio account SID (GOTRUE_SMS_PROVIDER=twilio).'),
  smsTwilioAuthToken: optional('GOTRUE_SMS_TWILIO_AUTH_TOKEN', 'Twilio auth token (never logged).'),
  smsTwilioMessageServiceSid: optional('GOTRUE_SMS_TWILIO_MESSAGE_SERVICE_SID', 'Twilio messaging service SID or sender phone number (the From).'),
  smsTwilioContentSid: optional('GOTRUE_SMS_TWILIO_CONTENT_SID', 'Twilio content template SID for WhatsApp messages (the code fills its variable 1).'),
  smsTwilioVerifyAccountSid: optional('GOTRUE_SMS_TWILIO_VERIFY_ACCOUNT_SID', 'Twilio account SID (GOTRUE_SMS_PROVIDER=twilio_verify).'),
  smsTwilioVerifyAuthToken: optional('GOTRUE_SMS_TWILIO_VERIFY_AUTH_TOKEN', 'Twilio auth token for Twilio Verify (never logged).'),
  smsTwilioVerifyMessageServiceSid: optional('GOTRUE_SMS_TWILIO_VERIFY_MESSAGE_SERVICE_SID', 'Twilio Verify service SID: Twilio makes and checks the codes.'),
  smsMessagebirdAccessKey: optional('GOTRUE_SMS_MESSAGEBIRD_ACCESS_KEY', 'MessageBird access key (GOTRUE_SMS_PROVIDER=messagebird; never logged).'),
  smsMessagebirdOriginator: optional('GOTRUE_SMS_MESSAGEBIRD_ORIGINATOR', 'MessageBird originator (sender).'),
  smsTextlocalApiKey: optional('GOTRUE_SMS_TEXTLOCAL_API_KEY', 'Textlocal API key (GOTRUE_SMS_PROVIDER=textlocal; never logged).'),
  smsTextlocalSender: optional('GOTRUE_SMS_TEXTLOCAL_SENDER', 'Textlocal sender name.'),
  smsVonageApiKey: optional('GOTRUE_SMS_VONAGE_API_KEY', 'Vonage API key (GOTRUE_SMS_PROVIDER=vonage).'),
  smsVonageApiSecret: optional('GOTRUE_SMS_VONAGE_API_SECRET', 'Vonage API secret (never logged).'),
  smsVonageFrom: optional('GOTRUE_SMS_VONAGE_FROM', 'Vonage sender (the from).'),
} as const;

/** Each provider's required variables, in GoTrue's order of checking them. */
export const smsProviderCredentials: Readonly<Record<SmsProviderName, readonly (readonly [keyof typeof smsSettings, string])[]>> = {
  twilio: [
    ['smsTwilioAccountSid', 'GOTRUE_SMS_TWILIO_ACCOUNT_SID'],
    ['smsTwilioAuthToken', 'GOTRUE_SMS_TWILIO_AUTH_TOKEN'],
    ['smsTwilioMessageServiceSid', 'GOTRUE_SMS_TWILIO_MESSAGE_SERVICE_SID'],
  ],
  twilio_verify: [
    ['smsTwilioVerifyAccountSid', 'GOTRUE_SMS_TWILIO_VERIFY_ACCOUNT_SID'],
    ['smsTwilioVerifyAuthToken', 'GOTRUE_SMS_TWILIO_VERIFY_AUTH_TOKEN'],
    ['smsTwilioVerifyMessageServiceSid', 'GOTRUE_SMS_TWILIO_VERIFY_MESSAGE_SERVICE_SID'],
  ],
  messagebird: [
    ['smsMessagebirdAccessKey', 'GOTRUE_SMS_MESSAGEBIRD_ACCESS_KEY'],
    ['smsMessagebirdOriginator', 'GOTRUE_SMS_MESSAGEBIRD_ORIGINATOR'],
  ],
  textlocal: [
    ['smsTextlocalApiKey', 'GOTRUE_SMS_TEXTLOCAL_API_KEY'],
    ['smsTextlocalSender', 'GOTRUE_SMS_TEXTLOCAL_SENDER'],
  ],
  vonage: [
    ['smsVonageApiKey', 'GOTRUE_SMS_VONAGE_API_KEY'],
    ['smsVonageApiSecret', 'GOTRUE_SMS_VONAGE_API_SECRET'],
    ['smsVonageFrom', 'GOTRUE_SMS_VONAGE_FROM'],
  ],
};

/** A provider named without its credentials: GoTrue fails each send with a 500; Foyer refuses to start. */
export function smsProblems(values: Readonly<Record<string, unknown>>): string[] {
  const provider = values.smsProvider as SmsProviderName | undefined;
  if (!provider) return [];
  return smsProviderCredentials[provider]
    .filter(([key]) => values[key] === undefined)
    .map(([, variable]) => `${variable} is required when GOTRUE_SMS_PROVIDER=${provider}`);
}
