/**
 * SAML 2.0 single sign-on (GOTRUE_SAML_*), under GoTrue's names and defaults, spread into settingsSchema.
 * The service provider's key is GoTrue's: an RSA private key of at least 2048 bits with exponent 65537,
 * PKCS#1 DER in standard Base64 (what `openssl genrsa 2048 | openssl rsa -outform DER -traditional | base64 -w0`
 * prints). GoTrue refuses such a key at start when SAML is on, and so does Foyer (samlProblems, called by
 * the loader), naming the variable.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { type RateSetting, isBlank, parseRate } from './parse-protection.js';
import { ConfigError, parseBool, parseDurationSeconds, parseUrl } from './parse.js';
import { setting } from './setting.js';

const optionalSecret = (env: string, doc: string) =>
  setting<string | undefined>({ env: [env], doc, defaultText: '(unset)', read: (raw) => (raw?.trim() ? raw.trim() : undefined) });

export const samlSettings = {
  samlEnabled: setting({
    env: ['GOTRUE_SAML_ENABLED'],
    doc: 'SAML 2.0 single sign-on: POST /sso, /sso/saml/metadata, /sso/saml/acs and /admin/sso/providers; needs GOTRUE_SAML_PRIVATE_KEY.',
    defaultText: 'false',
    read: (raw, name) => (raw === undefined || raw.trim() === '' ? false : parseBool(name, raw)),
  }),
  samlPrivateKey: optionalSecret(
    'GOTRUE_SAML_PRIVATE_KEY',
    "The service provider's RSA private key (at least 2048 bits, exponent 65537), PKCS#1 DER in standard Base64. It signs authentication requests, decrypts encrypted assertions and is published (as a certificate) in the metadata. Never logged.",
  ),
  samlPrivateKeyNext: optionalSecret(
    'GOTRUE_SAML_PRIVATE_KEY_NEXT',
    'The key that will replace GOTRUE_SAML_PRIVATE_KEY (same format): its certificate is published in the metadata beside the current one, and encrypted assertions that the current key cannot open are tried with it.',
  ),
  samlAllowEncryptedAssertions: setting({
    env: ['GOTRUE_SAML_ALLOW_ENCRYPTED_ASSERTIONS'],
    doc: 'Publish the key for encryption in the metadata and accept encrypted assertions (decrypted with the key). Off: an encrypted assertion is refused.',
    defaultText: 'false',
    read: (raw, name) => (raw === undefined || raw.trim() === '' ? false : parseBool(name, raw)),
  }),
  samlRelayStateValiditySeconds: setting({
    env: ['GOTRUE_SAML_RELAY_STATE_VALIDITY_PERIOD'],
    doc: 'How long a sign-in started with POST /sso may take at the identity provider before its answer is refused (saml_relay_state_expired).',
    defaultText: '2m',
    read: (raw, name) => {
      if (raw === undefined || raw.trim() === '') return 120;
      const seconds = parseDurationSeconds(name, raw);
      // GoTrue reads 0 as its default.
      return seconds === 0 ? 120 : seconds;
    },
  }),
  samlExternalUrl: setting<string | undefined>({
    env: ['GOTRUE_SAML_EXTERNAL_URL'],
    doc: "Base URL of the service provider's SAML endpoints (entity id <url>/sso/saml/metadata, ACS <url>/sso/saml/acs). Unset: API_EXTERNAL_URL.",
    defaultText: '(API_EXTERNAL_URL)',
    read: (raw, name) => (raw?.trim() ? parseUrl(name, raw) : undefined),
  }),
  rateLimitSamlAssertion: setting<RateSetting>({
    env: ['GOTRUE_SAML_RATE_LIMIT_ASSERTION'],
    doc: 'POST /sso/saml/acs per client IP per 5 minutes (or N/duration, e.g. 30/1h).',
    defaultText: '15 (per 5 minutes)',
    read: (raw, name) => (isBlank(raw) ? { limit: 15, windowSeconds: 300 } : parseRate(name, raw, 300)),
  }),
  rateLimitSso: setting<RateSetting>({
    env: ['GOTRUE_RATE_LIMIT_SSO'],
    doc: 'POST /sso per client IP per 5 minutes (or N/duration, e.g. 30/1h).',
    defaultText: '30 (per 5 minutes)',
    read: (raw, name) => (isBlank(raw) ? { limit: 30, windowSeconds: 300 } : parseRate(name, raw, 300)),
  }),
} as const;

/** The RSA key of a GOTRUE_SAML_PRIVATE_KEY value, or why GoTrue would refuse it. */
export function parseSamlKey(name: string, value: string): KeyObject {
  const base64 = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) {
    throw new ConfigError(`${name} is not in standard Base64 format (PKCS#1 DER, e.g. openssl rsa -outform DER -traditional | base64 -w0)`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'pkcs1' });
  } catch {
    throw new ConfigError(`${name} is not an RSA private key in PKCS#1 format (openssl rsa -outform DER -traditional)`);
  }
  const details = key.asymmetricKeyDetails;
  if (details?.publicExponent !== 65537n) throw new ConfigError(`${name} should use the 65537 (0x10001) RSA public exponent`);
  if ((details.modulusLength ?? 0) < 2048) throw new ConfigError(`${name} must be at least RSA 2048`);
  return key;
}

interface SamlValues {
  readonly samlEnabled?: unknown;
  readonly samlPrivateKey?: unknown;
  readonly samlPrivateKeyNext?: unknown;
}

/** What stops the start when SAML is on: a key that is missing or that GoTrue would refuse. */
export function samlProblems(values: SamlValues): string[] {
  if (values.samlEnabled !== true) return [];
  const problems: string[] = [];
  const key = values.samlPrivateKey as string | undefined;
  if (!key) {
    problems.push('GOTRUE_SAML_PRIVATE_KEY is required when GOTRUE_SAML_ENABLED is true (an RSA 2048 key, PKCS#1 DER in Base64: openssl genrsa 2048 | openssl rsa -outform DER -traditional | base64 -w0)');
  }
  for (const [name, value] of [['GOTRUE_SAML_PRIVATE_KEY', key], ['GOTRUE_SAML_PRIVATE_KEY_NEXT', values.samlPrivateKeyNext as string | undefined]] as const) {
    if (!value) continue;
    try {
      parseSamlKey(name, value);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message);
    }
  }
  return problems;
}
