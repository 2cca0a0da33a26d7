/**
 * GoTrue's step-up rules for PUT /user. With a verified MFA factor, changing the password, email or
 * phone needs an aal2 session. With GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION, a new
 * password needs the mailed nonce unless the session began within the last 24 hours; with
 * GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_CURRENT_PASSWORD, it needs the current password unless the
 * session began with a mailed link or code. Nothing is read when no credential changes.
 */
import { FoyerError } from '../../errors.js';
import { stepUpFacts } from '../../store/step-up.js';
import type { Caller } from '../authenticate.js';
import type { AuthDeps } from '../deps.js';

/** GoTrue's window: a session this young changes its password without a nonce (measured from its start). */
export const RECENT_SESSION_SECONDS = 24 * 60 * 60;

export interface CredentialChange {
  /** A new, non-empty password. */
  readonly password: boolean;
  /** An address other than the user's. */
  readonly email: boolean;
  /** A number other than the user's. */
  readonly phone: boolean;
}

/** What the password change's transaction still has to check. */
export interface PasswordStepUp {
  /** The nonce to verify (and spend, with the password change). */
  readonly nonce: string | undefined;
  /** A user who has a password must give it as current_password. */
  readonly currentPasswordRequired: boolean;
}

const nothingToCheck: PasswordStepUp = { nonce: undefined, currentPasswordRequired: false };

export async function checkCredentialChange(
  deps: AuthDeps,
  caller: Caller,
  change: CredentialChange,
  nonce: string | undefined,
): Promise<PasswordStepUp> {
  if (!change.password && !change.email && !change.phone) return nothingToCheck;
  const { config } = deps;
  const facts = await stepUpFacts(deps.db, caller.user.id, caller.sessionId);
  // GoTrue reads the session's own aal (auth.sessions.aal), not the token's claim.
  if (facts.has_verified_factor && facts.session_aal !== 'aal2') {
    throw new FoyerError('insufficient_aal', 'AAL2 session is required to update email or password when MFA is enabled.');
  }
  if (!change.password) return nothingToCheck;
  // A token without a session, or a session older than the window, must show the mailed nonce.
  const recent = facts.session_age_seconds !== null && facts.session_age_seconds <= RECENT_SESSION_SECONDS;
  const nonceRequired = config.updatePasswordRequireReauthentication && !recent;
  if (nonceRequired && !nonce) throw new FoyerError('reauthentication_needed', 'Password update requires reauthentication');
  return {
    nonce: nonceRequired ? nonce : undefined,
    currentPasswordRequired: config.updatePasswordRequireCurrentPassword && !facts.session_from_mailed_code,
  };
}
