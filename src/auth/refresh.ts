/** POST /token?grant_type=refresh_token: rotation, lost-response recovery and reuse detection. */
import { createHash } from 'node:crypto';
import { FoyerError } from '../errors.js';
import { newRefreshToken } from '../security/crypto.js';
import { insertAuditEntry } from '../store/audit.js';
import { rotateCountedRefreshToken, rotateRefreshToken, type RefreshInput, type RefreshOutcome } from '../store/refresh-grant.js';
import type { AuthDeps, RequestMeta } from './deps.js';
import { writeUnderLimit, type LimitTicket } from './limit-ticket.js';
import { sessionResponse, type SessionResponse } from './tokens.js';

const failures: Partial<Record<RefreshOutcome, () => FoyerError>> = {
  refresh_token_not_found: () => new FoyerError('refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found'),
  session_not_found: () => new FoyerError('session_not_found', 'Invalid Refresh Token: Session Not Found', { status: 400 }),
  session_expired: () => new FoyerError('session_expired', 'Invalid Refresh Token: Session Expired'),
  user_banned: () => new FoyerError('user_banned', 'Invalid Refresh Token: User Banned', { status: 400 }),
  refresh_token_already_used: () => new FoyerError('refresh_token_already_used', 'Invalid Refresh Token: Already Used'),
};

/**
 * Whether a longer token has the structure of a v2 token (GoTrue's crypto.ParseRefreshToken):
 * unpadded base64url of 0x00 | session uuid (16) | uvarint counter | signature (16) | sha256 checksum (4).
 */
function looksLikeV2RefreshToken(token: string): boolean {
  if (!/^[A-Za-z0-9_-]+$/.test(token) || token.length % 4 === 1) return false;
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length < 1 + 16 + 1 + 16 + 4 || bytes[0] !== 0) return false;
  const body = bytes.subarray(0, bytes.length - 4);
  if (!createHash('sha256').update(body).digest().subarray(0, 4).equals(bytes.subarray(bytes.length - 4))) return false;
  let end = 17;
  while (end < body.length && end - 17 < 10 && (body[end] & 0x80) !== 0) end += 1;
  // No terminator within the token or within 10 bytes, or a 10th byte above 1: Go's Uvarint fails.
  if (end >= body.length || end - 17 >= 10 || (end - 17 === 9 && body[end] > 1)) return false;
  return body.length - (end + 1) === 16;
}

/**
 * GoTrue's shape check: shorter than 12, exactly 12 and not [a-z0-9], or longer and not shaped like
 * a v2 token is malformed (400 validation_failed), before any lookup.
 */
export function assertRefreshTokenShape(token: string): void {
  const valid = token.length === 12 ? /^[a-z0-9]{12}$/.test(token) : token.length > 12 && looksLikeV2RefreshToken(token);
  if (!valid) throw new FoyerError('validation_failed', 'Refresh token is not valid');
}

export async function refreshTokenGrant(deps: AuthDeps, token: string, meta: RequestMeta, limit: LimitTicket): Promise<SessionResponse> {
  try {
    assertRefreshTokenShape(token);
  } catch (error) {
    await limit.spend();
    throw error;
  }
  const { config } = deps;
  const input: RefreshInput = {
    token,
    newToken: newRefreshToken(),
    reuseIntervalSeconds: config.refreshTokenReuseIntervalSeconds,
    rotationEnabled: config.refreshTokenRotationEnabled,
    timeboxSeconds: config.sessionsTimeboxSeconds,
    inactivitySeconds: config.sessionsInactivityTimeoutSeconds,
    userAgent: meta.userAgent,
    ip: meta.ip,
  };
  const row = await writeUnderLimit(
    limit,
    () => rotateRefreshToken(deps.db, input),
    (counter) => rotateCountedRefreshToken(deps.db, input, counter),
  );
  const failure = failures[row.outcome];
  if (row.outcome === 'refresh_token_already_used' && row.id && config.refreshTokenRotationEnabled) {
    // Off the hot path (only on reuse): the session was revoked as a suspected theft.
    await insertAuditEntry(deps.db, {
      actorId: row.id,
      action: 'token_revoked',
      logType: 'token',
      traits: { reason: 'refresh_token_reused', session_id: row.session_id },
      ip: meta.ip,
    });
  }
  if (failure) throw failure();
  if (!row.id || !row.refresh_token || !row.session_id) throw failures.refresh_token_not_found!();
  return sessionResponse(deps, {
    user: row,
    sessionId: row.session_id,
    aal: row.aal ?? 'aal1',
    amr: row.amr ?? [],
    refreshToken: row.refresh_token,
  });
}
