/**
 * The providers this project has enabled, built once per configuration. An enabled provider without
 * what it needs stops the app from being built, naming the variable (`foyer start` exits with it).
 */
import type { Config } from '../../config/load.js';
import { ConfigError } from '../../config/parse.js';
import { GithubProvider } from './github.js';
import { OidcProvider } from './oidc.js';
import type { OAuthProvider } from './types.js';

export const GOOGLE_ISSUER = 'https://accounts.google.com';

export interface ProviderRegistry {
  /** The enabled provider of that name (case-insensitive, as GoTrue), or undefined. */
  get(name: string): OAuthProvider | undefined;
  readonly names: readonly string[];
}

const registries = new WeakMap<Config, ProviderRegistry>();

export function providerRegistry(config: Config): ProviderRegistry {
  let registry = registries.get(config);
  if (!registry) {
    registry = buildRegistry(config);
    registries.set(config, registry);
  }
  return registry;
}

/** The callback URL registered at providers: `<API_EXTERNAL_URL>/callback` unless set per provider. */
export const defaultRedirectUri = (config: Pick<Config, 'apiExternalUrl'>): string => `${config.apiExternalUrl.replace(/\/+$/, '')}/callback`;

function buildRegistry(config: Config): ProviderRegistry {
  const problems: string[] = [];
  const require = <T>(value: T | undefined, variable: string, provider: string): T => {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) problems.push(`${variable} is required when ${provider}=true`);
    return value as T;
  };
  const providers = new Map<string, OAuthProvider>();
  // Construct a provider only when all of its settings are there (the others are reported together).
  const complete = (problemsBefore: number) => problems.length === problemsBefore;
  if (config.externalGoogleEnabled) {
    const before = problems.length;
    const clientIds = require(config.externalGoogleClientId, 'GOTRUE_EXTERNAL_GOOGLE_CLIENT_ID', 'GOTRUE_EXTERNAL_GOOGLE_ENABLED');
    const secret = require(config.externalGoogleSecret, 'GOTRUE_EXTERNAL_GOOGLE_SECRET', 'GOTRUE_EXTERNAL_GOOGLE_ENABLED');
    if (complete(before)) providers.set(
      'google',
      new OidcProvider({
        name: 'google',
        issuer: GOOGLE_ISSUER,
        issuerAliases: ['accounts.google.com'],
        clientIds,
        secret,
        redirectUri: config.externalGoogleRedirectUri ?? defaultRedirectUri(config),
        scopes: ['openid', 'email', 'profile'],
      }),
    );
  }
  if (config.externalGithubEnabled) {
    const before = problems.length;
    const clientId = require(config.externalGithubClientId, 'GOTRUE_EXTERNAL_GITHUB_CLIENT_ID', 'GOTRUE_EXTERNAL_GITHUB_ENABLED');
    const secret = require(config.externalGithubSecret, 'GOTRUE_EXTERNAL_GITHUB_SECRET', 'GOTRUE_EXTERNAL_GITHUB_ENABLED');
    if (complete(before)) providers.set(
      'github',
      new GithubProvider({
        clientId,
        secret,
        redirectUri: config.externalGithubRedirectUri ?? defaultRedirectUri(config),
        baseUrl: config.externalGithubUrl,
      }),
    );
  }
  if (config.externalOidcEnabled) {
    const before = problems.length;
    const issuer = require(config.externalOidcIssuer, 'FOYER_EXTERNAL_OIDC_ISSUER', 'FOYER_EXTERNAL_OIDC_ENABLED');
    const clientIds = require(config.externalOidcClientId, 'FOYER_EXTERNAL_OIDC_CLIENT_ID', 'FOYER_EXTERNAL_OIDC_ENABLED');
    const secret = require(config.externalOidcSecret, 'FOYER_EXTERNAL_OIDC_SECRET', 'FOYER_EXTERNAL_OIDC_ENABLED');
    if (complete(before)) providers.set(
      config.externalOidcName,
      new OidcProvider({
        name: config.externalOidcName,
        issuer,
        clientIds,
        secret,
        redirectUri: config.externalOidcRedirectUri ?? defaultRedirectUri(config),
        scopes: config.externalOidcScopes,
      }),
    );
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return {
    get: (name) => providers.get(name.trim().toLowerCase()),
    names: [...providers.keys()],
  };
}
