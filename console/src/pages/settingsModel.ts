/** How the settings page groups, edits and checks settings (the server validates again, and wins). */
import type { Setting } from '../types';

export interface Group {
  readonly id: string;
  readonly title: string;
  readonly match: RegExp;
}

export const groups: readonly Group[] = [
  // First: a hook's variables also name what it is about (MFA, SMS, email, password).
  { id: 'hooks', title: 'Auth hooks', match: /^GOTRUE_HOOK_|^SECRETS$/ },
  { id: 'signups', title: 'Sign-ups and anonymous users', match: /ANONYMOUS_USERS_ENABLED|DISABLE_SIGNUP|EXTERNAL_(EMAIL|PHONE)_ENABLED|MANUAL_LINKING|AUTOCONFIRM|PASSWORD/ },
  { id: 'captcha', title: 'CAPTCHA', match: /CAPTCHA|ALTCHA/ },
  { id: 'mfa', title: 'Multi-factor authentication', match: /_MFA_/ },
  { id: 'passkeys', title: 'Passkeys', match: /PASSKEY|WEBAUTHN/ },
  { id: 'phone', title: 'Phone and SMS', match: /_SMS_|TWILIO|MESSAGEBIRD|TEXTLOCAL|VONAGE/ },
  { id: 'rate-limits', title: 'Rate limits', match: /RATE_LIMIT|TRUSTED_PROXIES|ANONYMOUS_BUDGET/ },
  { id: 'tokens', title: 'Sessions and tokens', match: /JWT|REFRESH|SESSION/ },
  { id: 'urls', title: 'Site URL and redirects', match: /SITE_URL|URI_ALLOW_LIST|REDIRECT_URL$|EXTERNAL_URL/ },
  { id: 'mail', title: 'Email and SMTP', match: /SMTP|MAILER|MAIL/ },
  { id: 'oauth', title: 'OAuth providers', match: /EXTERNAL_[A-Z]+_|OIDC/ },
  { id: 'cleanup', title: 'Cleanup', match: /CLEANUP/ },
  { id: 'abuse', title: 'Sign-up spike alert', match: /SPIKE/ },
  { id: 'merge', title: 'Merging anonymous users into accounts', match: /MERGE/ },
];

export const otherGroup: Group = { id: 'other', title: 'Other', match: /.^/ };

export function groupOf(setting: Setting): Group {
  return groups.find((group) => group.match.test(setting.env)) ?? otherGroup;
}

export type Kind = 'boolean' | 'enum' | 'number' | 'rate' | 'duration' | 'url' | 'secret' | 'text';

const enums: Record<string, readonly string[]> = {
  GOTRUE_SECURITY_CAPTCHA_PROVIDER: ['hcaptcha', 'turnstile', 'altcha'],
  FOYER_SECURITY_CAPTCHA_SCOPE: ['all', 'anonymous'],
  FOYER_SECURITY_CAPTCHA_ANONYMOUS: ['always', 'spike', 'never'],
  FOYER_ANONYMOUS_BUDGET_ACTION: ['challenge', 'refuse'],
  GOTRUE_LOG_LEVEL: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
  GOTRUE_SMS_PROVIDER: ['twilio', 'twilio_verify', 'messagebird', 'textlocal', 'vonage'],
};

const BOOLEAN = /^(true|false|1|0|t|f)$/i;

export function enumValues(setting: Setting): readonly string[] | undefined {
  return enums[setting.env];
}

export function kindOf(setting: Setting): Kind {
  if (setting.secret) return 'secret';
  if (enums[setting.env]) return 'enum';
  const fallback = setting.default_text.trim().split(/\s/)[0] ?? '';
  if (/^(true|false)$/i.test(fallback) || (setting.value !== null && /^(true|false)$/i.test(setting.value) && /ENABLED|DISABLE|AUTOCONFIRM|KEEP/.test(setting.env))) {
    return 'boolean';
  }
  if (/RATE_LIMIT_(?!HEADER)/.test(setting.env)) return 'rate';
  if (/TIMEOUT|FREQUENCY|_INTERVAL|TIMEBOX|MAX_AGE/.test(setting.env)) return 'duration';
  if (/(_URL|_ISSUER|_URI)$/.test(setting.env)) return 'url';
  if (/^\d+$/.test(fallback)) return 'number';
  return 'text';
}

export function isTrue(value: string | null | undefined): boolean {
  return value !== null && value !== undefined && /^(true|1|t)$/i.test(value.trim());
}

/** The boolean in force: the value, else the default's first word. */
export function booleanOf(setting: Setting, draft: string | null | undefined): boolean {
  const raw = draft !== undefined ? draft : setting.value;
  if (raw !== null && raw !== undefined && BOOLEAN.test(raw.trim())) return isTrue(raw);
  return isTrue(setting.default_text.trim().split(/\s/)[0]);
}

/** A problem the server would refuse, found before sending; undefined when it looks acceptable. */
export function checkValue(setting: Setting, raw: string | null): string | undefined {
  if (raw === null || raw === '') return undefined;
  const value = raw.trim();
  switch (kindOf(setting)) {
    case 'boolean':
      return BOOLEAN.test(value) ? undefined : 'true or false';
    case 'enum': {
      const allowed = enums[setting.env] ?? [];
      return allowed.includes(value) ? undefined : `one of ${allowed.join(', ')}`;
    }
    case 'number':
      return /^\d+(\.\d+)?$/.test(value) ? undefined : 'a number';
    case 'rate':
      return /^\d+(\s*\/\s*\S+)?$/.test(value) ? undefined : 'a number, or N/<duration> (e.g. 30/1h)';
    case 'duration':
      return /^(\d+(\.\d+)?|((\d+(\.\d+)?)(ns|us|µs|ms|s|m|h))+)$/.test(value) ? undefined : 'seconds or a Go duration (10s, 1h30m)';
    case 'url':
      try {
        new URL(value);
        return undefined;
      } catch {
        return 'an absolute URL (https://…)';
      }
    default:
      return undefined;
  }
}

/** "anonymousUsersEnabled" → "Anonymous users enabled"; dotted or snake keys likewise. */
export function titleOf(setting: Setting): string {
  const words = setting.key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[._-]+/g, ' ')
    .trim()
    .toLowerCase();
  const fixed = words.replace(/\b(jwt|url|smtp|otp|ip|uri|oidc|api|id|ms|sms|mfa)\b/g, (w) => w.toUpperCase()).replace(/\bcaptcha\b/g, 'CAPTCHA');
  return fixed.charAt(0).toUpperCase() + fixed.slice(1);
}

/** Variable names a server message mentions (422 validation_failed names the variable). */
export function envsIn(message: string, settings: readonly Setting[]): string[] {
  return settings.filter((setting) => message.includes(setting.env)).map((setting) => setting.env);
}

/** The console overrides this setting (so it can go back to the default). */
export function isOverridden(setting: Setting): boolean {
  return setting.source ? setting.source === 'override' : setting.value !== null && setting.value !== '';
}

/** A secret that holds a value (shown masked). */
export const secretIsSet = (setting: Setting): boolean => setting.value !== null && setting.value !== '';
