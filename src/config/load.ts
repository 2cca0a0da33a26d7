/** Loads, validates and freezes the configuration from the environment (and `.env` files). */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import { unsupportedFeatureProblems } from './gotrue-variables.js';
import { dbEncryptionProblems } from './db-encryption-settings.js';
import { ConfigError } from './parse.js';
import { listenerProblems } from './listener-settings.js';
import { workerProblems } from './worker-settings.js';
import { passkeyProblems } from './passkey-settings.js';
import { samlProblems } from './saml-settings.js';
import { protectionProblems } from './parse-protection.js';
import { settingsSchema, type SettingKey, type SettingValues } from './settings.js';
import { smsProblems } from './sms-settings.js';
import { hookProblems } from './hook-settings.js';

export { ConfigError } from './parse.js';

export interface Config extends SettingValues {
  /** True when no DATABASE_URL is given: Foyer runs on PGlite in `dataDir`. */
  readonly embedded: boolean;
  readonly apiExternalUrl: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Closes a ConfigError that lists GoTrue variables asking for features Foyer lacks. */
export const MISSING_FEATURES_FOOTER =
  "docs/configuration.md (GoTrue's variables) lists every GoTrue variable with what Foyer does with it.";

/** Merge `.env` files under the real environment (the real environment wins, as GoTrue does). */
export function readEnv(processEnv: Env, envFiles: readonly string[] = ['.env']): Env {
  const merged: Record<string, string | undefined> = {};
  for (const file of envFiles) {
    if (!existsSync(file)) continue;
    Object.assign(merged, parseDotenv(readFileSync(file)));
  }
  return { ...merged, ...processEnv };
}

function rawValue(env: Env, names: readonly string[]): { raw: string | undefined; variable: string } {
  for (const name of names) {
    const raw = env[name];
    if (raw !== undefined) return { raw, variable: name };
  }
  return { raw: undefined, variable: names[0] };
}

/**
 * Throws one ConfigError listing every bad variable, each with what it accepts, and every GoTrue
 * variable whose value turns on a feature Foyer does not have (src/config/gotrue-variables.ts).
 */
export function loadConfig(env: Env): Config {
  const embedded = !rawValue(env, settingsSchema.databaseUrl.env).raw?.trim();
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const key of Object.keys(settingsSchema) as SettingKey[]) {
    const definition = settingsSchema[key];
    const { raw, variable } = rawValue(env, definition.env);
    try {
      values[key] = definition.read(raw, variable, { embedded });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message);
    }
  }
  if (!embedded && !values.jwtSecret && !values.jwtKeys) {
    problems.push(
      'GOTRUE_JWT_SECRET is required when DATABASE_URL is set (or give GOTRUE_JWT_KEYS); use the same secret as your PostgREST and API keys, at least 32 characters',
    );
  }
  if (typeof values.jwtSecret === 'string' && values.jwtSecret.length < 32) {
    problems.push('GOTRUE_JWT_SECRET must be at least 32 characters long; generate one with `openssl rand -base64 48`');
  }
  problems.push(...protectionProblems(values));
  problems.push(...listenerProblems(values, embedded));
  problems.push(...workerProblems(values, embedded));
  problems.push(...passkeyProblems(values));
  problems.push(...samlProblems(values));
  problems.push(...smsProblems(values));
  problems.push(...dbEncryptionProblems(values));
  problems.push(...hookProblems(values));
  // A GoTrue variable asking for a feature Foyer lacks stops the start rather than being ignored.
  const missingFeatures = unsupportedFeatureProblems(env);
  problems.push(...missingFeatures);
  if (problems.length > 0) {
    const footer = missingFeatures.length > 0 ? `\n${MISSING_FEATURES_FOOTER}` : '';
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}${footer}`);
  }
  const port = values.port as number;
  const apiExternalUrl = (values.apiExternalUrl as string | undefined) ?? `http://localhost:${port}/auth/v1`;
  return Object.freeze({ ...(values as unknown as SettingValues), embedded, apiExternalUrl }) as Config;
}

/** A copy of `config` with some values replaced (tests, per-project overrides); still frozen. */
export function withOverrides(config: Config, overrides: Partial<Config>): Config {
  return Object.freeze({ ...config, ...overrides });
}
