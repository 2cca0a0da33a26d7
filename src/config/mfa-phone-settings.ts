/**
 * Phone MFA settings (GOTRUE_MFA_PHONE_*), spread into settingsSchema, with GoTrue's names and
 * defaults (conf.PhoneFactorTypeConfiguration and its ApplyDefaults): off unless turned on, codes of
 * 6 to 10 digits (else 6), one code per factor a minute, GoTrue's default text.
 */
import { parseBool, parseDurationSeconds, parseInteger } from './parse.js';
import { isBlank } from './parse-protection.js';
import { setting } from './setting.js';
import { parseSmsTemplate } from './sms-settings.js';

const offByDefault = (env: string, doc: string) =>
  setting({ env: [env], doc, defaultText: 'false', read: (raw, name) => (isBlank(raw) ? false : parseBool(name, raw)) });

export const mfaPhoneSettings = {
  mfaPhoneEnrollEnabled: offByDefault('GOTRUE_MFA_PHONE_ENROLL_ENABLED', 'Allow enrolling phone factors (POST /factors with factor_type phone).'),
  mfaPhoneVerifyEnabled: offByDefault(
    'GOTRUE_MFA_PHONE_VERIFY_ENABLED',
    'Allow challenging phone factors (a code by SMS or WhatsApp) and verifying them (POST /factors/{id}/challenge, /verify).',
  ),
  mfaPhoneOtpLength: setting({
    env: ['GOTRUE_MFA_PHONE_OTP_LENGTH'],
    doc: 'Digits in a phone factor code, 6 to 10 (other values mean 6, as in GoTrue).',
    defaultText: '6',
    read: (raw, name) => {
      const length = isBlank(raw) ? 6 : parseInteger(name, raw);
      return length >= 6 && length <= 10 ? length : 6;
    },
  }),
  mfaPhoneMaxFrequencySeconds: setting({
    env: ['GOTRUE_MFA_PHONE_MAX_FREQUENCY'],
    doc: 'Shortest time between two challenges (two codes) of one phone factor (Go duration or seconds; 0 means 1m).',
    defaultText: '1m',
    read: (raw, name) => {
      const seconds = isBlank(raw) ? 60 : parseDurationSeconds(name, raw);
      return seconds === 0 ? 60 : seconds;
    },
  }),
  mfaPhoneTemplate: setting({
    env: ['GOTRUE_MFA_PHONE_TEMPLATE'],
    doc: 'Text of the phone factor code SMS; {{ .Code }} stands for the code.',
    defaultText: 'Your code is {{ .Code }}',
    read: (raw, name) => parseSmsTemplate(name, raw),
  }),
} as const;
