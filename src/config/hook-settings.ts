/**
 * GoTrue's auth hooks (GOTRUE_HOOK_<NAME>_ENABLED, _URI, _SECRETS), spread into settingsSchema.
 * A hook is a Postgres function (pg-functions://postgres/<schema>/<function>) or an HTTP endpoint
 * (https://…, or http:// on this machine only), signed with Standard Webhooks secrets
 * (`v1,whsec_<base64>`, several separated by `|`). The URI is checked as GoTrue checks it whether or
 * not the hook is enabled; hookProblems (called by the loader) checks what depends on two variables.
 */
import { ConfigError, parseBool } from './parse.js';
import { isBlank } from './parse-protection.js';
import { setting, type Setting } from './setting.js';

/** Every hook GoTrue has but after_user_created, in GoTrue's configuration names. */
export const HOOK_NAMES = [
  'custom_access_token',
  'send_email',
  'send_sms',
  'mfa_verification_attempt',
  'password_verification_attempt',
  'before_user_created',
] as const;

export type HookName = (typeof HOOK_NAMES)[number];

export type HookTarget =
  /** `functionSql` is the quoted, schema-qualified name: "schema"."function". */
  | { readonly kind: 'postgres'; readonly uri: string; readonly functionSql: string }
  | { readonly kind: 'http'; readonly uri: string };

/** Postgres identifiers GoTrue accepts in a pg-functions URI (unquoted form, at most 63 characters). */
const POSTGRES_NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,62}$/;
/** GoTrue's check; like GoTrue's it is not anchored at the end (a longer value passes the check). */
const SYMMETRIC_SECRET = /^v1,whsec_[A-Za-z0-9+/=]{32,88}/;
const ASYMMETRIC_SECRET = /^v1a,whpk_[A-Za-z0-9+/=]{44,}:whsk_[A-Za-z0-9+/=]{44,}$/;
/** GoTrue allows plain http only to these hosts. */
const LOCAL_HTTP_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]', 'host.docker.internal']);

export const envPrefix = (hook: HookName): string => `GOTRUE_HOOK_${hook.toUpperCase()}`;

export function parseHookUri(variable: string, raw: string): HookTarget {
  const uri = raw.trim();
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ConfigError(`${variable} must be pg-functions://postgres/<schema>/<function> or an https:// URL, got ${JSON.stringify(uri)}`);
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (scheme === 'pg-functions') {
    const parts = url.pathname.split('/');
    if (parts.length < 3) throw new ConfigError(`${variable} must name the schema and the function: pg-functions://postgres/<schema>/<function>, got ${JSON.stringify(uri)}`);
    const [, schema, fn] = parts.map((part) => decodeURIComponent(part));
    if (!POSTGRES_NAME.test(schema)) throw new ConfigError(`${variable} has an invalid schema name ${JSON.stringify(schema)} (letters, digits and _, not starting with a digit)`);
    if (!POSTGRES_NAME.test(fn)) throw new ConfigError(`${variable} has an invalid function name ${JSON.stringify(fn)} (letters, digits and _, not starting with a digit)`);
    return { kind: 'postgres', uri, functionSql: `"${schema}"."${fn}"` };
  }
  if (scheme === 'http') {
    if (!LOCAL_HTTP_HOSTS.has(url.hostname)) {
      throw new ConfigError(`${variable} may use http:// only for localhost, 127.0.0.1, ::1 or host.docker.internal; use https:// for ${url.hostname}`);
    }
    return { kind: 'http', uri };
  }
  if (scheme === 'https') return { kind: 'http', uri };
  throw new ConfigError(`${variable} must be pg-functions://… or https://… (GoTrue supports Postgres functions and HTTP endpoints only), got the scheme ${JSON.stringify(scheme)}`);
}

/** GoTrue's split: `|` separates secrets, empty parts are dropped. */
export const parseHookSecrets = (raw: string): string[] => raw.split('|').map((part) => part.trim()).filter((part) => part !== '');

interface HookSettingTriple {
  readonly enabled: Setting<boolean>;
  readonly uri: Setting<HookTarget | undefined>;
  readonly secrets: Setting<readonly string[]>;
}

function hookSettingsOf(hook: HookName, label: string, purpose: string): HookSettingTriple {
  const prefix = envPrefix(hook);
  return {
    enabled: setting({
      env: [`${prefix}_ENABLED`],
      doc: `Turns on the ${label} hook: ${purpose} Needs ${prefix}_URI.`,
      defaultText: 'false',
      read: (raw, name) => (isBlank(raw) ? false : parseBool(name, raw)),
    }),
    uri: setting<HookTarget | undefined>({
      env: [`${prefix}_URI`],
      doc: `Where the ${label} hook runs: pg-functions://postgres/<schema>/<function> (called in the database) or https://… (POSTed, signed; http:// only on this machine).`,
      defaultText: '(unset)',
      read: (raw, name) => (isBlank(raw) ? undefined : parseHookUri(name, raw)),
    }),
    secrets: setting<readonly string[]>({
      env: [`${prefix}_SECRETS`, 'SECRETS'],
      doc: `Standard Webhooks secrets that sign requests to an HTTP ${label} hook: v1,whsec_<base64>, several separated by | (each signs; receivers accept any). Never logged.`,
      defaultText: '(unset)',
      read: (raw) => (isBlank(raw) ? [] : parseHookSecrets(raw)),
    }),
  };
}

const customAccessToken = hookSettingsOf(
  'custom_access_token',
  'custom access token',
  'it receives the claims of every access token Foyer issues and returns the claims to sign (roles, tenant ids for RLS).',
);
const passwordVerificationAttempt = hookSettingsOf(
  'password_verification_attempt',
  'password verification attempt',
  'it learns of every password sign-in attempt (valid or not) and may reject it, and sign the user out everywhere.',
);
const beforeUserCreated = hookSettingsOf(
  'before_user_created',
  'before user created',
  'it sees every user about to be created (sign-ups of every kind, invites, admin-created users) and may refuse it.',
);

export const hookSettings = {
  customAccessTokenHookEnabled: customAccessToken.enabled,
  customAccessTokenHookUri: customAccessToken.uri,
  customAccessTokenHookSecrets: customAccessToken.secrets,
  passwordVerificationAttemptHookEnabled: passwordVerificationAttempt.enabled,
  passwordVerificationAttemptHookUri: passwordVerificationAttempt.uri,
  passwordVerificationAttemptHookSecrets: passwordVerificationAttempt.secrets,
  beforeUserCreatedHookEnabled: beforeUserCreated.enabled,
  beforeUserCreatedHookUri: beforeUserCreated.uri,
  beforeUserCreatedHookSecrets: beforeUserCreated.secrets,
};

type HookSettingKey = keyof typeof hookSettings;

/** Which settings hold each hook Foyer serves; a hook without an entry is never called. */
export const hookSettingKeys: Partial<Record<HookName, { readonly enabled: HookSettingKey; readonly uri: HookSettingKey; readonly secrets: HookSettingKey }>> = {
  custom_access_token: { enabled: 'customAccessTokenHookEnabled', uri: 'customAccessTokenHookUri', secrets: 'customAccessTokenHookSecrets' },
  password_verification_attempt: {
    enabled: 'passwordVerificationAttemptHookEnabled',
    uri: 'passwordVerificationAttemptHookUri',
    secrets: 'passwordVerificationAttemptHookSecrets',
  },
  before_user_created: { enabled: 'beforeUserCreatedHookEnabled', uri: 'beforeUserCreatedHookUri', secrets: 'beforeUserCreatedHookSecrets' },
};

/** The checks that involve two of a hook's variables. */
export function hookProblems(values: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  for (const [hook, keys] of Object.entries(hookSettingKeys)) {
    if (!keys) continue;
    const prefix = envPrefix(hook as HookName);
    const target = values[keys.uri] as HookTarget | undefined;
    const secrets = (values[keys.secrets] as readonly string[] | undefined) ?? [];
    if (values[keys.enabled] === true && !target) {
      problems.push(`${prefix}_URI is required when ${prefix}_ENABLED is true (pg-functions://postgres/<schema>/<function> or an https:// URL)`);
    }
    if (target?.kind !== 'http') continue;
    if (values[keys.enabled] === true && secrets.length === 0) {
      problems.push(`${prefix}_SECRETS is required for an HTTP hook: at least one v1,whsec_<base64> secret, so the receiver can tell Foyer's requests from anyone's`);
    }
    for (const secret of secrets) {
      if (ASYMMETRIC_SECRET.test(secret)) {
        problems.push(`${prefix}_SECRETS holds an asymmetric (v1a,whpk_…) secret; Foyer, like GoTrue, signs with symmetric v1,whsec_… secrets only`);
      } else if (!SYMMETRIC_SECRET.test(secret)) {
        problems.push(`${prefix}_SECRETS must be v1,whsec_<base64 of 24 to 64 bytes> secrets separated by |; one is not (secrets are not shown)`);
      }
    }
  }
  return problems;
}
