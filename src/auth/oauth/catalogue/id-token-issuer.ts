/** The id_token side of a catalogue provider: which issuer's keys, which audiences, which claims mapping. */
import type { JWTPayload } from 'jose';
import { tokenNonce, verifyIdToken, type IdTokenCheck } from '../id-token-verifier.js';
import type { ProviderProfile, VerifiedIdToken } from '../types.js';

export type ClaimsMapping = (claims: JWTPayload & Record<string, unknown>) => ProviderProfile;

/** verifyIdToken for POST /token?grant_type=id_token: `check` may depend on the token's own issuer (Azure). */
export function idTokenVerifier(
  check: (idToken: string) => Omit<IdTokenCheck, 'accessToken'>,
  mapping: ClaimsMapping,
): (idToken: string, options: { accessToken?: string }) => Promise<VerifiedIdToken> {
  return async (idToken, options) => {
    const payload = await verifyIdToken(idToken, { ...check(idToken), accessToken: options.accessToken });
    return { profile: mapping(payload as JWTPayload & Record<string, unknown>), nonce: tokenNonce(payload) };
  };
}
