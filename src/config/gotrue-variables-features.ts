/**
 * GoTrue's variables of sign-in methods and extension points: OAuth providers, id_token issuers,
 * Web3, custom providers, the OAuth server, hooks, MFA, SAML, WebAuthn and passkeys, and the
 * experimental switches. See src/config/gotrue-variable.ts for the statuses.
 */
import { foyerAlias, honoured, inert, notApplicable, switchOn, whenSet, type GotrueVariable } from './gotrue-variable.js';
import { providerVariables } from './oauth-provider-settings.js';

const apiUrl = 'GoTrue itself never reads the value.';
const emailOptional =
  'Lets sign-ins without an email address through. Foyer always accepts a provider identity without one ' +
  '(GoTrue refuses it unless this is true).';

/** A provider Foyer serves: its GoTrue variables are read (src/config/oauth-provider-settings.ts). */
function servedProvider(variables: (typeof providerVariables)[keyof typeof providerVariables]): GotrueVariable[] {
  const prefix = `GOTRUE_EXTERNAL_${variables.env}`;
  return [
    ...['ENABLED', 'CLIENT_ID', 'SECRET', 'REDIRECT_URI'].map((field) => honoured(`${prefix}_${field}`)),
    variables.env === 'APPLE'
      ? honoured('GOTRUE_EXTERNAL_APPLE_URL', "GoTrue ignores it (and warns); Foyer reads it as Apple's base URL, for a test server or a proxy.")
      : honoured(`${prefix}_URL`),
    notApplicable(`${prefix}_API_URL`, apiUrl),
    notApplicable(`${prefix}_EMAIL_OPTIONAL`, emailOptional),
    variables.idToken
      ? honoured(`${prefix}_SKIP_NONCE_CHECK`)
      : notApplicable(`${prefix}_SKIP_NONCE_CHECK`, `GoTrue takes no ${variables.label} ID tokens at POST /token?grant_type=id_token, so it never reads it.`),
  ];
}

export const providers: readonly GotrueVariable[] = [
  honoured('GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED'),
  honoured('GOTRUE_EXTERNAL_REDIRECTURL'),
  foyerAlias('GOTRUE_EXTERNAL_REDIRECT_URL', 'Foyer also accepts this spelling (GoTrue reads GOTRUE_EXTERNAL_REDIRECTURL).'),

  honoured('GOTRUE_EXTERNAL_GOOGLE_ENABLED'),
  honoured('GOTRUE_EXTERNAL_GOOGLE_CLIENT_ID'),
  honoured('GOTRUE_EXTERNAL_GOOGLE_SECRET'),
  honoured('GOTRUE_EXTERNAL_GOOGLE_REDIRECT_URI'),
  notApplicable('GOTRUE_EXTERNAL_GOOGLE_URL', 'GoTrue ignores it for Google (and warns); so does Foyer.'),
  notApplicable('GOTRUE_EXTERNAL_GOOGLE_API_URL', apiUrl),
  notApplicable('GOTRUE_EXTERNAL_GOOGLE_EMAIL_OPTIONAL', emailOptional),
  honoured('GOTRUE_EXTERNAL_GOOGLE_SKIP_NONCE_CHECK'),

  honoured('GOTRUE_EXTERNAL_GITHUB_ENABLED'),
  honoured('GOTRUE_EXTERNAL_GITHUB_CLIENT_ID'),
  honoured('GOTRUE_EXTERNAL_GITHUB_SECRET'),
  honoured('GOTRUE_EXTERNAL_GITHUB_REDIRECT_URI'),
  honoured('GOTRUE_EXTERNAL_GITHUB_URL'),
  notApplicable('GOTRUE_EXTERNAL_GITHUB_API_URL', apiUrl),
  notApplicable('GOTRUE_EXTERNAL_GITHUB_EMAIL_OPTIONAL', emailOptional),
  notApplicable('GOTRUE_EXTERNAL_GITHUB_SKIP_NONCE_CHECK', 'GitHub issues no ID tokens; GoTrue never reads it.'),

  foyerAlias(
    'GOTRUE_EXTERNAL_SKIP_NONCE_CHECK',
    "Supabase's compose file offers this name, but GoTrue does not read it (only GOTRUE_EXTERNAL_<PROVIDER>_SKIP_NONCE_CHECK).",
  ),

  ...Object.values(providerVariables).flatMap(servedProvider),

  honoured('GOTRUE_EXTERNAL_IOS_BUNDLE_ID'),
  whenSet('GOTRUE_EXTERNAL_ALLOWED_ID_TOKEN_ISSUERS', 'id_token sign-ins from issuers other than configured providers', 'Accepts ID tokens of further issuers (with the client_id the request names); Foyer accepts those of its enabled providers only.'),
  notApplicable('GOTRUE_EXTERNAL_OIDC_PROVIDER_CACHE_TTL', "Foyer reads a provider's discovery document once per configuration (again after a failure)."),
  honoured('GOTRUE_EXTERNAL_WEB3_SOLANA_ENABLED'),
  honoured('GOTRUE_EXTERNAL_WEB3_SOLANA_MAXIMUM_VALIDITY_DURATION'),
  honoured('GOTRUE_EXTERNAL_WEB3_ETHEREUM_ENABLED'),
  honoured('GOTRUE_EXTERNAL_WEB3_ETHEREUM_MAXIMUM_VALIDITY_DURATION'),

  ...['ENABLED', 'MAX_PROVIDERS', 'EXTERNAL_URL'].map((field) => honoured(`GOTRUE_CUSTOM_OAUTH_${field}`)),
  ...['ENABLED', 'ALLOW_DYNAMIC_REGISTRATION', 'AUTHORIZATION_PATH', 'AUTHORIZATION_TTL', 'DEFAULT_SCOPE'].map((field) =>
    honoured(`GOTRUE_OAUTH_SERVER_${field}`),
  ),
];

/** GoTrue's auth hooks, with the names Supabase's documentation gives them. */
const hooks = {
  MFA_VERIFICATION_ATTEMPT: 'MFA verification attempt',
  PASSWORD_VERIFICATION_ATTEMPT: 'password verification attempt',
  CUSTOM_ACCESS_TOKEN: 'custom access token',
  SEND_EMAIL: 'send email',
  SEND_SMS: 'send SMS',
  BEFORE_USER_CREATED: 'before user created',
  AFTER_USER_CREATED: 'after user created',
} as const;

/** The hooks Foyer serves (src/config/hook-settings.ts, src/auth/hooks/); the others stop the start. */
const servedHooks = new Set<string>([
  'CUSTOM_ACCESS_TOKEN',
  'PASSWORD_VERIFICATION_ATTEMPT',
  'BEFORE_USER_CREATED',
  'SEND_EMAIL',
  'SEND_SMS',
  'MFA_VERIFICATION_ATTEMPT',
]);

export const extensionPoints: readonly GotrueVariable[] = [
  ...Object.entries(hooks).flatMap(([hook, label]) => {
    const enabled = `GOTRUE_HOOK_${hook}_ENABLED`;
    if (servedHooks.has(hook)) return [honoured(enabled), honoured(`GOTRUE_HOOK_${hook}_URI`), honoured(`GOTRUE_HOOK_${hook}_SECRETS`)];
    return [
      switchOn(enabled, `the ${label} hook`, `Turns on GoTrue's ${label} auth hook (a Postgres function or an HTTP endpoint); Foyer does not have this hook yet.`),
      inert(`GOTRUE_HOOK_${hook}_URI`, `Only with ${enabled}.`),
      inert(`GOTRUE_HOOK_${hook}_SECRETS`, `Only with ${enabled}.`),
    ];
  }),
  honoured('SECRETS', 'Bare name GoTrue falls back to for every GOTRUE_HOOK_*_SECRETS.'),
];

export const mfaAndSso: readonly GotrueVariable[] = [
  ...['CHALLENGE_EXPIRY_DURATION', 'FACTOR_EXPIRY_DURATION', 'RATE_LIMIT_CHALLENGE_AND_VERIFY', 'MAX_ENROLLED_FACTORS', 'MAX_VERIFIED_FACTORS'].map(
    (field) => honoured(`GOTRUE_MFA_${field}`),
  ),
  ...(['ENROLL', 'VERIFY'] as const).flatMap((step) => [
    honoured(`GOTRUE_MFA_TOTP_${step}_ENABLED`),
    honoured(`GOTRUE_MFA_WEB_AUTHN_${step}_ENABLED`),
  ]),
  ...['ENROLL_ENABLED', 'VERIFY_ENABLED', 'OTP_LENGTH', 'MAX_FREQUENCY', 'TEMPLATE'].map((field) => honoured(`GOTRUE_MFA_PHONE_${field}`)),

  ...['ENABLED', 'PRIVATE_KEY', 'PRIVATE_KEY_NEXT', 'ALLOW_ENCRYPTED_ASSERTIONS', 'RELAY_STATE_VALIDITY_PERIOD', 'EXTERNAL_URL', 'RATE_LIMIT_ASSERTION'].map(
    (field) => honoured(`GOTRUE_SAML_${field}`),
  ),

  honoured('GOTRUE_WEBAUTHN_RP_ID'),
  honoured('RP_ID', 'Bare name of GOTRUE_WEBAUTHN_RP_ID (GoTrue reads it when the prefixed name is unset).'),
  honoured('GOTRUE_WEBAUTHN_RP_DISPLAY_NAME'),
  honoured('GOTRUE_WEBAUTHN_RP_ORIGINS'),
  honoured('GOTRUE_WEBAUTHN_CHALLENGE_EXPIRY_DURATION'),
  honoured('GOTRUE_PASSKEY_ENABLED'),
  honoured('GOTRUE_PASSKEY_MAX_PASSKEYS_PER_USER'),
];

export const experimental: readonly GotrueVariable[] = [
  whenSet('GOTRUE_EXPERIMENTAL_PROVIDERS_WITH_OWN_LINKING_DOMAIN', 'separate account-linking domains for providers'),
  whenSet('GOTRUE_EXPERIMENTAL_PROVIDER_LINKING_DOMAINS', 'separate account-linking domains for providers'),
  switchOn('GOTRUE_EXPERIMENTAL_CURSOR_PAGINATION_ENABLED', 'cursor pages on GET /admin/users'),
  switchOn('GOTRUE_EXPERIMENTAL_SCIM_ENABLED', 'SCIM provisioning (/scim/v2)'),
  switchOn('GOTRUE_EXPERIMENTAL_CREATE_EMAIL_IDENTITY_ON_PASSWORD_SET_ENABLED', 'an email identity created when a user without one sets a password'),
];
