/**
 * What every /factors route checks before its own work, in GoTrue's order and words: the caller is
 * not anonymous (requireNotAnonymous), the factor in the path is the caller's own (loadFactor), and,
 * where GoTrue needs one, the token names a session.
 */
import { FoyerError } from '../../errors.js';
import { findOwnedFactor, type FactorType, type OwnedFactor } from '../../store/mfa-factors.js';
import { sessionAal } from '../../store/mfa-sessions.js';
import { isUuid, type Caller } from '../authenticate.js';
import type { AuthDeps } from '../deps.js';

export function requireNotAnonymous(caller: Caller): void {
  if (caller.claims.is_anonymous === true) {
    throw new FoyerError('no_authorization', 'Anonymous user not allowed to perform these actions', { status: 403 });
  }
}

/**
 * The session of the caller's token. GoTrue fails with a 500 for a token without one (tokens minted
 * with the JWT secret); Foyer says what is missing instead.
 */
export function requireSession(caller: Caller, action: string): string {
  if (!caller.sessionId) throw new FoyerError('session_not_found', `A valid session and a registered user are required to ${action}`);
  return caller.sessionId;
}

/** The factor `rawId` of `userId`: 404 validation_failed for a malformed id, 404 mfa_factor_not_found otherwise. */
export async function loadOwnedFactor(deps: AuthDeps, userId: string, rawId: string): Promise<OwnedFactor> {
  if (!isUuid(rawId)) throw new FoyerError('validation_failed', 'factor_id must be an UUID', { status: 404 });
  const factor = await findOwnedFactor(deps.db, userId, rawId);
  if (!factor) throw new FoyerError('mfa_factor_not_found', 'Factor not found');
  return factor;
}

/** Whether the caller's session has been raised to aal2 (what GoTrue reads: the session row's aal). */
export async function sessionIsAal2(deps: AuthDeps, caller: Caller): Promise<boolean> {
  return caller.sessionId !== null && (await sessionAal(deps.db, caller.sessionId, caller.user.id)) === 'aal2';
}

const typeNames: Readonly<Record<FactorType, string>> = { totp: 'TOTP', phone: 'Phone', webauthn: 'WebAuthn' };

/**
 * GoTrue's verify switch for challenges and verifications: TOTP and WebAuthn as configured; phone MFA
 * is off in Foyer. (For verifying a WebAuthn factor GoTrue answers with its enrol code: kept.)
 */
export function requireVerifyEnabled(deps: AuthDeps, factorType: FactorType, step: 'challenge' | 'verify'): void {
  if (factorType === 'totp' && deps.config.mfaTotpVerifyEnabled) return;
  if (factorType === 'webauthn' && deps.config.mfaWebAuthnVerifyEnabled) return;
  const code =
    factorType === 'totp'
      ? 'mfa_totp_verify_not_enabled'
      : factorType === 'phone'
        ? 'mfa_phone_verify_not_enabled'
        : step === 'verify'
          ? 'mfa_webauthn_enroll_not_enabled'
          : 'mfa_webauthn_verify_not_enabled';
  throw new FoyerError(code, `MFA verification is disabled for ${typeNames[factorType]}`);
}
