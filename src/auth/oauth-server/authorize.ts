/**
 * GET /oauth/authorize: an app asks for a user's authorization. GoTrue's order: client_id and
 * redirect_uri first, answered as JSON errors (an unregistered redirect URI is never redirected to;
 * registered ones match exactly, character for character); then everything else, answered on that
 * redirect URI as `error=invalid_request`. The request is stored pending, and the browser goes to the
 * project's consent page (GOTRUE_OAUTH_SERVER_AUTHORIZATION_PATH on GOTRUE_SITE_URL) with its id.
 *
 * Foyer is stricter than GoTrue in one place: PKCE is S256 only (OAuth 2.1 keeps `plain` only for clients
 * that cannot hash; GoTrue accepts it). And `openid` needs an asymmetric signing key (GoTrue fails the
 * token request later instead).
 */
import { randomBytes } from 'node:crypto';
import { FoyerError } from '../../errors.js';
import { findOAuthClient, type OAuthClientRow } from '../../store/oauth-server-clients.js';
import { insertAuthorization } from '../../store/oauth-server-authorizations.js';
import { isUuid } from '../authenticate.js';
import type { AuthDeps } from '../deps.js';
import { signsIdTokens } from '../discovery.js';
import { isSupportedScope, parseScopes } from './scopes.js';

export interface AuthorizeQuery {
  readonly client_id?: string;
  readonly redirect_uri?: string;
  readonly response_type?: string;
  readonly scope?: string;
  readonly state?: string;
  readonly resource?: string;
  readonly code_challenge?: string;
  readonly code_challenge_method?: string;
  readonly nonce?: string;
}

const PKCE_CHALLENGE = /^[A-Za-z0-9._~-]{43,128}$/;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** GoTrue's authorization_id: 32 random alphanumeric characters (what the consent page URL carries). */
function newAuthorizationId(): string {
  const bytes = randomBytes(64);
  let id = '';
  // 62 symbols: drop bytes ≥ 248 so every symbol is equally likely.
  for (const byte of bytes) {
    if (byte < 248) id += ALPHANUMERIC[byte % 62];
    if (id.length === 32) return id;
  }
  return id + newAuthorizationId().slice(id.length);
}

/** `target` with these query parameters set (kept: its own query). */
export function withParams(target: string, params: Record<string, string | undefined>): string {
  const url = new URL(target);
  for (const [key, value] of Object.entries(params)) if (value) url.searchParams.set(key, value);
  return url.toString();
}

export const errorRedirect = (redirectUri: string, error: string, description: string, state: string | undefined | null): string =>
  withParams(redirectUri, { error, error_description: description, state: state ?? undefined });

/** Why the rest of the request is refused (sent back on the redirect URI), or undefined. */
function requestProblem(deps: AuthDeps, query: AuthorizeQuery, scope: string): { error: string; description: string } | undefined {
  const invalid = (description: string) => ({ error: 'invalid_request', description });
  if ((query.response_type || 'code') !== 'code') return invalid('only response_type=code is supported');
  const scopes = parseScopes(scope);
  if (scopes.length === 0) return invalid('scope parameter is required');
  const unsupported = scopes.find((candidate) => !isSupportedScope(candidate));
  if (unsupported) return invalid(`unsupported scope: ${unsupported.slice(0, 100)}`);
  if (scope.length > 2048) return invalid('scope is too long');
  if (scopes.includes('openid') && !signsIdTokens(deps.keyring.signingAlgorithm)) {
    return { error: 'invalid_scope', description: 'openid needs an asymmetric signing key (GOTRUE_JWT_KEYS) to sign ID tokens' };
  }
  if (query.resource) {
    let resource: URL | undefined;
    try {
      resource = new URL(query.resource);
    } catch {
      return invalid('resource must be an absolute URI');
    }
    if (query.resource.includes('#')) return invalid('resource must not include a fragment component');
    if (resource.search) return invalid('resource must not include a query component');
    if (query.resource.length > 2048) return invalid('resource is too long');
  }
  if (!query.code_challenge || !query.code_challenge_method) return invalid('PKCE flow requires both code_challenge and code_challenge_method');
  if (query.code_challenge_method.toLowerCase() !== 's256') return invalid("code_challenge_method must be 'S256'");
  if (!PKCE_CHALLENGE.test(query.code_challenge)) return invalid('code_challenge must be between 43 and 128 characters');
  if ((query.state?.length ?? 0) > 4096) return invalid('state is too long');
  if ((query.nonce?.length ?? 0) > 255) return invalid('nonce is too long');
  return undefined;
}

/** Where to send the browser: the consent page, or the app's redirect URI with an error. */
export async function authorize(deps: AuthDeps, query: AuthorizeQuery): Promise<string> {
  const { config } = deps;
  if (!query.client_id) throw new FoyerError('validation_failed', 'client_id is required');
  if (!query.redirect_uri) throw new FoyerError('validation_failed', 'redirect_uri is required');
  if (!isUuid(query.client_id)) throw new FoyerError('oauth_client_not_found', 'invalid client_id format', { status: 400 });
  const client: OAuthClientRow | undefined = await findOAuthClient(deps.db, query.client_id);
  if (!client) throw new FoyerError('oauth_client_not_found', 'invalid client_id', { status: 400 });
  if (!client.redirect_uris.split(',').includes(query.redirect_uri)) throw new FoyerError('validation_failed', 'invalid redirect_uri');

  const scope = query.scope || config.oauthServerDefaultScope;
  const problem = requestProblem(deps, query, scope);
  if (problem) return errorRedirect(query.redirect_uri, problem.error, problem.description, query.state);

  const authorizationId = newAuthorizationId();
  await insertAuthorization(deps.db, {
    authorizationId,
    clientId: client.id,
    redirectUri: query.redirect_uri,
    scope: parseScopes(scope).join(' '),
    state: query.state || null,
    resource: query.resource || null,
    codeChallenge: query.code_challenge as string,
    nonce: query.nonce || null,
    ttlSeconds: config.oauthServerAuthorizationTtlSeconds,
  });
  if (!config.oauthServerAuthorizationPath) {
    return errorRedirect(query.redirect_uri, 'server_error', 'oauth authorization path not configured', query.state);
  }
  const path = config.oauthServerAuthorizationPath.startsWith('/') ? config.oauthServerAuthorizationPath : `/${config.oauthServerAuthorizationPath}`;
  return `${config.siteUrl.replace(/\/+$/, '')}${path}?authorization_id=${authorizationId}`;
}
