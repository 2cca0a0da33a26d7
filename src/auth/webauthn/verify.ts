/**
 * Verifying a ceremony's response: @simplewebauthn/server does the WebAuthn checks (client data type,
 * challenge, origin, RP id hash, flags, attestation, signature, counter); this wrapper gives it the
 * relying party and the stored ceremony state, with GoTrue's policy: user verification only when the
 * ceremony required it (passkeys ask for it as "preferred"), user presence always, the algorithms the
 * ceremony offered, the top origin of a framed ceremony not checked. Every failure, whatever threw it,
 * is a WebAuthnVerificationError (its message is for logs, never for the client).
 */
import { timingSafeEqual } from 'node:crypto';
import { loadOnce } from '../../load-once.js';
import type { CeremonySession } from './ceremony-session.js';
import { topOriginOf, type AssertionCredentialJson, type RegistrationCredentialJson } from './credential-json.js';
import { CREDENTIAL_ALGORITHMS, type RelyingParty } from './relying-party.js';

// Loaded at the first ceremony (about 25 MB a server without WebAuthn need not keep).
const simpleWebAuthn = loadOnce(() => import('@simplewebauthn/server'));
const simpleWebAuthnHelpers = loadOnce(() => import('@simplewebauthn/server/helpers'));

export class WebAuthnVerificationError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'WebAuthnVerificationError';
  }
}

/** A credential as registration leaves it: what webauthn_credentials stores. */
export interface RegisteredCredential {
  readonly credentialId: Buffer;
  /** COSE-encoded, as the authenticator gave it. */
  readonly publicKey: Buffer;
  readonly signCount: number;
  /** The authenticator model's id, a UUID (all zeros when it names none). */
  readonly aaguid: string;
  /** The attestation statement format (GoTrue stores it as attestation_type): "none" unless asked. */
  readonly attestationFormat: string;
  readonly transports: readonly string[];
  readonly backupEligible: boolean;
  readonly backedUp: boolean;
  readonly userPresent: boolean;
  readonly userVerified: boolean;
  /** The authenticator data the attestation carried (what a record of the whole attestation keeps). */
  readonly authenticatorData: Buffer;
  /** The COSE algorithm of the public key (e.g. -7 for ES256). */
  readonly publicKeyAlgorithm: number;
}

/** A stored credential, as an assertion is verified against it. */
export interface CredentialRecord {
  readonly credentialId: Buffer;
  readonly publicKey: Buffer;
  readonly signCount: number;
  readonly transports: readonly string[];
  readonly backupEligible: boolean;
}

export interface VerifiedAssertion {
  readonly newSignCount: number;
  readonly userVerified: boolean;
  readonly backedUp: boolean;
}

/** Compares the client data's challenge with the stored one in constant time. */
const challengeMatcher = (expected: string) => (received: string) => {
  const a = Buffer.from(expected);
  const b = Buffer.from(received);
  return a.length === b.length && timingSafeEqual(a, b);
};

function sessionStillValid(session: CeremonySession): void {
  if (session.expiresAtMs !== null && session.expiresAtMs < Date.now()) throw new WebAuthnVerificationError('the ceremony state has expired');
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof WebAuthnVerificationError) throw error;
    throw new WebAuthnVerificationError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

export function verifyRegistration(rp: RelyingParty, session: CeremonySession, credential: RegistrationCredentialJson): Promise<RegisteredCredential> {
  return guarded(async () => {
    sessionStillValid(session);
    const [{ verifyRegistrationResponse }, { cose, decodeAttestationObject, decodeCredentialPublicKey }] = await Promise.all([
      simpleWebAuthn(),
      simpleWebAuthnHelpers(),
    ]);
    const result = await verifyRegistrationResponse({
      response: credential,
      expectedChallenge: challengeMatcher(session.challenge),
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.id,
      requireUserPresence: true,
      requireUserVerification: session.userVerification === 'required',
      // A state without its offer (none written so far) falls back to what Foyer and GoTrue offer.
      supportedAlgorithmIDs: [...(session.algorithms.length > 0 ? session.algorithms : CREDENTIAL_ALGORITHMS)],
    });
    if (!result.verified) throw new WebAuthnVerificationError('the attestation statement did not verify');
    const info = result.registrationInfo;
    // The id the client reports must be the one the authenticator put in its data (what is stored).
    if (info.credential.id !== credential.rawId) throw new WebAuthnVerificationError('the credential id differs from the authenticator data\'s');
    const authenticatorData = Buffer.from(decodeAttestationObject(info.attestationObject).get('authData'));
    const flags = authenticatorData[32] ?? 0;
    return {
      credentialId: Buffer.from(info.credential.id, 'base64url'),
      publicKey: Buffer.from(info.credential.publicKey),
      signCount: info.credential.counter,
      aaguid: info.aaguid,
      attestationFormat: info.fmt,
      transports: credential.response.transports ?? [],
      backupEligible: info.credentialDeviceType === 'multiDevice',
      backedUp: info.credentialBackedUp,
      userPresent: (flags & 0x01) !== 0,
      userVerified: info.userVerified,
      authenticatorData,
      publicKeyAlgorithm: decodeCredentialPublicKey(info.credential.publicKey).get(cose.COSEKEYS.alg) ?? 0,
    };
  });
}

/**
 * An assertion against `stored`. A counter that does not move forward (unless the authenticator keeps
 * none: 0 both times) fails: the credential may have been cloned. So does a credential whose backup
 * eligibility changed since it was registered (it never may).
 */
export function verifyAssertion(
  rp: RelyingParty,
  session: CeremonySession,
  credential: AssertionCredentialJson,
  stored: CredentialRecord,
): Promise<VerifiedAssertion> {
  return guarded(async () => {
    sessionStillValid(session);
    if (session.allowedCredentialIds.length > 0 && !session.allowedCredentialIds.includes(credential.rawId)) {
      throw new WebAuthnVerificationError('the credential is not one the ceremony allowed');
    }
    const topOrigin = topOriginOf(credential.response.clientDataJSON);
    const { verifyAuthenticationResponse } = await simpleWebAuthn();
    const result = await verifyAuthenticationResponse({
      response: credential,
      expectedChallenge: challengeMatcher(session.challenge),
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.id,
      ...(topOrigin ? { expectedTopOrigin: topOrigin } : {}),
      credential: {
        id: stored.credentialId.toString('base64url'),
        publicKey: new Uint8Array(stored.publicKey),
        counter: stored.signCount,
        transports: [...stored.transports],
      },
      requireUserVerification: session.userVerification === 'required',
    });
    if (!result.verified) throw new WebAuthnVerificationError('the signature did not verify');
    const info = result.authenticationInfo;
    if ((info.credentialDeviceType === 'multiDevice') !== stored.backupEligible) {
      throw new WebAuthnVerificationError('the backup eligibility flag changed since registration');
    }
    return { newSignCount: info.newCounter, userVerified: info.userVerified, backedUp: info.credentialBackedUp };
  });
}
