/**
 * OAuth / OpenID Connect provider settings, spread into settingsSchema. GoTrue's names for Google and
 * GitHub; Foyer's FOYER_EXTERNAL_OIDC_* for a generic OpenID Connect provider found by issuer discovery.
 * Whether an enabled provider is complete (client id, secret, issuer) is checked when the app is built
 * (src/auth/oauth/providers.ts), so a bad combination stops `foyer start` with the variable named.
 */
import { ConfigError, parseBool, parseList, parseUrl } from './parse.js';
import { setting } from './setting.js';

const enabled = (env: string, doc: string) =>
  setting({ env: [env], doc, defaultText: 'false', read: (raw, name) => (raw === undefined ? false : parseBool(name, raw)) });

const secret = (env: string, doc: string) =>
  setting<string | undefined>({ env: [env], doc, defaultText: '(unset)', read: (raw) => (raw?.trim() ? raw.trim() : undefined) });

const clientIds = (env: string, doc: string) =>
  setting<readonly string[]>({ env: [env], doc, defaultText: '(unset)', read: (raw) => (raw === undefined ? [] : parseList(raw)) });

const optionalUrl = (env: string, doc: string) =>
  setting<string | undefined>({
    env: [env],
    doc,
    defaultText: '<API_EXTERNAL_URL>/callback',
    read: (raw, name) => (raw?.trim() ? parseUrl(name, raw) : undefined),
  });

/** Names that would clash with GoTrue's built-in providers or identities. */
const reservedNames = new Set([
  'email', 'phone', 'anonymous', 'google', 'github', 'sso', 'saml', 'web3',
  'apple', 'azure', 'bitbucket', 'discord', 'facebook', 'figma', 'fly', 'gitlab', 'kakao', 'keycloak', 'linkedin',
  'linkedin_oidc', 'notion', 'slack', 'slack_oidc', 'snapchat', 'spotify', 'twitch', 'twitter', 'vercel_marketplace', 'workos', 'x', 'zoom',
]);

export const oauthSettings = {
  externalRedirectUrl: setting<string | undefined>({
    env: ['GOTRUE_EXTERNAL_REDIRECT_URL', 'GOTRUE_EXTERNAL_REDIRECTURL'],
    doc: 'Where every OAuth callback sends the browser, whatever redirect_to said (unset: redirect_to, else SITE_URL).',
    defaultText: '(unset)',
    read: (raw, name) => (raw?.trim() ? parseUrl(name, raw) : undefined),
  }),

  externalSkipNonceCheck: enabled(
    'GOTRUE_EXTERNAL_SKIP_NONCE_CHECK',
    'POST /token?grant_type=id_token: skip the nonce check for every provider, as the comment next to this name in Supabase\'s compose file says.',
  ),

  externalIosBundleId: secret(
    'GOTRUE_EXTERNAL_IOS_BUNDLE_ID',
    'Your iOS app\'s bundle id: one more accepted audience of Apple ID tokens (POST /token?grant_type=id_token).',
  ),

  externalGoogleEnabled: enabled('GOTRUE_EXTERNAL_GOOGLE_ENABLED', 'Sign-in and identity linking with Google.'),
  externalGoogleClientId: clientIds(
    'GOTRUE_EXTERNAL_GOOGLE_CLIENT_ID',
    'Google OAuth client id; further comma-separated ids are accepted as id_token audiences (mobile apps).',
  ),
  externalGoogleSecret: secret('GOTRUE_EXTERNAL_GOOGLE_SECRET', 'Google OAuth client secret.'),
  externalGoogleRedirectUri: optionalUrl('GOTRUE_EXTERNAL_GOOGLE_REDIRECT_URI', 'Redirect URI registered at Google.'),
  externalGoogleSkipNonceCheck: enabled(
    'GOTRUE_EXTERNAL_GOOGLE_SKIP_NONCE_CHECK',
    'POST /token?grant_type=id_token with Google: skip the nonce check (for sign-in libraries that cannot pass the nonce, e.g. Google Sign-In on iOS).',
  ),

  externalGithubEnabled: enabled('GOTRUE_EXTERNAL_GITHUB_ENABLED', 'Sign-in and identity linking with GitHub.'),
  externalGithubClientId: secret('GOTRUE_EXTERNAL_GITHUB_CLIENT_ID', 'GitHub OAuth app client id.'),
  externalGithubSecret: secret('GOTRUE_EXTERNAL_GITHUB_SECRET', 'GitHub OAuth app client secret.'),
  externalGithubRedirectUri: optionalUrl('GOTRUE_EXTERNAL_GITHUB_REDIRECT_URI', 'Callback URL registered in the GitHub app.'),
  externalGithubUrl: setting({
    env: ['GOTRUE_EXTERNAL_GITHUB_URL'],
    doc: 'GitHub Enterprise base URL (its API under /api/v3).',
    defaultText: 'https://github.com',
    read: (raw, name) => (raw?.trim() ? parseUrl(name, raw) : 'https://github.com'),
  }),

  externalOidcEnabled: enabled('FOYER_EXTERNAL_OIDC_ENABLED', 'A generic OpenID Connect provider (Keycloak, Auth0, Zitadel, …).'),
  externalOidcName: setting({
    env: ['FOYER_EXTERNAL_OIDC_NAME'],
    doc: 'Its provider name: what clients pass as `provider` and what identities record.',
    defaultText: 'oidc',
    read: (raw, name) => {
      const value = raw?.trim() || 'oidc';
      if (!/^[a-z][a-z0-9_-]{0,39}$/.test(value) || reservedNames.has(value)) {
        throw new ConfigError(
          `${name} must be lower-case letters, digits, _ or - (starting with a letter) and not a built-in provider name, got ${JSON.stringify(raw)}`,
        );
      }
      return value;
    },
  }),
  externalOidcIssuer: setting<string | undefined>({
    env: ['FOYER_EXTERNAL_OIDC_ISSUER'],
    doc: 'Issuer URL; its /.well-known/openid-configuration is read at the first use. http:// is accepted (local providers).',
    defaultText: '(unset)',
    read: (raw, name) => (raw?.trim() ? parseUrl(name, raw) : undefined),
  }),
  externalOidcClientId: clientIds(
    'FOYER_EXTERNAL_OIDC_CLIENT_ID',
    'Client id at that provider; further comma-separated ids are accepted as id_token audiences.',
  ),
  externalOidcSecret: secret('FOYER_EXTERNAL_OIDC_SECRET', 'Client secret at that provider.'),
  externalOidcRedirectUri: optionalUrl('FOYER_EXTERNAL_OIDC_REDIRECT_URI', 'Redirect URI registered at that provider.'),
  externalOidcSkipNonceCheck: enabled(
    'FOYER_EXTERNAL_OIDC_SKIP_NONCE_CHECK',
    'POST /token?grant_type=id_token with that provider: skip the nonce check.',
  ),
  externalOidcScopes: setting({
    env: ['FOYER_EXTERNAL_OIDC_SCOPES'],
    doc: 'Scopes always requested (space or comma separated); a request’s `scopes` are added.',
    defaultText: 'openid email profile',
    read: (raw) => {
      const scopes = (raw ?? 'openid email profile').split(/[\s,]+/).filter(Boolean);
      return scopes.includes('openid') ? scopes : ['openid', ...scopes];
    },
  }),
} as const;
