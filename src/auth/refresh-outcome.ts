/** What both refresh-token formats answer when a refresh does not hand out a token. */
import { FoyerError, OAuthProtocolError } from '../errors.js';
import { insertAuditEntry } from '../store/audit.js';
import type { SessionRotationRules } from '../store/refresh-grant.js';
import type { AuthDeps, RequestMeta } from './deps.js';

export const refreshFailures = {
  malformed: () => new FoyerError('validation_failed', 'Refresh token is not valid'),
  refresh_token_not_found: () => new FoyerError('refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found'),
  session_not_found: () => new FoyerError('session_not_found', 'Invalid Refresh Token: Session Not Found', { status: 400 }),
  session_expired: () => new FoyerError('session_expired', 'Invalid Refresh Token: Session Expired'),
  user_banned: () => new FoyerError('user_banned', 'Invalid Refresh Token: User Banned', { status: 400 }),
  refresh_token_already_used: () => new FoyerError('refresh_token_already_used', 'Invalid Refresh Token: Already Used'),
  // A v2 token whose counter is ahead of its session's: signed with the session's key, yet never issued.
  counter_ahead: () => new FoyerError('validation_failed', 'Invalid Refresh Token: Not Issued By This Server'),
  // A session of an OAuth client (auth.sessions.oauth_client_id) and the request's client disagree: GoTrue's OAuth errors.
  oauth_client_required: () => new OAuthProtocolError('invalid_client', 'Client authentication required for OAuth session'),
  oauth_client_not_allowed: () => new OAuthProtocolError('invalid_client', 'Client authentication not allowed for non-OAuth session'),
  oauth_client_mismatch: () => new OAuthProtocolError('invalid_client', "Client does not match the session's OAuth client"),
} as const;

/** Off the hot path (only on reuse): the session was ended as a suspected theft. */
export async function auditRefreshTokenReuse(deps: AuthDeps, userId: string, sessionId: string | null, meta: RequestMeta): Promise<void> {
  await insertAuditEntry(deps.db, {
    actorId: userId,
    action: 'token_revoked',
    logType: 'token',
    traits: { reason: 'refresh_token_reused', session_id: sessionId },
    ip: meta.ip,
  });
}

/** The project's rotation settings and the request's client, for either token format's grant. */
export function rotationRules(config: AuthDeps['config'], meta: RequestMeta): SessionRotationRules {
  return {
    reuseIntervalSeconds: config.refreshTokenReuseIntervalSeconds,
    rotationEnabled: config.refreshTokenRotationEnabled,
    timeboxSeconds: config.sessionsTimeboxSeconds,
    inactivitySeconds: config.sessionsInactivityTimeoutSeconds,
    userAgent: meta.userAgent,
    ip: meta.ip,
  };
}
