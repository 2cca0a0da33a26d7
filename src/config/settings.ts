/**
 * Every setting Foyer reads, under GoTrue's variable names (first name wins; the others are aliases).
 * This table is the single source for loading, validation, `foyer --help` and docs/configuration.md.
 */
import {
  ConfigError,
  parseBool,
  parseDurationSeconds,
  parseEnum,
  parseInteger,
  parseList,
  parseUrl,
} from './parse.js';
import { usableCpus } from './cpu-count.js';
import { isBlank } from './parse-protection.js';
import { dbEncryptionSettings } from './db-encryption-settings.js';
import { mfaSettings } from './mfa-settings.js';
import { mfaPhoneSettings } from './mfa-phone-settings.js';
import { oauthSettings } from './oauth-settings.js';
import { oauthProviderSettings } from './oauth-provider-settings.js';
import { oauthServerSettings } from './oauth-server-settings.js';
import { customOAuthSettings } from './custom-oauth-settings.js';
import { passkeySettings } from './passkey-settings.js';
import { samlSettings } from './saml-settings.js';
import { web3Settings } from './web3-settings.js';
import { opsSettings } from './ops-settings.js';
import { listenerSettings } from './listener-settings.js';
import { workerSettings } from './worker-settings.js';
import { platformSettings } from './platform-settings.js';
import { memorySettings } from './memory-settings.js';
import { stepUpSettings } from './step-up-settings.js';
import { captchaSettings } from './captcha-settings.js';
import { hookSettings } from './hook-settings.js';
import { rateLimitSettings } from './rate-limit-settings.js';
import { smsSettings } from './sms-settings.js';
import { mailTemplateSettings } from './mail-template-settings.js';
import { compileUriGlob } from './uri-glob.js';
import { setting } from './setting.js';
export type { DefaultsContext } from './setting.js';

/**
 * One Foyer process runs JavaScript on one core; measured on 2 cores, 4 connections served more
 * sign-ins than 10 (fewer backends competing for the CPUs, more queries per socket write). A container's
 * CPU quota counts (cpu-count.ts).
 */
const defaultPoolSize = (): number => Math.max(4, 2 * usableCpus());

const bool = (env: string[], fallback: boolean, doc: string) =>
  setting({ env, doc, defaultText: String(fallback), read: (raw, name) => (raw === undefined ? fallback : parseBool(name, raw)) });

const optionalString = (env: string[], doc: string) =>
  setting<string | undefined>({ env, doc, defaultText: '(unset)', read: (raw) => (raw?.trim() ? raw.trim() : undefined) });

/** A mail link path, resolved against API_EXTERNAL_URL as GoTrue does (`/verify` drops its path). */
const urlPath = (env: string[], doc: string) =>
  setting({ env, doc, defaultText: '/verify', read: (raw) => raw?.trim() || '/verify' });

export const settingsSchema = {
  // Server
  port: setting({
    env: ['PORT', 'GOTRUE_API_PORT'],
    doc: 'TCP port to listen on: everything in embedded mode; GoTrue\'s routes only in drop-in mode (DATABASE_URL set; see FOYER_ADMIN_PORT).',
    defaultText: '8081',
    read: (raw, name) => (raw === undefined ? 8081 : parseInteger(name, raw, 0)),
  }),
  host: setting({
    env: ['GOTRUE_API_HOST'],
    doc: 'Address to listen on (drop-in mode: the auth listener). Embedded mode listens on loopback only unless set.',
    defaultText: '127.0.0.1 (embedded), 0.0.0.0 (PostgreSQL)',
    read: (raw, _name, ctx) => raw?.trim() || (ctx.embedded ? '127.0.0.1' : '0.0.0.0'),
  }),
  // Drop-in mode: the admin listener and the Data API's own login (src/config/listener-settings.ts)
  ...listenerSettings,
  // Processes serving the API on this host (src/config/worker-settings.ts)
  ...workerSettings,
  apiExternalUrl: setting<string | undefined>({
    env: ['API_EXTERNAL_URL', 'GOTRUE_API_EXTERNAL_URL', 'GOTRUE_API_API_EXTERNAL_URL'],
    doc: 'Public URL of the auth API (used in links and OAuth redirect URIs).',
    defaultText: 'http://localhost:<PORT>/auth/v1',
    read: (raw, name) => (raw?.trim() ? parseUrl(name, raw) : undefined),
  }),
  siteUrl: setting({
    env: ['GOTRUE_SITE_URL'],
    doc: 'URL of your application; the default redirect target.',
    defaultText: 'http://localhost:3000',
    read: (raw, name) => (raw?.trim() ? parseUrl(name, raw) : 'http://localhost:3000'),
  }),
  uriAllowList: setting({
    env: ['GOTRUE_URI_ALLOW_LIST'],
    doc: 'Comma-separated globs of further allowed redirect URLs (`*` stops at `.` and `/`, `**` crosses them).',
    defaultText: '(empty)',
    read: (raw) => {
      const globs = raw === undefined ? [] : parseList(raw);
      // Compiled once here only to refuse a glob GoTrue cannot compile; the redirect check compiles its own.
      for (const glob of globs) compileUriGlob(glob);
      return globs;
    },
  }),
  logLevel: setting({
    env: ['GOTRUE_LOG_LEVEL', 'LOG_LEVEL'],
    doc: 'Log level: fatal, error, warn, info, debug, trace, silent.',
    defaultText: 'info',
    read: (raw, name) =>
      raw === undefined ? 'info' : parseEnum(name, raw.toLowerCase(), ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
  }),

  // Database
  databaseUrl: setting<string | undefined>({
    env: ['DATABASE_URL', 'GOTRUE_DB_DATABASE_URL'],
    doc: 'PostgreSQL connection URL. Unset: the embedded database (PGlite) in FOYER_DATA_DIR.',
    defaultText: '(unset: embedded)',
    read: (raw, name) => {
      const value = raw?.trim();
      if (!value) return undefined;
      if (!/^postgres(ql)?:\/\//.test(value)) {
        throw new ConfigError(`${name} must be a postgres:// or postgresql:// URL, got a value starting ${JSON.stringify(value.slice(0, 12))}`);
      }
      return value;
    },
  }),
  dbDriver: setting({
    env: ['GOTRUE_DB_DRIVER'],
    doc: 'Accepted for compatibility; only postgres is supported.',
    defaultText: 'postgres',
    read: (raw, name) => (raw === undefined ? 'postgres' : parseEnum(name, raw, ['postgres'] as const)),
  }),
  dbNamespace: setting({
    env: ['DB_NAMESPACE', 'GOTRUE_DB_NAMESPACE', 'GOTRUE_DB_DB_NAMESPACE'],
    doc: 'Accepted for compatibility; the auth schema is always `auth`.',
    defaultText: 'auth',
    read: (raw, name) => (raw === undefined || raw.trim() === '' ? 'auth' : parseEnum(name, raw, ['auth'] as const)),
  }),
  dbPoolSize: setting({
    env: ['FOYER_DB_POOL_SIZE'],
    doc: "Maximum PostgreSQL connections in this process's pool (each worker's with FOYER_WORKERS; unset, the default is shared among the workers, at least 2 each). Busy connections take further queries pipelined, so more connections than the database has cores only add contention. Besides the pool, a process holds one connection that listens for settings changes and one per batched hot path it serves (anonymous sign-in, refresh rotation).",
    defaultText: '2 per CPU core (capped by a CPU quota), at least 4',
    read: (raw, name) => (raw === undefined || raw.trim() === '' ? defaultPoolSize() : parseInteger(name, raw, 1)),
  }),
  dataDir: setting({
    env: ['FOYER_DATA_DIR'],
    doc: 'Where the embedded database and generated secrets are kept.',
    defaultText: './.foyer',
    read: (raw) => raw?.trim() || './.foyer',
  }),

  // Sign-up and providers
  anonymousUsersEnabled: setting({
    env: ['GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED'],
    doc: 'Allow anonymous sign-ins (POST /signup without email or phone).',
    defaultText: 'true (embedded), false (PostgreSQL, as GoTrue)',
    read: (raw, name, ctx) => (raw === undefined ? ctx.embedded : parseBool(name, raw)),
  }),
  disableSignup: bool(['GOTRUE_DISABLE_SIGNUP'], false, 'Refuse every new sign-up (anonymous ones included).'),
  userIdFormat: setting({
    env: ['FOYER_USER_ID_FORMAT'],
    doc: 'How new user ids are made. uuidv4: random, as GoTrue. uuidv7: time-ordered, so a sign-up adds to the right-most pages of the indexes on user ids instead of random ones, which keeps sign-ups at a million users close to their speed on a small database (docs/operations.md); such an id tells whoever sees it when its user signed up, to the millisecond. Session ids are always time-ordered.',
    defaultText: 'uuidv4',
    read: (raw, name) => (isBlank(raw) ? 'uuidv4' : parseEnum(name, raw.trim().toLowerCase(), ['uuidv4', 'uuidv7'] as const)),
  }),
  emailEnabled: bool(['GOTRUE_EXTERNAL_EMAIL_ENABLED'], true, 'Allow email sign-up and sign-in.'),
  magicLinkEnabled: bool(['GOTRUE_EXTERNAL_EMAIL_MAGIC_LINK_ENABLED'], true, 'Allow magic links and emailed sign-in codes (POST /magiclink, POST /otp with an email).'),
  phoneEnabled: bool(['GOTRUE_EXTERNAL_PHONE_ENABLED'], false, 'Allow phone sign-up and sign-in.'),
  manualLinkingEnabled: bool(['GOTRUE_SECURITY_MANUAL_LINKING_ENABLED'], false, 'Allow /user/identities/* (linking identities).'),
  mailerAutoconfirm: bool(['GOTRUE_MAILER_AUTOCONFIRM'], false, 'Confirm email addresses without sending a mail.'),
  smsAutoconfirm: bool(['GOTRUE_SMS_AUTOCONFIRM'], false, 'Confirm phone numbers without sending an SMS.'),
  ...smsSettings,
  passwordMinLength: setting({
    env: ['GOTRUE_PASSWORD_MIN_LENGTH'],
    doc: 'Shortest password accepted (at least 6).',
    defaultText: '6',
    read: (raw, name) => (raw === undefined ? 6 : Math.max(6, parseInteger(name, raw, 0))),
  }),

  // OAuth and OpenID Connect providers (src/config/oauth-settings.ts)
  ...oauthSettings,
  ...oauthProviderSettings,
  // Custom OAuth/OIDC providers kept in the database (src/config/custom-oauth-settings.ts)
  ...customOAuthSettings,
  // Passkeys and the WebAuthn relying party (src/config/passkey-settings.ts)
  ...passkeySettings,
  // SAML 2.0 single sign-on (src/config/saml-settings.ts)
  ...samlSettings,
  // Sign in with Ethereum and Solana (src/config/web3-settings.ts)
  ...web3Settings,
  // Foyer as an OAuth 2.1 / OpenID Connect server for third-party apps (src/config/oauth-server-settings.ts)
  ...oauthServerSettings,

  // TOTP MFA and GoTrue's database encryption (src/config/mfa-settings.ts, db-encryption-settings.ts)
  ...mfaSettings,
  ...mfaPhoneSettings,
  ...dbEncryptionSettings,

  // Operations: anonymous-user cleanup, housekeeping, spike signal, /metrics (src/config/ops-settings.ts)
  ...opsSettings,

  // Platform: console, projects, master key (src/config/platform-settings.ts)
  ...platformSettings,

  // Memory: idle embedded projects closed, the heap handed back when idle (src/config/memory-settings.ts)
  ...memorySettings,

  // JWT
  jwtSecret: optionalString(['GOTRUE_JWT_SECRET'], 'HS256 signing secret. Embedded mode generates one in FOYER_DATA_DIR.'),
  jwtExpSeconds: setting({
    env: ['GOTRUE_JWT_EXP'],
    doc: 'Access token lifetime in seconds (0 means 3600).',
    defaultText: '3600',
    read: (raw, name) => {
      const value = raw === undefined ? 3600 : parseInteger(name, raw, 0);
      return value === 0 ? 3600 : value;
    },
  }),
  jwtAud: setting({
    env: ['GOTRUE_JWT_AUD'],
    doc: 'Audience of access tokens and of new users.',
    defaultText: 'authenticated',
    read: (raw) => raw?.trim() || 'authenticated',
  }),
  jwtAdminRoles: setting({
    env: ['GOTRUE_JWT_ADMIN_ROLES'],
    doc: 'JWT roles allowed to call the admin API.',
    defaultText: 'service_role,supabase_admin',
    read: (raw) => (raw === undefined ? ['service_role', 'supabase_admin'] : parseList(raw)),
  }),
  jwtDefaultGroupName: setting({
    env: ['GOTRUE_JWT_DEFAULT_GROUP_NAME'],
    doc: 'Role stored on new users and put in their tokens.',
    defaultText: 'authenticated',
    read: (raw) => raw?.trim() || 'authenticated',
  }),
  jwtIssuer: optionalString(['GOTRUE_JWT_ISSUER'], 'The `iss` claim (omitted when unset).'),
  jwtKeyId: optionalString(['GOTRUE_JWT_KEY_ID'], 'The `kid` header of HS256 tokens (none when unset).'),
  jwtKeys: setting<readonly Record<string, unknown>[] | undefined>({
    env: ['GOTRUE_JWT_KEYS'],
    doc: 'JSON array of private JWKs (RS256, ES256, …, oct); the one whose key_ops has "sign" signs.',
    defaultText: '(unset)',
    read: (raw, name) => {
      if (!raw?.trim()) return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        throw new ConfigError(`${name} must be a JSON array of JWKs, got text that is not JSON`);
      }
      if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((k) => k && typeof k === 'object' && !Array.isArray(k))) {
        throw new ConfigError(`${name} must be a non-empty JSON array of JWK objects`);
      }
      return parsed as Record<string, unknown>[];
    },
  }),
  jwtValidMethods: setting<readonly string[] | undefined>({
    env: ['GOTRUE_JWT_VALID_METHODS'],
    doc: 'Algorithms accepted on verification (default: those of the configured keys).',
    defaultText: '(the keys’ algorithms)',
    read: (raw) => (raw?.trim() ? parseList(raw) : undefined),
  }),

  // Mail
  smtpHost: optionalString(['GOTRUE_SMTP_HOST'], 'SMTP server; unset keeps mail in the outbox (admin API /admin/mail/outbox).'),
  smtpPort: setting({
    env: ['GOTRUE_SMTP_PORT'],
    doc: 'SMTP port (465 uses TLS from the start, others STARTTLS when offered).',
    defaultText: '587',
    read: (raw, name) => (raw === undefined ? 587 : parseInteger(name, raw, 1)),
  }),
  smtpUser: optionalString(['GOTRUE_SMTP_USER'], 'SMTP user name.'),
  smtpPass: optionalString(['GOTRUE_SMTP_PASS'], 'SMTP password (never logged).'),
  smtpAdminEmail: setting({
    env: ['GOTRUE_SMTP_ADMIN_EMAIL'],
    doc: 'Sender address of every mail.',
    defaultText: 'foyer@localhost',
    read: (raw) => raw?.trim() || 'foyer@localhost',
  }),
  smtpSenderName: optionalString(['GOTRUE_SMTP_SENDER_NAME'], 'Sender display name.'),
  smtpMaxFrequencySeconds: setting({
    env: ['GOTRUE_SMTP_MAX_FREQUENCY'],
    doc: 'Shortest time between two mails to one user (Go duration or seconds).',
    defaultText: '1m',
    read: (raw, name) => (raw === undefined ? 60 : parseDurationSeconds(name, raw)),
  }),
  mailerSecureEmailChangeEnabled: bool(
    ['GOTRUE_MAILER_SECURE_EMAIL_CHANGE_ENABLED'],
    true,
    'Email changes of users who already have an address need confirming from both addresses.',
  ),
  mailerOtpExpSeconds: setting({
    env: ['GOTRUE_MAILER_OTP_EXP'],
    doc: 'Lifetime of mailed links and codes, in seconds.',
    defaultText: '86400',
    read: (raw, name) => (raw === undefined ? 86400 : parseInteger(name, raw, 1)),
  }),
  mailerUrlPathConfirmation: urlPath(['GOTRUE_MAILER_URLPATHS_CONFIRMATION'], 'Path of sign-up confirmation links.'),
  mailerUrlPathInvite: urlPath(['GOTRUE_MAILER_URLPATHS_INVITE'], 'Path of invitation links.'),
  mailerUrlPathRecovery: urlPath(['GOTRUE_MAILER_URLPATHS_RECOVERY'], 'Path of recovery and magic links.'),
  mailerUrlPathEmailChange: urlPath(['GOTRUE_MAILER_URLPATHS_EMAIL_CHANGE'], 'Path of email change links.'),

  // Custom mail subjects and fetched HTML templates (src/config/mail-template-settings.ts, docs/email-templates.md)
  ...mailTemplateSettings,

  // Step-up for password changes: nonce, current password (src/config/step-up-settings.ts)
  ...stepUpSettings,

  // Auth hooks: custom access token, password verification attempt, before user created (src/config/hook-settings.ts)
  ...hookSettings,

  // Abuse protection: CAPTCHA, the built-in proof-of-work, escalation and the anonymous budget
  // (src/config/captcha-settings.ts, docs/abuse-protection.md).
  ...captchaSettings,

  // Abuse protection: rate limits, on by default and keyed by client IP (src/config/rate-limit-settings.ts)
  ...rateLimitSettings,

  // Merging an anonymous user into an existing account (Foyer)
  mergeEnabled: bool(
    ['FOYER_MERGE_ANONYMOUS_ENABLED'],
    false,
    'Allow POST /user/merge: an anonymous user whose address is taken moves its rows to the account it signs in to.',
  ),
  mergeFunction: setting<string | undefined>({
    env: ['FOYER_MERGE_FUNCTION'],
    doc: 'SQL function (schema.name, args: from_user uuid, to_user uuid) that moves an anonymous user\'s rows; unset re-points every foreign key to auth.users.',
    defaultText: '(unset: re-point foreign keys)',
    read: (raw, name) => {
      const value = raw?.trim();
      if (!value) return undefined;
      if (!/^[a-z_][a-z0-9_$]*\.[a-z_][a-z0-9_$]*$/i.test(value)) {
        throw new ConfigError(`${name} must be a schema-qualified function name such as public.merge_anonymous_user, got ${JSON.stringify(raw)}`);
      }
      return value;
    },
  }),
  mergeProofMaxAgeSeconds: setting({
    env: ['FOYER_MERGE_SIGN_IN_MAX_AGE'],
    doc: 'How recent the sign-in to the existing account must be for a merge (Go duration).',
    defaultText: '10m',
    read: (raw, name) => (raw === undefined ? 600 : parseDurationSeconds(name, raw)),
  }),

  // Data API (/rest/v1) and the RLS audit: docs/data-api.md, docs/rls-audit.md
  restSchemas: setting<readonly string[]>({
    env: ['FOYER_REST_SCHEMAS', 'PGRST_DB_SCHEMAS'],
    doc: 'Comma-separated schemas the Data API exposes (the first is the default; others via Accept-Profile/Content-Profile).',
    defaultText: 'public',
    read: (raw, name) => {
      const schemas = raw === undefined ? ['public'] : parseList(raw);
      if (schemas.length === 0) throw new ConfigError(`${name} must name at least one schema, such as public`);
      for (const schema of schemas) {
        if (!/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/.test(schema)) throw new ConfigError(`${name} must list schema names such as public,api; got ${JSON.stringify(schema)}`);
      }
      return schemas;
    },
  }),
  restMaxRows: setting({
    env: ['FOYER_REST_MAX_ROWS', 'PGRST_DB_MAX_ROWS'],
    doc: 'Most rows one Data API read returns (a larger limit is cut to this), as Supabase\'s "Max rows".',
    defaultText: '1000',
    read: (raw, name) => (isBlank(raw) ? 1000 : parseInteger(name, raw, 1)),
  }),
  restCheckSession: bool(
    ['FOYER_REST_CHECK_SESSION'],
    true,
    'Refuse on the Data API an access token whose session has ended (signed out, ended by a reused refresh token, user deleted or banned); false: PostgREST\'s behaviour, any unexpired token is let in.',
  ),

  // Sessions and refresh tokens
  refreshTokenRotationEnabled: bool(
    ['GOTRUE_SECURITY_REFRESH_TOKEN_ROTATION_ENABLED'],
    true,
    'Detect refresh-token reuse; a reused token ends its whole session.',
  ),
  refreshTokenReuseIntervalSeconds: setting({
    env: ['GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL'],
    doc: 'Seconds during which a just-rotated refresh token may still be used.',
    defaultText: '0',
    read: (raw, name) => (raw === undefined ? 0 : parseInteger(name, raw, 0)),
  }),
  sessionsTimeboxSeconds: setting({
    env: ['GOTRUE_SESSIONS_TIMEBOX'],
    doc: 'Maximum session age (Go duration, 0 = unlimited).',
    defaultText: '0',
    read: (raw, name) => (raw === undefined ? 0 : parseDurationSeconds(name, raw)),
  }),
  sessionsInactivityTimeoutSeconds: setting({
    env: ['GOTRUE_SESSIONS_INACTIVITY_TIMEOUT'],
    doc: 'End a session not refreshed for this long (Go duration, 0 = never).',
    defaultText: '0',
    read: (raw, name) => (raw === undefined ? 0 : parseDurationSeconds(name, raw)),
  }),
} as const;

type Schema = typeof settingsSchema;
export type SettingKey = keyof Schema;
export type SettingValues = { readonly [K in SettingKey]: ReturnType<Schema[K]['read']> };
