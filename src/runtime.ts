/** Opening a project: its database (migrated), its keys and the domain dependencies. */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AuthDeps } from './auth/deps.js';
import { projectSmsSender } from './auth/hooks/send-sms.js';
import { requireReadableTotpSecrets } from './auth/mfa/readable-secrets.js';
import { withOverrides, type Config } from './config/load.js';
import { createMailer } from './mail/mailer.js';
import { deriveApiKeys, type ApiKeys } from './security/api-keys.js';
import { createCaptchaVerifier } from './security/captcha/verifier.js';
import { createClientIpResolver } from './security/client-ip.js';
import { createEscalation } from './security/escalation.js';
import { randomSecret } from './security/crypto.js';
import { createKeyring } from './security/jwt.js';
import { createRateLimits } from './security/rate-limit.js';
import { createAbuseCounter } from './security/abuse-counters.js';
import type { Db } from './store/db.js';
import { migrate, type MigrationResult } from './store/migrate.js';
import { openDb } from './store/open.js';
import { createEmbeddedDbIfNew } from './store/pglite-create.js';
import { openRestLogin } from './store/rest-login.js';

export interface Project {
  readonly deps: AuthDeps;
  readonly apiKeys: ApiKeys;
  readonly migrations: MigrationResult;
  /** True when the JWT secret was generated and stored in the data directory. */
  readonly generatedSecret: boolean;
}

/** Embedded mode keeps a generated secret in the data directory so tokens survive restarts. */
export function embeddedJwtSecret(dataDir: string): { secret: string; generated: boolean } {
  const dir = resolve(dataDir);
  const file = join(dir, 'jwt-secret');
  if (existsSync(file)) return { secret: readFileSync(file, 'utf8').trim(), generated: false };
  mkdirSync(dir, { recursive: true });
  const secret = randomSecret(48);
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { secret, generated: true };
}

/** Fills in what zero-config embedded mode generates. */
export function resolveSecrets(config: Config): { config: Config; generatedSecret: boolean } {
  if (config.jwtSecret || config.jwtKeys) return { config, generatedSecret: false };
  const { secret, generated } = embeddedJwtSecret(config.dataDir);
  return { config: withOverrides(config, { jwtSecret: secret }), generatedSecret: generated };
}

export async function openProject(baseConfig: Config, options: { db?: Db } = {}): Promise<Project> {
  const { config, generatedSecret } = resolveSecrets(baseConfig);
  const keyring = createKeyring({
    secret: config.jwtSecret,
    secretKeyId: config.jwtKeyId,
    jwks: config.jwtKeys,
    validMethods: config.jwtValidMethods,
  });
  // A new embedded database is created in a child process (store/pglite-create.ts).
  const createdWith = !options.db && !config.databaseUrl ? await createEmbeddedDbIfNew(config.dataDir) : [];
  const db = options.db ?? (await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.dbPoolSize }));
  try {
    const migrated = await migrate(db);
    const migrations = { ...migrated, applied: [...createdWith, ...migrated.applied] };
    await requireReadableTotpSecrets(db, config);
    const apiKeys = await deriveApiKeys(keyring);
    const mailer = createMailer(config);
    const sms = projectSmsSender({ db, config });
    // Counters need the migrated database (postgres store) or a live Redis; close() releases Redis.
    const rateLimits = await createRateLimits(config, db);
    const captcha = createCaptchaVerifier(config, { claimOnce: rateLimits.claimOnce });
    const clientIp = createClientIpResolver(config);
    const escalation = createEscalation(db);
    return { deps: { db, config, keyring, mailer, sms, captcha, rateLimits, escalation, clientIp, abuse: createAbuseCounter() }, apiKeys, migrations, generatedSecret };
  } catch (error) {
    if (!options.db) await db.close();
    throw error;
  }
}

/** Where the default project's Data API runs its queries (docs/data-api.md, "Drop-in mode"). */
export interface DataApiConnection {
  /** null: no Data API. */
  readonly db: Db | null;
  /** Drop-in mode: the role FOYER_REST_DATABASE_URL logs in as. */
  readonly login: string | undefined;
  /** Closes what was opened for it (not the project database). */
  close(): Promise<void>;
}

/** The roles Data API requests switch to, so the roles its own login must be able to become. */
export const dataApiRoles = (config: Config): string[] => [...new Set(['anon', config.jwtDefaultGroupName, 'service_role'])];

/**
 * Embedded mode: the project database, as ever. Drop-in mode: the login of FOYER_REST_DATABASE_URL,
 * checked (it must be able to become every API role; a ConfigError says which GRANT is missing), or
 * none: the Data API never runs on the auth server's login.
 */
export async function openDataApi(project: Project): Promise<DataApiConnection> {
  const { config, db } = project.deps;
  if (config.embedded) return { db, login: undefined, close: async () => {} };
  if (!config.restDatabaseUrl) return { db: null, login: undefined, close: async () => {} };
  const rest = await openRestLogin({ url: config.restDatabaseUrl, poolSize: config.dbPoolSize, authDb: db, apiRoles: dataApiRoles(config) });
  return { db: rest.db, login: rest.login, close: () => rest.db.close() };
}
