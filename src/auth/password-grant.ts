/** POST /token?grant_type=password. */
import { FoyerError } from '../errors.js';
import { newRefreshToken } from '../security/crypto.js';
import { burnPasswordCheck } from '../security/password.js';
import { insertAuditEntry } from '../store/audit.js';
import { deleteSessions, startSession } from '../store/sessions.js';
import { findUserForPasswordLogin } from '../store/users.js';
import type { AuthDeps, RequestMeta } from './deps.js';
import { hookEnabled } from './hooks/invoke.js';
import { passwordVerificationAttempt } from './hooks/password-verification-attempt.js';
import { storedPasswordMatches } from './password-storage.js';
import { sessionResponse, type SessionResponse } from './tokens.js';
import { normalizeEmail, normalizePhone } from './validate.js';
import { newSessionId } from './ids.js';

export interface PasswordGrantInput {
  readonly email?: string;
  readonly phone?: string;
  readonly password?: string;
}

const invalidCredentials = () => new FoyerError('invalid_credentials', 'Invalid login credentials');

export async function passwordGrant(deps: AuthDeps, input: PasswordGrantInput, meta: RequestMeta): Promise<SessionResponse> {
  const { config } = deps;
  if (input.email && !config.emailEnabled) throw new FoyerError('email_provider_disabled', 'Email logins are disabled');
  if (!input.email && input.phone && !config.phoneEnabled) throw new FoyerError('phone_provider_disabled', 'Phone logins are disabled');
  if (!input.email && !input.phone) throw invalidCredentials();
  const password = input.password ?? '';
  let by: { email: string } | { phone: string };
  try {
    by = input.email ? { email: normalizeEmail(input.email) } : { phone: normalizePhone(input.phone as string) };
  } catch {
    throw invalidCredentials();
  }
  const user = await findUserForPasswordLogin(deps.db, by, config.jwtAud);
  if (!user) {
    await burnPasswordCheck(password);
    throw invalidCredentials();
  }
  const valid = await storedPasswordMatches(config, user.id, password, user.encrypted_password);
  if (hookEnabled(config, 'password_verification_attempt')) await passwordVerificationAttempt(deps, user.id, valid, meta.ip);
  if (!valid) throw invalidCredentials();
  if (user.banned_until && Date.parse(user.banned_until) > Date.now()) throw new FoyerError('user_banned', 'User is banned', { status: 400 });
  if ('email' in by && !user.email_confirmed_at) {
    throw new FoyerError('email_not_confirmed', 'Email not confirmed');
  }
  if ('phone' in by && !user.phone_confirmed_at) {
    throw new FoyerError('phone_not_confirmed', 'Phone not confirmed');
  }
  const sessionId = newSessionId();
  const refreshToken = newRefreshToken();
  const signedIn = await startSession(deps.db, { userId: user.id, sessionId, refreshToken, authenticationMethod: 'password', ...meta });
  if (!signedIn) throw invalidCredentials();
  const response = await sessionResponse(deps, {
    user: signedIn,
    sessionId,
    aal: 'aal1',
    amr: [{ method: 'password', timestamp: Math.floor(Date.now() / 1000) }],
    refreshToken,
  }, { ip: meta.ip, undo: () => deleteSessions(deps.db, user.id, sessionId, 'local') });
  // GoTrue's login entry, once the token is issued: a sign-in the custom access token hook refused is no
  // login (and not on the anonymous path: that is one statement and GoTrue writes none there).
  await insertAuditEntry(deps.db, { actorId: user.id, action: 'login', logType: 'account', traits: { provider: 'email' in by ? 'email' : 'phone' }, ip: meta.ip });
  return response;
}
