/** POST /token?grant_type=refresh_token: rotation, lost-response recovery and reuse detection. */
import { newRefreshToken } from '../security/crypto.js';
import { parseRefreshTokenV2 } from '../security/refresh-token-v2.js';
import { grant, rotateCountedRefreshToken, rotateRefreshToken, type RefreshInput, type RefreshOutcome } from '../store/refresh-grant.js';
import type { AuthDeps, RequestMeta } from './deps.js';
import { aalOf } from './mfa/assurance.js';
import { writeUnderLimit, type LimitTicket } from './limit-ticket.js';
import { auditRefreshTokenReuse, refreshFailures, rotationRules } from './refresh-outcome.js';
import { refreshTokenV2Grant } from './refresh-v2.js';
import { sessionResponse, type SessionResponse } from './tokens.js';

const failures: Partial<Record<RefreshOutcome, () => Error>> = refreshFailures;

const V1_TOKEN = /^[a-z0-9]{12}$/;

/**
 * Who refreshes: the session's own user (POST /token), or the OAuth client that authenticated at POST
 * /oauth/token. A session begun for a client refreshes only with that client, a user's own only without
 * one (GoTrue's rule); an OAuth session's tokens keep the client's id and scopes as claims.
 */
export interface RefreshingClient {
  readonly oauthClientId: string;
}

/**
 * GoTrue's two formats, told apart by shape before any lookup: exactly 12 characters is a v1 token
 * (a row in auth.refresh_tokens; the hot path), longer is a v2 token (src/auth/refresh-v2.ts). Shorter,
 * 12 and not [a-z0-9], or longer and not a well-formed v2 token is malformed: 400 validation_failed.
 */
export async function refreshTokenGrant(
  deps: AuthDeps,
  token: string,
  meta: RequestMeta,
  limit: LimitTicket,
  client?: RefreshingClient,
): Promise<SessionResponse> {
  if (token.length !== 12 || !V1_TOKEN.test(token)) {
    const v2 = token.length > 12 ? parseRefreshTokenV2(token) : undefined;
    await limit.spend();
    if (!v2) throw refreshFailures.malformed();
    return refreshTokenV2Grant(deps, v2, meta, client);
  }
  const { config } = deps;
  const input: RefreshInput = {
    token,
    newToken: newRefreshToken(),
    ...rotationRules(config, meta),
  };
  let row;
  if (client) {
    // OAuth clients' refreshes skip the shared rotation statement, which serves users' own sessions only.
    await limit.spend();
    row = await grant(deps.db, { ...input, oauthClientId: client.oauthClientId });
  } else {
    row = await writeUnderLimit(
      limit,
      () => rotateRefreshToken(deps.db, input),
      (counter) => rotateCountedRefreshToken(deps.db, input, counter),
    );
  }
  const failure = failures[row.outcome];
  if (row.outcome === 'refresh_token_already_used' && row.id && config.refreshTokenRotationEnabled) {
    await auditRefreshTokenReuse(deps, row.id, row.session_id, meta);
  }
  if (failure) throw failure();
  if (!row.id || !row.refresh_token || !row.session_id) throw failures.refresh_token_not_found!();
  return sessionResponse(deps, {
    user: row,
    sessionId: row.session_id,
    aal: aalOf(row.amr ?? []),
    amr: row.amr ?? [],
    refreshToken: row.refresh_token,
    ...(client ? { oauthClientId: client.oauthClientId, scope: row.scopes ?? '' } : {}),
  }, { ip: meta.ip, authenticationMethod: 'token_refresh' });
}
