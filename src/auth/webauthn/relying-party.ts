/**
 * The WebAuthn relying party Foyer acts as (GOTRUE_WEBAUTHN_*), shared by every WebAuthn ceremony
 * (passkeys today, WebAuthn MFA factors later), and the few constants GoTrue's WebAuthn library fixes.
 */
import { normalizeOrigin } from '../../config/passkey-settings.js';

export interface RelyingParty {
  /** The domain credentials are scoped to (the hash in every authenticator's data is of this). */
  readonly id: string;
  /** What browsers show. */
  readonly name: string;
  /** Origins a ceremony may come from, written as browsers write them (lower case, no default port). */
  readonly origins: readonly string[];
}

export interface RelyingPartySettings {
  readonly webauthnRpId: string | undefined;
  readonly webauthnRpDisplayName: string | undefined;
  readonly webauthnRpOrigins: readonly string[];
}

/**
 * The relying party of a configuration. The loader refuses a start with passkeys on and these unset
 * or invalid (passkeyProblems), so callers behind that switch always get a complete one.
 */
export function relyingPartyOf(settings: RelyingPartySettings): RelyingParty {
  return {
    id: settings.webauthnRpId ?? '',
    name: settings.webauthnRpDisplayName ?? '',
    origins: settings.webauthnRpOrigins.map(normalizeOrigin),
  };
}

/**
 * COSE algorithms offered for new credentials, in GoTrue's order of preference (its WebAuthn
 * library's default list): ES256, ES384, ES512, RS256, RS384, RS512, PS256, PS384, PS512, EdDSA.
 */
export const CREDENTIAL_ALGORITHMS: readonly number[] = [-7, -35, -36, -257, -258, -259, -37, -38, -39, -8];

/** How long a browser waits for the user, in GoTrue's options (its library's default): 5 minutes. */
export const CEREMONY_TIMEOUT_MS = 300_000;

/** Random bytes in a challenge (GoTrue's library: 32). */
export const CHALLENGE_BYTES = 32;

/** The longest credential id WebAuthn allows (credentialIdLength < 1024). */
export const MAX_CREDENTIAL_ID_BYTES = 1023;
