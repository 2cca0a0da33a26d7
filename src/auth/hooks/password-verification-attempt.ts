/**
 * The password verification attempt hook: told of every password sign-in of a known user, with whether
 * the password was right, it may answer `{"decision": "reject", "message": …, "should_logout_user": …}`.
 * As in GoTrue, a rejection is 400 invalid_credentials with the hook's message (or GoTrue's default),
 * and should_logout_user ends every session of the user first. Any other decision lets the normal
 * outcome stand: a wrong password is still refused.
 */
import { FoyerError } from '../../errors.js';
import { deleteSessions } from '../../store/sessions.js';
import { hookMetadata, invokeHook, type HookDeps } from './invoke.js';

export const DEFAULT_PASSWORD_REJECTION = 'Further password verification attempts will be rejected.';

export async function passwordVerificationAttempt(deps: HookDeps, userId: string, valid: boolean, ip: string | null): Promise<void> {
  const decision = await invokeHook(deps, 'password_verification_attempt', {
    metadata: hookMetadata('password_verification_attempt', ip),
    user_id: userId,
    valid,
  });
  if (decision.decision !== 'reject') return;
  if (decision.should_logout_user) await deleteSessions(deps.db, userId, null, 'global');
  throw new FoyerError('invalid_credentials', decision.message || DEFAULT_PASSWORD_REJECTION);
}
