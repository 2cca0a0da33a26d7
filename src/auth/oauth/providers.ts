/**
 * The providers this project has enabled, built once per configuration. An enabled provider without
 * what it needs stops the app from being built, naming the variable (`foyer start` exits with it).
 */
import type { Config } from '../../config/load.js';
import { providerVariables } from '../../config/oauth-provider-settings.js';
import { ConfigError } from '../../config/parse.js';
import { catalogue, type ProviderDefinition, type ProviderSettings } from './catalogue/index.js';
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
        skipNonceCheck: config.externalGoogleSkipNonceCheck,
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
        skipNonceCheck: config.externalOidcSkipNonceCheck,
      }),
    );
  }
  for (const definition of catalogue) {
    const settings = catalogueSettings(config, definition, problems);
    if (settings) providers.set(definition.name, definition.build(settings));
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return {
    get: (name) => providers.get(name.trim().toLowerCase()),
    names: [...providers.keys()],
  };
}

/** A catalogue provider's GOTRUE_EXTERNAL_<P>_* values when it is enabled and complete; missing ones go to `problems`. */
function catalogueSettings(config: Config, definition: ProviderDefinition, problems: string[]): ProviderSettings | undefined {
  const values = config as unknown as Readonly<Record<string, unknown>>;
  const key = definition.key;
  if (values[`external${key}Enabled`] !== true) return undefined;
  const prefix = `GOTRUE_EXTERNAL_${providerVariables[key].env}`;
  const before = problems.length;
  const clientIds = values[`external${key}ClientId`] as readonly string[];
  const secret = values[`external${key}Secret`] as string | undefined;
  const url = values[`external${key}Url`] as string | undefined;
  if (clientIds.length === 0) problems.push(`${prefix}_CLIENT_ID is required when ${prefix}_ENABLED=true`);
  if (!secret) problems.push(`${prefix}_SECRET is required when ${prefix}_ENABLED=true`);
  if (definition.urlRequired && !url) problems.push(`${prefix}_URL is required when ${prefix}_ENABLED=true`);
  if (problems.length > before) return undefined;
  return {
    clientIds,
    secret: secret as string,
    redirectUri: (values[`external${key}RedirectUri`] as string | undefined) ?? defaultRedirectUri(config),
    url,
    skipNonceCheck: values[`external${key}SkipNonceCheck`] === true,
    iosBundleId: definition.name === 'apple' ? config.externalIosBundleId : undefined,
  };
}
