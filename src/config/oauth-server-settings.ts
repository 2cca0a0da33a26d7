/**
 * GoTrue's OAuth 2.1 / OpenID Connect authorization server (GOTRUE_OAUTH_SERVER_*), under GoTrue's names
 * and defaults, spread into settingsSchema. Foyer serves it as GoTrue does (docs/oauth-server.md); where it
 * is stricter (PKCE S256 only, an asymmetric key for id_tokens) that doc says so.
 */
import { type RateSetting, isBlank, parseRate } from './parse-protection.js';
import { ConfigError, parseBool, parseDurationSeconds } from './parse.js';
import { setting } from './setting.js';

/** GoTrue's supported scopes (internal/models/oauth_scope.go), in its order. */
export const OAUTH_SERVER_SCOPES = ['openid', 'profile', 'email', 'phone', 'offline_access'] as const;

const offByDefault = (env: string, doc: string) =>
  setting({ env: [env], doc, defaultText: 'false', read: (raw, name) => (isBlank(raw) ? false : parseBool(name, raw)) });

export const oauthServerSettings = {
  oauthServerEnabled: offByDefault(
    'GOTRUE_OAUTH_SERVER_ENABLED',
    'Foyer as an OAuth 2.1 / OpenID Connect authorization server for third-party apps: /oauth/*, /admin/oauth/clients, /user/oauth/grants, /.well-known/oauth-authorization-server (docs/oauth-server.md).',
  ),
  oauthServerAllowDynamicRegistration: offByDefault(
    'GOTRUE_OAUTH_SERVER_ALLOW_DYNAMIC_REGISTRATION',
    'Let anyone register a client at POST /oauth/clients/register (RFC 7591), limited by GOTRUE_RATE_LIMIT_O_AUTH_DYNAMIC_CLIENT_REGISTER.',
  ),
  oauthServerAuthorizationPath: setting<string | undefined>({
    env: ['GOTRUE_OAUTH_SERVER_AUTHORIZATION_PATH'],
    doc: "Path of your app's consent page on GOTRUE_SITE_URL: GET /oauth/authorize sends the user there with ?authorization_id=…. Unset: authorization requests end in error=server_error, as in GoTrue.",
    defaultText: '(unset)',
    read: (raw) => (isBlank(raw) ? undefined : raw.trim()),
  }),
  oauthServerAuthorizationTtlSeconds: setting({
    env: ['GOTRUE_OAUTH_SERVER_AUTHORIZATION_TTL'],
    doc: 'How long an authorization request waits for consent, and how long its code stays redeemable (Go duration).',
    defaultText: '10m',
    read: (raw, name) => {
      if (isBlank(raw)) return 600;
      const seconds = parseDurationSeconds(name, raw);
      if (seconds < 1) throw new ConfigError(`${name} must be at least 1s, got ${JSON.stringify(raw)}`);
      return Math.round(seconds);
    },
  }),
  oauthServerDefaultScope: setting({
    env: ['GOTRUE_OAUTH_SERVER_DEFAULT_SCOPE'],
    doc: `Scopes of an authorization request that names none (space-separated; of ${OAUTH_SERVER_SCOPES.join(', ')}).`,
    defaultText: 'email',
    read: (raw, name) => {
      if (isBlank(raw)) return 'email';
      const scopes = raw.trim().split(/\s+/);
      const unknown = scopes.filter((scope) => !(OAUTH_SERVER_SCOPES as readonly string[]).includes(scope));
      if (unknown.length) throw new ConfigError(`${name} may only name ${OAUTH_SERVER_SCOPES.join(', ')}; got ${JSON.stringify(unknown.join(' '))}`);
      return scopes.join(' ');
    },
  }),
  rateLimitOAuthClientRegister: setting<RateSetting>({
    env: ['GOTRUE_RATE_LIMIT_O_AUTH_DYNAMIC_CLIENT_REGISTER'],
    doc: 'POST /oauth/clients/register per client IP per 5 minutes (or N/duration, e.g. 10/1h).',
    defaultText: '10 (per 5 minutes)',
    read: (raw, name) => (isBlank(raw) ? { limit: 10, windowSeconds: 300 } : parseRate(name, raw, 300)),
  }),
} as const;
