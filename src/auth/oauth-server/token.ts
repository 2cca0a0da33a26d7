/**
 * POST /oauth/token for an authenticated client: authorization_code (with its PKCE verifier) and
 * refresh_token. A code is redeemed once, inside one transaction with its row locked, and only by the
 * client it was issued to, with the verifier of its challenge (and the same redirect_uri when one is
 * sent). The session it begins belongs to the client (auth.sessions.oauth_client_id) and keeps the
 * granted scopes; its access tokens carry GoTrue's `client_id` and `scope` claims. Errors are RFC 6749's
 * (`{error, error_description}`), as GoTrue answers them.
 */
import { createHash } from 'node:crypto';
import { OAuthProtocolError } from '../../errors.js';
import { constantTimeEqual, newRefreshToken } from '../../security/crypto.js';
import { insertAuditEntry } from '../../store/audit.js';
import { deleteAuthorization, lockApprovedByCode, type AuthorizationRow } from '../../store/oauth-server-authorizations.js';
import type { OAuthClientRow } from '../../store/oauth-server-clients.js';
import { startSession } from '../../store/sessions.js';
import { lockUser } from '../../store/users.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import type { LimitTicket } from '../limit-ticket.js';
import { refreshTokenGrant } from '../refresh.js';
import { sessionResponse, withTokenHook } from '../tokens.js';
import { signIdToken } from './id-token.js';
import { parseScopes } from './scopes.js';
import { newSessionId } from '../ids.js';

/** GoTrue's AMR method for a session begun at the OAuth server. */
export const OAUTH_SERVER_AMR_METHOD = 'oauth_provider/authorization_code';

export interface TokenParams {
  readonly grant_type?: string;
  readonly code?: string;
  readonly refresh_token?: string;
  readonly redirect_uri?: string;
  readonly code_verifier?: string;
  readonly resource?: string;
}

export interface OAuthTokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  refresh_token: string;
  id_token?: string;
}

const invalidGrant = (description: string) => new OAuthProtocolError('invalid_grant', description);

function verifierMatches(authorization: AuthorizationRow, verifier: string): boolean {
  if (!authorization.code_challenge) return true;
  // Authorizations Foyer makes are S256; `plain` ones can only be GoTrue's, left in the database.
  const expected = authorization.code_challenge_method === 'plain' ? verifier : createHash('sha256').update(verifier).digest('base64url');
  return constantTimeEqual(expected, authorization.code_challenge);
}

async function authorizationCodeGrant(deps: AuthDeps, client: OAuthClientRow, params: TokenParams, meta: RequestMeta): Promise<OAuthTokenResponse> {
  const code = params.code;
  if (!code) throw new OAuthProtocolError('invalid_request', 'code is required for authorization_code grant');
  const started = await deps.db.transaction(async (tx) => {
    const authorization = await lockApprovedByCode(tx, code);
    if (!authorization) throw invalidGrant('Invalid authorization code');
    if (authorization.expired) throw invalidGrant('Authorization code has expired');
    if (authorization.client_id !== client.id) throw invalidGrant('Authorization code was not issued for this client');
    if (params.resource && params.resource !== authorization.resource) {
      throw invalidGrant('Authorization code resource does not match the resource parameter');
    }
    if (params.redirect_uri && params.redirect_uri !== authorization.redirect_uri) throw invalidGrant('Invalid redirect_uri');
    if (authorization.code_challenge && !params.code_verifier) {
      throw invalidGrant('PKCE verification failed: code_verifier is required when PKCE challenge is present');
    }
    if (!verifierMatches(authorization, params.code_verifier ?? '')) throw invalidGrant('PKCE verification failed: code challenge does not match');
    if (!authorization.user_id) throw invalidGrant('Authorization code has no associated user');
    const user = await lockUser(tx, authorization.user_id);
    if (!user) throw invalidGrant('User not found for authorization code');
    if (user.banned_until && Date.parse(user.banned_until) > Date.now()) throw new OAuthProtocolError('access_denied', 'User is banned');

    const sessionId = newSessionId();
    const refreshToken = newRefreshToken();
    const signedIn = await startSession(tx, {
      userId: user.id,
      sessionId,
      refreshToken,
      authenticationMethod: OAUTH_SERVER_AMR_METHOD,
      oauthClientId: client.id,
      scopes: authorization.scope,
      userAgent: meta.userAgent,
      ip: meta.ip,
    });
    if (!signedIn) throw invalidGrant('User not found for authorization code');
    await insertAuditEntry(tx, {
      actorId: user.id,
      action: 'login',
      logType: 'account',
      traits: { provider_type: 'oauth_provider_authorization_code', client_id: client.id },
      ip: meta.ip,
    });
    await deleteAuthorization(tx, authorization.id);
    const issue = await withTokenHook(
      deps,
      tx,
      {
        user: signedIn,
        sessionId,
        refreshToken,
        aal: 'aal1',
        amr: [{ method: OAUTH_SERVER_AMR_METHOD, timestamp: Math.floor(Date.now() / 1000) }],
        oauthClientId: client.id,
        scope: authorization.scope,
      },
      { ip: meta.ip, authenticationMethod: OAUTH_SERVER_AMR_METHOD },
    );
    return { issue, nonce: authorization.nonce, scopes: parseScopes(authorization.scope) };
  });
  const session = await sessionResponse(deps, started.issue);
  const answer: OAuthTokenResponse = {
    access_token: session.access_token,
    token_type: session.token_type,
    expires_in: session.expires_in,
    refresh_token: session.refresh_token,
  };
  if (started.scopes.includes('openid')) {
    answer.id_token = await signIdToken(deps, { user: started.issue.user, clientId: client.id, nonce: started.nonce, scopes: started.scopes });
  }
  return answer;
}

export async function tokenGrant(deps: AuthDeps, client: OAuthClientRow, params: TokenParams, meta: RequestMeta, limit: LimitTicket): Promise<OAuthTokenResponse> {
  const grantType = params.grant_type;
  if (!grantType) throw new OAuthProtocolError('invalid_request', 'grant_type is required');
  if (!client.grant_types.split(',').includes(grantType)) {
    throw new OAuthProtocolError('unsupported_grant_type', `Client is not allowed to use grant type: ${grantType.slice(0, 64)}`);
  }
  if (grantType === 'authorization_code') return authorizationCodeGrant(deps, client, params, meta);
  if (grantType === 'refresh_token') {
    if (!params.refresh_token) throw new OAuthProtocolError('invalid_request', 'refresh_token is required for refresh_token grant');
    const session = await refreshTokenGrant(deps, params.refresh_token, meta, limit, { oauthClientId: client.id });
    return { access_token: session.access_token, token_type: session.token_type, expires_in: session.expires_in, refresh_token: session.refresh_token };
  }
  throw new OAuthProtocolError('unsupported_grant_type', `Unsupported grant type: ${grantType.slice(0, 64)}`);
}
