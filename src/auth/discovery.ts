/**
 * GET /.well-known/openid-configuration: GoTrue's discovery document (OpenID Connect Discovery 1.0,
 * also RFC 8414's metadata), with the fields GoTrue fills by default, in its order. GoTrue builds every
 * URL from GOTRUE_JWT_ISSUER and leaves them relative when it is unset; Foyer falls back to
 * API_EXTERNAL_URL, the auth API's public URL, so the document is usable either way. Built from the
 * configuration only: never from the request's Host or X-Forwarded-* headers, which a client controls.
 *
 * The /oauth/* endpoints are those of the OAuth 2.1 server (docs/oauth-server.md), which GoTrue advertises
 * even while that server is off (its default): then the document is GoTrue's, word for word. With the
 * server on it says what Foyer does: PKCE S256 only, id_tokens signed with the project's signing key
 * (only an asymmetric one signs them: with an HMAC key `openid` is not offered), and registration_endpoint
 * when dynamic registration is allowed (as GoTrue).
 */
import type { Config } from '../config/load.js';

export interface OpenIdConfiguration {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly jwks_uri: string;
  readonly userinfo_endpoint: string;
  readonly registration_endpoint?: string;
  readonly scopes_supported: readonly string[];
  readonly response_types_supported: readonly string[];
  readonly response_modes_supported: readonly string[];
  readonly grant_types_supported: readonly string[];
  readonly subject_types_supported: readonly string[];
  readonly id_token_signing_alg_values_supported: readonly string[];
  readonly token_endpoint_auth_methods_supported: readonly string[];
  readonly claims_supported: readonly string[];
  readonly code_challenge_methods_supported: readonly string[];
}

/** The `issuer` of the document: GOTRUE_JWT_ISSUER (also the tokens' `iss`), else API_EXTERNAL_URL. */
export const discoveryIssuer = (config: Pick<Config, 'jwtIssuer' | 'apiExternalUrl'>): string => config.jwtIssuer ?? config.apiExternalUrl;

type DiscoveryConfig = Pick<Config, 'jwtIssuer' | 'apiExternalUrl'> &
  Partial<Pick<Config, 'oauthServerEnabled' | 'oauthServerAllowDynamicRegistration'>>;

/** Whether id_tokens can be signed: GoTrue refuses HS256 for them (an app could forge one with the shared secret). */
export const signsIdTokens = (signingAlgorithm: string): boolean => !signingAlgorithm.startsWith('HS');

export function openIdConfiguration(config: DiscoveryConfig, signingAlgorithm = 'HS256'): OpenIdConfiguration {
  const issuer = discoveryIssuer(config);
  const base = issuer.replace(/\/+$/, '');
  const served = config.oauthServerEnabled === true;
  const scopes = ['openid', 'profile', 'email', 'phone', 'offline_access'];
  return {
    issuer,
    authorization_endpoint: `${base}/oauth/authorize`,
    token_endpoint: `${base}/oauth/token`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    userinfo_endpoint: `${base}/oauth/userinfo`,
    ...(served && config.oauthServerAllowDynamicRegistration ? { registration_endpoint: `${base}/oauth/clients/register` } : {}),
    scopes_supported: served && !signsIdTokens(signingAlgorithm) ? scopes.filter((scope) => scope !== 'openid') : scopes,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: served ? [signingAlgorithm] : ['RS256', 'HS256', 'ES256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    claims_supported: [
      'sub', 'aud', 'iss', 'exp', 'iat', 'auth_time', 'nonce', 'email', 'email_verified',
      'phone_number', 'phone_number_verified', 'name', 'picture', 'preferred_username', 'updated_at',
    ],
    code_challenge_methods_supported: served ? ['S256'] : ['S256', 'plain'],
  };
}
