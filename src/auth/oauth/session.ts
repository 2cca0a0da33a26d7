/** What OAuth sign-in and linking share: the new session, the confirmation mail, the audit entry. */
import { FoyerError } from '../../errors.js';
import { newRefreshToken } from '../../security/crypto.js';
import { insertAuditEntry } from '../../store/audit.js';
import type { Queryable } from '../../store/db.js';
import { startSession } from '../../store/sessions.js';
import type { UserRow } from '../../store/users.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { assertMailFrequency } from '../mail-links.js';
import { sendConfirmation } from '../signup.js';
import { sessionResponse, withTokenHook, type SessionIssue, type SessionResponse } from '../tokens.js';
import { newSessionId } from '../ids.js';

export interface ProviderTokenFields {
  provider_token?: string;
  provider_refresh_token?: string;
}

export type OAuthSessionResponse = SessionResponse & ProviderTokenFields;

export type StartedSession = SessionIssue;

/**
 * A session for `userId` inside the caller's transaction (signed afterwards, outside it; the custom
 * access token hook, when on, runs inside it, so its refusal undoes the whole sign-in).
 */
export async function startUserSession(deps: AuthDeps, tx: Queryable, userId: string, method: string, meta: RequestMeta): Promise<StartedSession> {
  const sessionId = newSessionId();
  const refreshToken = newRefreshToken();
  const user = await startSession(tx, { userId, sessionId, refreshToken, authenticationMethod: method, ...meta });
  if (!user) throw new FoyerError('user_not_found', 'User not found');
  return withTokenHook(deps, tx, { user, sessionId, refreshToken, aal: 'aal1', amr: [{ method, timestamp: Math.floor(Date.now() / 1000) }] }, { ip: meta.ip });
}

/** The session response, with the provider's tokens when there are some (GoTrue omits them otherwise). */
export async function signSession(
  deps: AuthDeps,
  started: StartedSession,
  provider: { accessToken: string | null; refreshToken: string | null } | null,
): Promise<OAuthSessionResponse> {
  const session: OAuthSessionResponse = await sessionResponse(deps, started);
  if (provider?.accessToken) session.provider_token = provider.accessToken;
  if (provider?.refreshToken) session.provider_refresh_token = provider.refreshToken;
  return session;
}

/** GoTrue's sendConfirmation: a sign-up confirmation mail for the user's (unconfirmed) address. */
export async function sendConfirmationMail(deps: AuthDeps, tx: Queryable, user: UserRow, email: string, redirectTo: string): Promise<void> {
  assertMailFrequency(deps.config, user.confirmation_sent_at);
  await sendConfirmation(deps, tx, user.id, email, redirectTo);
}

export async function auditIdentityEvent(
  tx: Queryable,
  action: 'identity_linked' | 'identity_unlinked' | 'login' | 'user_signedup',
  userId: string,
  traits: Record<string, unknown>,
  ip: string | null,
): Promise<void> {
  await insertAuditEntry(tx, { actorId: userId, action, logType: action === 'user_signedup' ? 'account' : 'user', traits, ip });
}
