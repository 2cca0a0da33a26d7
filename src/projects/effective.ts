/**
 * A project's effective configuration: loadConfig over its base environment with the console's
 * overrides on top, so one validator checks everything. For the default project the base is the
 * server's environment, and a project setting set there is *pinned*: an override of it is ignored
 * (and refused when edited), so GitOps-managed values cannot drift.
 */
import { providerRegistry } from '../auth/oauth/providers.js';
import { loadConfig, type Config, type Env } from '../config/load.js';
import { projectSettings, serverSettingNames } from './catalog.js';

export interface ProjectEnvironment {
  /** What loadConfig reads before the overrides. */
  readonly base: Env;
  /** Canonical variable name → the variable of `base` that pins it. */
  readonly pinned: ReadonlyMap<string, string>;
}

/** The project settings `env` sets, by canonical name, with the name it is set under. */
export function pinnedBy(env: Env): Map<string, string> {
  const pinned = new Map<string, string>();
  for (const entry of projectSettings) {
    const name = entry.names.find((candidate) => env[candidate] !== undefined);
    if (name) pinned.set(entry.env, name);
  }
  return pinned;
}

/** Overrides in force: those of variables the base does not pin. */
export function activeOverrides(environment: ProjectEnvironment, overrides: Readonly<Record<string, string>>): Record<string, string> {
  const active: Record<string, string> = {};
  for (const [name, value] of Object.entries(overrides)) if (!environment.pinned.has(name)) active[name] = value;
  return active;
}

/** The variables loadConfig reads for this project (base, then active overrides). */
export function effectiveEnv(environment: ProjectEnvironment, overrides: Readonly<Record<string, string>>): Env {
  return { ...environment.base, ...activeOverrides(environment, overrides) };
}

/**
 * Validates and builds the configuration; throws ConfigError naming each bad variable. Also builds the
 * OAuth provider registry, so an enabled provider missing its client id is refused here, not later.
 */
export function effectiveConfig(environment: ProjectEnvironment, overrides: Readonly<Record<string, string>>): Config {
  const config = loadConfig(effectiveEnv(environment, overrides));
  providerRegistry(config);
  return config;
}

export interface ProjectSecrets {
  readonly jwtSecret: string;
  readonly databaseUrl: string | undefined;
}

/**
 * The base variables of a project other than the default: the server-wide ones of the environment
 * (pool size, limiter store, trusted proxies…), its own database and JWT secret, and an API_EXTERNAL_URL
 * under /p/<ref>. Project settings start at their defaults: the environment pins only the default project.
 */
export function projectEnvironment(
  serverEnv: Env,
  defaultConfig: Pick<Config, 'apiExternalUrl'>,
  project: ProjectSecrets & { readonly ref: string; readonly kind: 'embedded' | 'postgres'; readonly dataDir: string },
): ProjectEnvironment {
  const env: Record<string, string> = {};
  for (const name of serverSettingNames) {
    const value = serverEnv[name];
    if (value !== undefined) env[name] = value;
  }
  // FOYER_REST_DATABASE_URL is a login on the default project's database: never another project's.
  for (const name of ['DATABASE_URL', 'GOTRUE_DB_DATABASE_URL', 'FOYER_DATA_DIR', 'FOYER_MASTER_KEY', 'FOYER_REST_DATABASE_URL']) delete env[name];
  for (const name of Object.keys(env)) if (name.startsWith('GOTRUE_JWT_')) delete env[name];
  env.GOTRUE_JWT_SECRET = project.jwtSecret;
  if (project.kind === 'postgres') env.DATABASE_URL = project.databaseUrl ?? '';
  env.FOYER_DATA_DIR = project.dataDir;
  // Counters in a shared Redis must not mix projects.
  if (env.REDIS_URL || env.FOYER_REDIS_URL) env.FOYER_RATE_LIMIT_KEY_PREFIX = `${(env.FOYER_RATE_LIMIT_KEY_PREFIX ?? 'foyer').slice(0, 40)}:${project.ref}`;
  env.API_EXTERNAL_URL = `${new URL(defaultConfig.apiExternalUrl).origin}/p/${project.ref}/auth/v1`;
  return { base: env, pinned: new Map() };
}
