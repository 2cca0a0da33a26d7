/** Who may use the passkey endpoints, with GoTrue's answers: the feature switch, anonymous and SSO users, MFA users below aal2. */
import { FoyerError } from '../../errors.js';
import { passkeyOwnerState } from '../../store/webauthn-credentials.js';
import type { Caller } from '../authenticate.js';
import type { AuthDeps } from '../deps.js';

/** Every /passkeys route, before anything else (the admin routes are not behind it, as in GoTrue). */
export function assertPasskeysEnabled(deps: AuthDeps): void {
  if (!deps.config.passkeyEnabled) throw new FoyerError('passkey_disabled', 'Passkeys are disabled');
}

/** Registration: GoTrue's requireNotAnonymous, which reads the token's is_anonymous claim. */
export function assertNotAnonymous(caller: Caller): void {
  if (caller.claims.is_anonymous === true) {
    throw new FoyerError('no_authorization', 'Anonymous user not allowed to perform these actions', { status: 403 });
  }
}

/**
 * Registering or deleting a passkey: never for SSO users (registration only), and for a user with a
 * verified MFA factor only from an aal2 session, so a stolen first factor cannot add or remove one.
 * A user without a verified factor is never asked (aal2 is out of reach for them).
 */
export async function assertMayManagePasskeys(deps: AuthDeps, caller: Caller, action: 'register' | 'delete'): Promise<void> {
  const state = await passkeyOwnerState(deps.db, caller.user.id, caller.sessionId);
  if (!state) throw new FoyerError('user_not_found', 'User not found');
  if (action === 'register' && state.is_sso_user) throw new FoyerError('validation_failed', 'SSO users cannot register passkeys', { status: 422 });
  if (state.mfa_enabled && state.session_aal !== 'aal2') {
    throw new FoyerError('insufficient_aal', 'AAL2 session is required to manage passkeys when MFA is enabled', { status: 403 });
  }
}
