/**
 * One entry of the provider catalogue: the name clients pass as `provider`, the settings key its
 * GOTRUE_EXTERNAL_<P>_* variables live under, and how to build the provider from those settings.
 * A provider built from a database row later (custom providers) gets the same ProviderSettings.
 */
import type { ProviderKey } from '../../../config/oauth-provider-settings.js';
import type { OAuthProvider } from '../types.js';

export interface ProviderSettings {
  /** The first one is used for the redirect flow; all are accepted as ID token audiences. */
  readonly clientIds: readonly string[];
  readonly secret: string;
  readonly redirectUri: string;
  /** GOTRUE_EXTERNAL_<P>_URL without a trailing slash, when set. */
  readonly url: string | undefined;
  readonly skipNonceCheck: boolean;
  /** GOTRUE_EXTERNAL_IOS_BUNDLE_ID (Apple): one more accepted ID token audience. */
  readonly iosBundleId?: string;
}

export interface ProviderDefinition {
  readonly name: string;
  readonly key: ProviderKey;
  /** GOTRUE_EXTERNAL_<P>_URL must be set (Keycloak's realm). */
  readonly urlRequired?: boolean;
  build(settings: ProviderSettings): OAuthProvider;
}

/** GoTrue's chooseHost: the configured URL replaces the provider's default host, whatever the endpoint. */
export const host = (settings: ProviderSettings, defaultOrigin: string): string => settings.url ?? defaultOrigin;

export const clientOf = (settings: ProviderSettings) => ({
  clientId: settings.clientIds[0] as string,
  secret: settings.secret,
  redirectUri: settings.redirectUri,
});
