/** POST /token?grant_type=refresh_token: rotation, lost-response recovery and reuse detection. */
import { FoyerError } from '../errors.js';
import { newRefreshToken } from '../security/crypto.js';
import { rotateRefreshToken, type RefreshOutcome } from '../store/sessions.js';
import type { AuthDeps, RequestMeta } from './deps.js';
import { sessionResponse, type SessionResponse } from './tokens.js';

const failures: Partial<Record<RefreshOutcome, () => FoyerError>> = {
  refresh_token_not_found: () => new FoyerError('refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found'),
  session_not_found: () => new FoyerError('session_not_found', 'Invalid Refresh Token: Session Not Found', { status: 400 }),
  session_expired: () => new FoyerError('session_expired', 'Invalid Refresh Token: Session Expired'),
  user_banned: () => new FoyerError('user_banned', 'Invalid Refresh Token: User Banned', { status: 400 }),
  refresh_token_already_used: () => new FoyerError('refresh_token_already_used', 'Invalid Refresh Token: Already Used'),
};

/** GoTrue's shape check for v1 tokens: shorter than 12, or 12 that are not [a-z0-9], is malformed. */
export function assertRefreshTokenShape(token: string): void {
  if (token.length < 12 || (token.length === 12 && !/^[a-z0-9]{12}$/.test(token))) {
    throw new FoyerError('validation_failed', 'Refresh token is not valid');
  }
}

export async function refreshTokenGrant(deps: AuthDeps, token: string, meta: RequestMeta): Promise<SessionResponse> {
  assertRefreshTokenShape(token);
  const { config } = deps;
  const row = await rotateRefreshToken(deps.db, {
    token,
    newToken: newRefreshToken(),
    reuseIntervalSeconds: config.refreshTokenReuseIntervalSeconds,
    rotationEnabled: config.refreshTokenRotationEnabled,
    timeboxSeconds: config.sessionsTimeboxSeconds,
    inactivitySeconds: config.sessionsInactivityTimeoutSeconds,
    userAgent: meta.userAgent,
    ip: meta.ip,
  });
  const failure = failures[row.outcome];
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
