/**
 * POST /token?grant_type=refresh_token with one of GoTrue's v2 tokens (src/security/refresh-token-v2.ts).
 * The answer keeps the v2 format: the next token is the session's next counter, signed with the same
 * key, so the session keeps working if the project goes back to GoTrue. GoTrue's semantics, with the
 * checks in its order: an unknown session, one without v2 data, or a signature that is not the
 * session's all read as an unknown token (400 refresh_token_not_found); then the ban, expiry and the
 * counter (auth.foyer_refresh_token_v2_grant, migration foyer/0002_refresh_token_v2.sql).
 */
import { dbEncryptionOf } from '../config/db-encryption-settings.js';
import { DecryptionError, openStoredValue, parseEncryptedString, type DbEncryption } from '../security/encrypted-string.js';
import { encodeRefreshTokenV2, readSessionRefreshKey, refreshTokenV2SignedBy, type RefreshTokenV2 } from '../security/refresh-token-v2.js';
import { findSessionRefreshKey, grantRefreshTokenV2 } from '../store/refresh-grant-v2.js';
import { findSessionOAuthClient } from '../store/oauth-server-sessions.js';
import type { AuthDeps, RequestMeta } from './deps.js';
import { aalOf } from './mfa/assurance.js';
import { auditRefreshTokenReuse, refreshFailures, rotationRules } from './refresh-outcome.js';
import type { RefreshingClient } from './refresh.js';
import { sessionResponse, type SessionResponse } from './tokens.js';

/** A key GoTrue stored encrypted, decrypted when its key is given; otherwise as stored (and reported unreadable). */
function decryptedKey(stored: string, sessionId: string, encryption: DbEncryption): string {
  if (!parseEncryptedString(stored)) return stored;
  try {
    return openStoredValue(stored, sessionId, encryption).value;
  } catch (error) {
    if (error instanceof DecryptionError) return stored;
    throw error;
  }
}

export async function refreshTokenV2Grant(deps: AuthDeps, token: RefreshTokenV2, meta: RequestMeta, client?: RefreshingClient): Promise<SessionResponse> {
  const { config } = deps;
  const storedKey = await findSessionRefreshKey(deps.db, token.sessionId);
  if (storedKey === undefined) throw refreshFailures.refresh_token_not_found();
  const reading = readSessionRefreshKey(decryptedKey(storedKey, token.sessionId, dbEncryptionOf(config)));
  if ('unreadable' in reading) {
    // Never mistaken for "no such session": the operator must learn that this data is not usable here.
    const why =
      reading.unreadable === 'encrypted'
        ? "is encrypted with GoTrue's database encryption under a key GOTRUE_SECURITY_DB_ENCRYPTION_DECRYPTION_KEYS does not hold"
        : 'is not unpadded base64url';
    throw new Error(`auth.sessions ${token.sessionId}: refresh_token_hmac_key ${why}; its v2 refresh tokens cannot be checked`);
  }
  if (!refreshTokenV2SignedBy(token, reading.key)) throw refreshFailures.refresh_token_not_found();
  // A session's OAuth client never changes, so checking it before the locked grant is enough.
  const owner = await findSessionOAuthClient(deps.db, token.sessionId);
  if (owner?.oauth_client_id && !client) throw refreshFailures.oauth_client_required();
  if (!owner?.oauth_client_id && client) throw refreshFailures.oauth_client_not_allowed();
  if (owner?.oauth_client_id && client && owner.oauth_client_id !== client.oauthClientId) throw refreshFailures.oauth_client_mismatch();

  const row = await grantRefreshTokenV2(deps.db, {
    sessionId: token.sessionId,
    storedKey,
    counter: token.counter,
    ...rotationRules(config, meta),
  });
  if (row.outcome === 'refresh_token_already_used' && row.id && config.refreshTokenRotationEnabled) {
    await auditRefreshTokenReuse(deps, row.id, row.session_id, meta);
  }
  if (row.outcome !== 'rotated' && row.outcome !== 'reissued') throw refreshFailures[row.outcome]();
  if (!row.id || row.counter === null || !row.session_id) throw refreshFailures.refresh_token_not_found();
  return sessionResponse(deps, {
    user: row,
    sessionId: row.session_id,
    aal: aalOf(row.amr ?? []),
    amr: row.amr ?? [],
    refreshToken: encodeRefreshTokenV2(row.session_id, BigInt(row.counter), reading.key),
    ...(client ? { oauthClientId: client.oauthClientId, scope: owner?.scopes ?? '' } : {}),
  }, { ip: meta.ip, authenticationMethod: 'token_refresh' });
}
