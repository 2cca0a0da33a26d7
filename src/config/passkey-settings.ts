/**
 * Passkeys (GOTRUE_PASSKEY_*), WebAuthn MFA factors (GOTRUE_MFA_WEB_AUTHN_*) and the WebAuthn relying
 * party both register credentials with (GOTRUE_WEBAUTHN_*), under GoTrue's names and defaults, spread
 * into settingsSchema. The relying party is what a browser and Foyer agree on: its id (a domain), its
 * name, the origins allowed to run a ceremony. GoTrue only warns when passkeys or WebAuthn MFA are on
 * without them (and then fails every request); Foyer stops the start instead, naming the variable
 * (passkeyProblems, called by the loader).
 */
import { type RateSetting, isBlank, parseRate } from './parse-protection.js';
import { ConfigError, parseBool, parseDurationSeconds, parseInteger, parseList } from './parse.js';
import { setting } from './setting.js';

const optionalText = (env: string[], doc: string) =>
  setting<string | undefined>({ env, doc, defaultText: '(unset)', read: (raw) => (raw?.trim() ? raw.trim() : undefined) });

const offByDefault = (env: string, doc: string) =>
  setting({ env: [env], doc, defaultText: 'false', read: (raw, name) => (raw === undefined || raw.trim() === '' ? false : parseBool(name, raw)) });

export const passkeySettings = {
  passkeyEnabled: setting({
    env: ['GOTRUE_PASSKEY_ENABLED'],
    doc: 'Passkey sign-in and management (/passkeys/*); needs GOTRUE_WEBAUTHN_RP_ID, _RP_DISPLAY_NAME and _RP_ORIGINS.',
    defaultText: 'false',
    read: (raw, name) => (raw === undefined || raw.trim() === '' ? false : parseBool(name, raw)),
  }),
  mfaWebAuthnEnrollEnabled: offByDefault(
    'GOTRUE_MFA_WEB_AUTHN_ENROLL_ENABLED',
    'Allow enrolling WebAuthn MFA factors (POST /factors with factor_type webauthn); needs GOTRUE_WEBAUTHN_RP_ID, _RP_DISPLAY_NAME and _RP_ORIGINS.',
  ),
  mfaWebAuthnVerifyEnabled: offByDefault(
    'GOTRUE_MFA_WEB_AUTHN_VERIFY_ENABLED',
    'Allow challenging and verifying WebAuthn MFA factors (POST /factors/{id}/challenge, /verify); needs the same GOTRUE_WEBAUTHN_RP_* variables.',
  ),
  passkeyMaxPerUser: setting({
    env: ['GOTRUE_PASSKEY_MAX_PASSKEYS_PER_USER'],
    doc: 'Passkeys one user may register; a registration beyond it is refused (422 too_many_passkeys).',
    defaultText: '10',
    read: (raw, name) => (raw === undefined || raw.trim() === '' ? 10 : parseInteger(name, raw, 0)),
  }),
  webauthnRpId: optionalText(
    ['GOTRUE_WEBAUTHN_RP_ID', 'RP_ID'],
    'WebAuthn relying party id: the domain passkeys and WebAuthn factors belong to (e.g. example.com), no scheme or port. Browsers accept it on that domain and its subdomains.',
  ),
  webauthnRpDisplayName: optionalText(['GOTRUE_WEBAUTHN_RP_DISPLAY_NAME'], 'The relying party name a browser shows when it asks to create a passkey.'),
  webauthnRpOrigins: setting<readonly string[]>({
    env: ['GOTRUE_WEBAUTHN_RP_ORIGINS'],
    doc: 'Comma-separated origins (scheme://host[:port]) a ceremony may come from; any other is refused.',
    defaultText: '(unset)',
    read: (raw) => (raw === undefined ? [] : parseList(raw)),
  }),
  webauthnChallengeExpirySeconds: setting({
    env: ['GOTRUE_WEBAUTHN_CHALLENGE_EXPIRY_DURATION'],
    doc: 'How long a registration or sign-in challenge stays usable (Go duration, e.g. 5m).',
    defaultText: '5m',
    read: (raw, name) => {
      if (raw === undefined || raw.trim() === '') return 300;
      const seconds = parseDurationSeconds(name, raw);
      if (seconds < 1) throw new ConfigError(`${name} must be at least 1s, got ${JSON.stringify(raw)}`);
      return seconds;
    },
  }),
  rateLimitPasskey: setting<RateSetting>({
    env: ['GOTRUE_RATE_LIMIT_PASSKEY'],
    doc: 'POST /passkeys/authentication/options per client IP per 5 minutes (or N/duration, e.g. 30/1h).',
    defaultText: '30 (per 5 minutes)',
    read: (raw, name) => (isBlank(raw) ? { limit: 30, windowSeconds: 300 } : parseRate(name, raw, 300)),
  }),
} as const;

/** A relying party id as browsers take one: a bare host name, lower case, no scheme, port or path. */
export function rpIdProblem(rpId: string): string | undefined {
  if (/[/:?#@\s\\]/.test(rpId)) return 'must be a domain name such as example.com, without scheme, port or path';
  let host: string;
  try {
    host = new URL(`https://${rpId}/`).hostname;
  } catch {
    return 'must be a domain name such as example.com';
  }
  if (host !== rpId) return `must be a lower-case domain name (the browser compares ${JSON.stringify(host)})`;
  return undefined;
}

const ANDROID_ORIGIN = /^android:apk-key-hash:[A-Za-z0-9_-]+=*$/;

/** Why an origin can never match a browser's, or undefined. http(s) origins may carry a path (ignored). */
export function rpOriginProblem(origin: string): string | undefined {
  if (ANDROID_ORIGIN.test(origin)) return undefined;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return 'is not an origin such as https://example.com';
  }
  if ((url.protocol === 'http:' || url.protocol === 'https:') && url.host) return undefined;
  if (url.protocol !== 'http:' && url.protocol !== 'https:' && /^[a-z][a-z0-9+.-]*:\/\/[^/\s]+/i.test(origin)) return undefined;
  return 'is not an origin such as https://example.com';
}

/** An http(s) origin as a browser writes it (lower-case host, no default port, no path); others as given. */
export function normalizeOrigin(origin: string): string {
  if (ANDROID_ORIGIN.test(origin)) return origin;
  const url = new URL(origin);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : origin;
}

interface PasskeyValues {
  readonly passkeyEnabled?: unknown;
  readonly mfaWebAuthnEnrollEnabled?: unknown;
  readonly mfaWebAuthnVerifyEnabled?: unknown;
  readonly webauthnRpId?: unknown;
  readonly webauthnRpDisplayName?: unknown;
  readonly webauthnRpOrigins?: unknown;
}

/**
 * What stops the start when passkeys or WebAuthn MFA are on: a relying party that is missing or that
 * no browser accepts. The first switch that is on is named as the reason.
 */
export function passkeyProblems(values: PasskeyValues): string[] {
  const reason = (
    [
      ['GOTRUE_PASSKEY_ENABLED', values.passkeyEnabled],
      ['GOTRUE_MFA_WEB_AUTHN_ENROLL_ENABLED', values.mfaWebAuthnEnrollEnabled],
      ['GOTRUE_MFA_WEB_AUTHN_VERIFY_ENABLED', values.mfaWebAuthnVerifyEnabled],
    ] as const
  ).find(([, on]) => on === true)?.[0];
  if (!reason) return [];
  const problems: string[] = [];
  const rpId = values.webauthnRpId as string | undefined;
  if (!rpId) problems.push(`GOTRUE_WEBAUTHN_RP_ID is required when ${reason} is true (the domain credentials belong to, e.g. example.com)`);
  else {
    const problem = rpIdProblem(rpId);
    if (problem) problems.push(`GOTRUE_WEBAUTHN_RP_ID ${problem}, got ${JSON.stringify(rpId)}`);
  }
  if (!values.webauthnRpDisplayName) {
    problems.push(`GOTRUE_WEBAUTHN_RP_DISPLAY_NAME is required when ${reason} is true (the name browsers show, e.g. your app's)`);
  }
  const origins = (values.webauthnRpOrigins as readonly string[] | undefined) ?? [];
  if (origins.length === 0) {
    problems.push(`GOTRUE_WEBAUTHN_RP_ORIGINS is required when ${reason} is true (your app's origins, e.g. https://example.com)`);
  }
  for (const origin of origins) {
    const problem = rpOriginProblem(origin);
    if (problem) problems.push(`GOTRUE_WEBAUTHN_RP_ORIGINS: ${JSON.stringify(origin)} ${problem}`);
  }
  return problems;
}
