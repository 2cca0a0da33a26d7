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

/** What a default may depend on: whether Foyer runs on its embedded database. */
export interface DefaultsContext {
  readonly embedded: boolean;
}

interface Setting<T> {
  readonly env: readonly string[];
  readonly doc: string;
  readonly defaultText: string;
  readonly read: (raw: string | undefined, variable: string, context: DefaultsContext) => T;
}

const setting = <T>(definition: Setting<T>): Setting<T> => definition;

const bool = (env: string[], fallback: boolean, doc: string) =>
  setting({ env, doc, defaultText: String(fallback), read: (raw, name) => (raw === undefined ? fallback : parseBool(name, raw)) });

const optionalString = (env: string[], doc: string) =>
  setting<string | undefined>({ env, doc, defaultText: '(unset)', read: (raw) => (raw?.trim() ? raw.trim() : undefined) });

export const settingsSchema = {
  // Server
  port: setting({
    env: ['PORT', 'GOTRUE_API_PORT'],
    doc: 'TCP port to listen on.',
    defaultText: '8081',
    read: (raw, name) => (raw === undefined ? 8081 : parseInteger(name, raw, 0)),
  }),
  host: setting({
    env: ['GOTRUE_API_HOST'],
    doc: 'Address to listen on. Embedded mode listens on loopback only unless set.',
    defaultText: '127.0.0.1 (embedded), 0.0.0.0 (PostgreSQL)',
    read: (raw, _name, ctx) => raw?.trim() || (ctx.embedded ? '127.0.0.1' : '0.0.0.0'),
  }),
  apiExternalUrl: setting<string | undefined>({
    env: ['API_EXTERNAL_URL', 'GOTRUE_API_EXTERNAL_URL'],
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
    doc: 'Comma-separated globs of further allowed redirect URLs (`**` crosses `.` and `/`).',
    defaultText: '(empty)',
    read: (raw) => (raw === undefined ? [] : parseList(raw)),
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
    env: ['DB_NAMESPACE', 'GOTRUE_DB_NAMESPACE'],
    doc: 'Accepted for compatibility; the auth schema is always `auth`.',
    defaultText: 'auth',
    read: (raw, name) => (raw === undefined || raw.trim() === '' ? 'auth' : parseEnum(name, raw, ['auth'] as const)),
  }),
  dbPoolSize: setting({
    env: ['FOYER_DB_POOL_SIZE'],
    doc: 'Maximum PostgreSQL connections held by this process.',
    defaultText: '10',
    read: (raw, name) => (raw === undefined ? 10 : parseInteger(name, raw, 1)),
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
  emailEnabled: bool(['GOTRUE_EXTERNAL_EMAIL_ENABLED'], true, 'Allow email sign-up and sign-in.'),
  phoneEnabled: bool(['GOTRUE_EXTERNAL_PHONE_ENABLED'], false, 'Allow phone sign-up and sign-in.'),
  manualLinkingEnabled: bool(['GOTRUE_SECURITY_MANUAL_LINKING_ENABLED'], false, 'Allow /user/identities/* (linking identities).'),
  mailerAutoconfirm: bool(['GOTRUE_MAILER_AUTOCONFIRM'], false, 'Confirm email addresses without sending a mail.'),
  smsAutoconfirm: bool(['GOTRUE_SMS_AUTOCONFIRM'], false, 'Confirm phone numbers without sending an SMS.'),
  passwordMinLength: setting({
    env: ['GOTRUE_PASSWORD_MIN_LENGTH'],
    doc: 'Shortest password accepted (at least 6).',
    defaultText: '6',
    read: (raw, name) => (raw === undefined ? 6 : Math.max(6, parseInteger(name, raw, 0))),
  }),

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
