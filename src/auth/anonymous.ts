/** Anonymous sign-in: a real user with is_anonymous = true, and a session, in one round trip. */
import { FoyerError } from '../errors.js';
import { newRefreshToken } from '../security/crypto.js';
import { signInAnonymousUser, signInCountedAnonymousUser, type NewAnonymousSession } from '../store/anonymous-sign-in.js';
import { discardNewUser } from '../store/sessions.js';
import type { NewUser } from '../store/users.js';
import { vetNewUser } from './hooks/before-user-created.js';
import { hookEnabled } from './hooks/invoke.js';
import { newSessionId, newUserId } from './ids.js';
import type { AuthDeps, RequestMeta } from './deps.js';
import { writeUnderLimit, type LimitTicket } from './limit-ticket.js';
import { sessionResponse, type SessionResponse } from './tokens.js';
import { metadataJson } from './validate.js';

export interface AnonymousSignInInput {
  readonly data?: Record<string, unknown>;
}

/** The checks that come before the rate limiter in GoTrue's order (CAPTCHA runs earlier, in http). */
export function assertAnonymousEnabled(deps: AuthDeps): void {
  if (!deps.config.anonymousUsersEnabled) {
    throw new FoyerError(
      'anonymous_provider_disabled',
      // Names both places the switch lives: a project made in the console has no environment of its own.
      'Anonymous sign-ins are disabled for this project: turn on "Anonymous users enabled" (Settings › Sign-ups and anonymous users) in the console, or set GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED=true where the environment configures it',
    );
  }
}

/** The checks that come after the rate limiter. */
export function assertSignupAllowed(deps: AuthDeps): void {
  if (deps.config.disableSignup) {
    throw new FoyerError('signup_disabled', 'Signups not allowed for this instance');
  }
}

export async function signInAnonymously(
  deps: AuthDeps,
  input: AnonymousSignInInput,
  meta: RequestMeta,
  limit: LimitTicket,
): Promise<SessionResponse> {
  const sessionId = newSessionId();
  const refreshToken = newRefreshToken();
  const session: NewAnonymousSession = {
    userId: newUserId(deps.config),
    sessionId,
    refreshToken,
    aud: deps.config.jwtAud,
    role: deps.config.jwtDefaultGroupName,
    userMetadataJson: metadataJson(input.data),
    userAgent: meta.userAgent,
    ip: meta.ip,
  };
  // Asked before the sign-in's one statement (as GoTrue asks before its transaction).
  if (hookEnabled(deps.config, 'before_user_created')) await vetNewUser(deps, anonymousUser(session), meta.ip);
  const user = await writeUnderLimit(
    limit,
    () => signInAnonymousUser(deps.db, session),
    (counter) => signInCountedAnonymousUser(deps.db, session, counter),
  );
  const issuedAt = Math.floor(Date.now() / 1000);
  return sessionResponse(deps, {
    user,
    sessionId,
    aal: 'aal1',
    amr: [{ method: 'anonymous', timestamp: issuedAt }],
    refreshToken,
  }, { ip: meta.ip, undo: () => discardNewUser(deps.db, user.id) });
}

/** The row the sign-in statement writes, as the before-user-created hook sees it. */
const anonymousUser = (session: NewAnonymousSession): NewUser => ({
  id: session.userId,
  aud: session.aud,
  role: session.role,
  email: null,
  phone: null,
  encryptedPassword: '',
  appMetadataJson: '{}',
  userMetadataJson: session.userMetadataJson,
  emailConfirmed: false,
  phoneConfirmed: false,
  isAnonymous: true,
});
