/**
 * Custom providers at sign-in: "custom:<name>" is read from auth.custom_oauth_providers on each use (so a
 * change made by another process, or by GoTrue, counts at once) and built into the same OAuthProvider the
 * catalogue's providers are — OpenID Connect ones from the discovery document checked when they were saved,
 * OAuth 2.0 ones from their three endpoints. A built provider is kept while its row is unchanged (same
 * updated_at), so its JWKS stays cached between sign-ins.
 */
import type { Config } from '../../../config/load.js';
import { dbEncryptionOf } from '../../../config/db-encryption-settings.js';
import { FoyerError } from '../../../errors.js';
import { openStoredValue } from '../../../security/encrypted-string.js';
import { findCustomProvider, type CustomOAuthProviderRow } from '../../../store/custom-oauth-providers.js';
import type { Queryable } from '../../../store/db.js';
import { OAuth2Provider } from '../oauth2-provider.js';
import { OidcProvider } from '../oidc.js';
import type { OAuthProvider } from '../types.js';
import { customProfile } from './profile.js';
import { publicOnlyFetch } from './public-fetch.js';

export const CUSTOM_PREFIX = 'custom:';

export const isCustomProviderName = (name: string): boolean => name.trim().toLowerCase().startsWith(CUSTOM_PREFIX);

interface Built {
  readonly version: string;
  readonly provider: OAuthProvider;
  readonly row: CustomOAuthProviderRow;
}

const builtByConfig = new WeakMap<Config, Map<string, Built>>();

function builtFor(config: Config): Map<string, Built> {
  let built = builtByConfig.get(config);
  if (!built) {
    built = new Map();
    builtByConfig.set(config, built);
  }
  return built;
}

/** Drops a built provider after its row changed or went (the next sign-in reads the row again anyway). */
export function forgetCustomProvider(config: Config, identifier: string): void {
  builtByConfig.get(config)?.delete(identifier);
}

/** Why a custom provider cannot be used, in GoTrue's words; the caller decides the error's code. */
export type CustomProviderRefusal = 'disabled_feature' | 'not_found' | 'disabled';

export type CustomProviderLookup =
  | { readonly provider: OAuthProvider; readonly row: CustomOAuthProviderRow }
  | { readonly refusal: CustomProviderRefusal; readonly message: string };

export async function lookUpCustomProvider(config: Config, db: Queryable, name: string): Promise<CustomProviderLookup> {
  const identifier = name.trim().toLowerCase();
  if (!config.customOAuthEnabled) return { refusal: 'disabled_feature', message: 'custom OAuth providers are disabled' };
  const row = await findCustomProvider(db, identifier);
  if (!row) return { refusal: 'not_found', message: `custom provider ${identifier} not found` };
  if (!row.enabled) return { refusal: 'disabled', message: `custom provider ${identifier} is disabled` };
  const version = new Date(row.updated_at).toISOString();
  const built = builtFor(config);
  const kept = built.get(identifier);
  if (kept?.version === version) return { provider: kept.provider, row: kept.row };
  const provider = buildCustomProvider(config, row);
  built.set(identifier, { version, provider, row });
  return { provider, row };
}

function clientSecretOf(config: Config, row: CustomOAuthProviderRow): string {
  try {
    return openStoredValue(row.client_secret, row.id, dbEncryptionOf(config)).value;
  } catch (error) {
    throw new FoyerError('unexpected_failure', `The client secret of custom provider ${row.identifier} does not decrypt with GOTRUE_SECURITY_DB_ENCRYPTION_DECRYPTION_KEYS`, { cause: error });
  }
}

const stringParams = (params: Readonly<Record<string, unknown>>): Record<string, string> =>
  Object.fromEntries(Object.entries(params).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));

function buildCustomProvider(config: Config, row: CustomOAuthProviderRow): OAuthProvider {
  const base = config.customOAuthExternalUrl ?? config.apiExternalUrl;
  const redirectUri = `${base.replace(/\/+$/, '')}/callback`;
  const secret = clientSecretOf(config, row);
  const profile = (claims: Record<string, unknown>) => customProfile(claims, row);
  // Checked again on every connection: the addresses its URLs' names had when saved may have changed since.
  const reach = config.customOAuthAllowPrivateNetwork ? undefined : publicOnlyFetch;
  if (row.provider_type === 'oidc') {
    const discovery = row.cached_discovery as Record<string, unknown> | null;
    return new OidcProvider({
      name: row.identifier,
      issuer: row.issuer as string,
      clientIds: [row.client_id, ...row.acceptable_client_ids],
      secret,
      redirectUri,
      scopes: row.scopes,
      skipNonceCheck: row.skip_nonce_check,
      pkce: row.pkce_enabled,
      authorizationParams: stringParams(row.authorization_params),
      requestScopesReplace: true,
      // A row GoTrue wrote before it cached discovery documents is discovered at first use instead.
      serverMetadata: discovery && typeof discovery.issuer === 'string' ? (discovery as { issuer: string }) : undefined,
      profile,
      fetch: reach,
    });
  }
  return new OAuth2Provider({
    name: row.identifier,
    clientId: row.client_id,
    secret,
    redirectUri,
    authorizationEndpoint: row.authorization_url as string,
    tokenEndpoint: row.token_url as string,
    scopes: row.scopes,
    clientAuthentication: 'auto',
    pkce: row.pkce_enabled,
    authorizationParams: stringParams(row.authorization_params),
    requestScopesReplace: true,
    profile: async (context) => profile(await context.getJson<Record<string, unknown>>(row.userinfo_url as string)),
    fetch: reach,
  });
}
