/** Opening a project: its database (migrated), its keys and the domain dependencies. */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AuthDeps } from './auth/deps.js';
import { withOverrides, type Config } from './config/load.js';
import { createMailer } from './mail/mailer.js';
import { deriveApiKeys, type ApiKeys } from './security/api-keys.js';
import { createCaptchaVerifier } from './security/captcha/verifier.js';
import { createClientIpResolver } from './security/client-ip.js';
import { randomSecret } from './security/crypto.js';
import { createKeyring } from './security/jwt.js';
import { createRateLimits } from './security/rate-limit.js';
import type { Db } from './store/db.js';
import { migrate, type MigrationResult } from './store/migrate.js';
import { openDb } from './store/open.js';

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
  const db = options.db ?? (await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.dbPoolSize }));
  try {
    const migrations = await migrate(db);
    const apiKeys = await deriveApiKeys(keyring);
    const mailer = createMailer(config);
    // Counters need the migrated database (postgres store) or a live Redis; close() releases Redis.
    const rateLimits = await createRateLimits(config, db);
    const captcha = createCaptchaVerifier(config);
    const clientIp = createClientIpResolver(config);
    return { deps: { db, config, keyring, mailer, captcha, rateLimits, clientIp }, apiKeys, migrations, generatedSecret };
  } catch (error) {
    if (!options.db) await db.close();
    throw error;
  }
}
