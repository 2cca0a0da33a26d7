/** The id_token side of a catalogue provider: which issuer's keys, which audiences, which claims mapping. */
import type { JWTPayload } from 'jose';
import { tokenNonce, verifyIdToken, type IdTokenCheck } from '../id-token-verifier.js';
import { buildProfile, text, type ProfileClaims } from '../profile.js';
import type { ProviderProfile, VerifiedIdToken } from '../types.js';

export type ClaimsMapping = (claims: JWTPayload & Record<string, unknown>) => ProviderProfile;

/** verifyIdToken for POST /token?grant_type=id_token: `check` may depend on the token's own issuer (Azure). */
export function idTokenVerifier(
  check: (idToken: string) => Omit<IdTokenCheck, 'accessToken'> | Promise<Omit<IdTokenCheck, 'accessToken'>>,
  mapping: ClaimsMapping,
): (idToken: string, options: { accessToken?: string }) => Promise<VerifiedIdToken> {
  return async (idToken, options) => {
    const payload = await verifyIdToken(idToken, { ...(await check(idToken)), accessToken: options.accessToken });
    return { profile: mapping(payload as JWTPayload & Record<string, unknown>), nonce: tokenNonce(payload) };
  };
}

/**
 * The identity of an ID token whose issuer vouches for every address it puts in one (Facebook's Limited
 * Login, Snapchat): its issuer and subject, the address as verified, and the standard claims named.
 */
export function verifiedAddressProfile(claimNames: readonly (keyof ProfileClaims)[]): ClaimsMapping {
  return (claims) => {
    const email = text(claims.email);
    return buildProfile({
      issuer: String(claims.iss),
      subject: claims.sub,
      emails: email ? [{ email, verified: true, primary: true }] : [],
      claims: Object.fromEntries(claimNames.map((name) => [name, text(claims[name])])),
    });
  };
}
