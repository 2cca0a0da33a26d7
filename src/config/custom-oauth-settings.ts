/**
 * GoTrue's custom OAuth/OIDC providers (GOTRUE_CUSTOM_OAUTH_*), under GoTrue's names and defaults, spread
 * into settingsSchema; plus Foyer's one addition, for an identity provider inside the operator's own network.
 */
import { isBlank } from './parse-protection.js';
import { parseBool, parseInteger, parseUrl } from './parse.js';
import { setting } from './setting.js';

export const customOAuthSettings = {
  customOAuthEnabled: setting({
    env: ['GOTRUE_CUSTOM_OAUTH_ENABLED'],
    doc: 'Custom OAuth 2.0 / OpenID Connect providers managed at /admin/custom-providers and used as provider "custom:<name>" (docs/providers.md). Off: those routes answer 404 feature_disabled and such providers are refused.',
    defaultText: 'true',
    read: (raw, name) => (isBlank(raw) ? true : parseBool(name, raw)),
  }),
  customOAuthMaxProviders: setting({
    env: ['GOTRUE_CUSTOM_OAUTH_MAX_PROVIDERS'],
    doc: 'How many custom providers may exist; 0 for no limit.',
    defaultText: '0',
    read: (raw, name) => (isBlank(raw) ? 0 : parseInteger(name, raw, 0)),
  }),
  customOAuthExternalUrl: setting<string | undefined>({
    env: ['GOTRUE_CUSTOM_OAUTH_EXTERNAL_URL'],
    doc: "Base of the callback URL custom providers redirect to (<this>/callback); unset: API_EXTERNAL_URL's.",
    defaultText: '(API_EXTERNAL_URL)',
    read: (raw, name) => (isBlank(raw) ? undefined : parseUrl(name, raw)),
  }),
  customOAuthAllowPrivateNetwork: setting({
    env: ['FOYER_CUSTOM_OAUTH_ALLOW_PRIVATE_NETWORK'],
    doc: "Let custom providers' URLs name localhost or resolve to private, loopback or link-local addresses (an identity provider in your own network). Off, as in GoTrue: such URLs are refused, so /admin/custom-providers cannot be used to reach internal services, and every connection made for a custom provider checks its address again (a name that resolves elsewhere since it was saved is refused). HTTPS is required either way.",
    defaultText: 'false',
    read: (raw, name) => (isBlank(raw) ? false : parseBool(name, raw)),
  }),
} as const;
