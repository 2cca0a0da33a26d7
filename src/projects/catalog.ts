/**
 * Which settings a project may change from the console, under which variable names, and how values
 * are shown. Everything in settingsSchema is a project setting except the server-wide ones below:
 * those decide how this process listens, where databases and keys are, or are read once when an app
 * is built, so they come from the environment only (and changing them needs a restart).
 */
import { settingsSchema, type SettingKey } from '../config/settings.js';
import { providerRedirectUriKeys, providerSecretKeys } from '../config/oauth-provider-settings.js';

const SERVER_KEYS: ReadonlySet<SettingKey> = new Set<SettingKey>([
  'port',
  'host',
  'adminPort',
  'adminHost',
  'restDatabaseUrl',
  'workers',
  'logLevel',
  'databaseUrl',
  'dbDriver',
  'dbNamespace',
  'dbPoolSize',
  'dataDir',
  'jwtSecret',
  'jwtKeys',
  'jwtKeyId',
  'jwtValidMethods',
  'rateLimitStore',
  'redisUrl',
  'rateLimitKeyPrefix',
  'trustedProxies',
  // Which networks custom providers may reach is the operator's call, not a console admin's.
  'customOAuthAllowPrivateNetwork',
  'rateLimitHeader',
  // Read when the Data API is registered (src/http/rest/plugin.ts).
  'restSchemas',
  'restMaxRows',
  'masterKey',
  'baseDomain',
  'consoleEnabled',
  // Decide what this process keeps in memory (src/config/memory-settings.ts).
  'embeddedProjectIdleSeconds',
  'compactHeapWhenIdle',
  'heapGrowthPercent',
  // Keys of data already stored: changing them from the console could make that data unreadable.
  'dbEncryptionEncrypt',
  'dbEncryptionKeyId',
  'dbEncryptionKey',
  'dbDecryptionKeys',
]);

/** Values never shown in full: only whether they are set. */
const SECRET_KEYS: ReadonlySet<SettingKey> = new Set<SettingKey>([
  'captchaSecret',
  'smtpPass',
  'externalGoogleSecret',
  'externalGithubSecret',
  'externalOidcSecret',
  ...providerSecretKeys,
  'smsTwilioAuthToken',
  'smsTwilioVerifyAuthToken',
  'smsMessagebirdAccessKey',
  'smsTextlocalApiKey',
  'smsVonageApiSecret',
  // Standard Webhooks secrets of the auth hooks: write-only in the console and its API.
  'customAccessTokenHookSecrets',
  'passwordVerificationAttemptHookSecrets',
  'beforeUserCreatedHookSecrets',
  'sendEmailHookSecrets',
  'sendSmsHookSecrets',
  'mfaVerificationAttemptHookSecrets',
]);

export const MASK = '••••';

/** Where this project is reached (links, OAuth callbacks): never copied to, nor compared with, another project. */
const PROJECT_URL_KEYS: ReadonlySet<SettingKey> = new Set<SettingKey>([
  'apiExternalUrl',
  'externalGoogleRedirectUri',
  'externalGithubRedirectUri',
  'externalOidcRedirectUri',
  ...providerRedirectUriKeys,
]);

export const isProjectUrlSetting = (key: SettingKey): boolean => PROJECT_URL_KEYS.has(key);

export interface CatalogEntry {
  readonly key: SettingKey;
  /** The canonical variable name: what overrides are stored under. */
  readonly env: string;
  /** Every name the loader reads, canonical first. */
  readonly names: readonly string[];
  readonly doc: string;
  readonly defaultText: string;
  readonly secret: boolean;
}

const allKeys = Object.keys(settingsSchema) as SettingKey[];

export const isServerSetting = (key: SettingKey): boolean => SERVER_KEYS.has(key);

/** The project settings, in the schema's order. */
export const projectSettings: readonly CatalogEntry[] = allKeys
  .filter((key) => !SERVER_KEYS.has(key))
  .map((key) => {
    const definition = settingsSchema[key];
    return {
      key,
      env: definition.env[0],
      names: definition.env,
      doc: definition.doc,
      defaultText: definition.defaultText,
      secret: SECRET_KEYS.has(key),
    };
  });

const byName = new Map<string, CatalogEntry>();
for (const entry of projectSettings) for (const name of entry.names) byName.set(name, entry);

/** The project setting read under `name` (canonical or alias), if any. */
export const settingForEnv = (name: string): CatalogEntry | undefined => byName.get(name);

/** Every variable name of the server-wide settings (what every project inherits from the environment). */
export const serverSettingNames: readonly string[] = allKeys.filter((key) => SERVER_KEYS.has(key)).flatMap((key) => settingsSchema[key].env);

/** An effective value as the string its variable would hold (what the loader reads back to the same value). */
export function renderValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(',');
  if (typeof value === 'object' && 'limit' in value && 'windowSeconds' in value) {
    const rate = value as { limit: number; windowSeconds: number };
    return `${rate.limit}/${rate.windowSeconds}s`;
  }
  return JSON.stringify(value);
}
