/**
 * The options a browser's navigator.credentials.create()/get() takes, as JSON (binary fields in
 * base64url), with exactly the fields and order GoTrue's WebAuthn library sends (what supabase-js
 * hands to PublicKeyCredential.parseCreationOptionsFromJSON / parseRequestOptionsFromJSON), and the
 * ceremony state to store beside them.
 */
import { randomBytes } from 'node:crypto';
import type { CeremonySession, UserVerification } from './ceremony-session.js';
import { CEREMONY_TIMEOUT_MS, CHALLENGE_BYTES, CREDENTIAL_ALGORITHMS, type RelyingParty } from './relying-party.js';

/** Whom a credential is created for. `id` is the user's UUID: its text is the WebAuthn user handle. */
export interface WebAuthnUser {
  readonly id: string;
  readonly name: string;
  readonly displayName: string;
}

export interface CredentialDescriptorJson {
  readonly type: 'public-key';
  readonly id: string;
}

export interface CreationOptionsJson {
  readonly rp: { readonly name: string; readonly id: string };
  readonly user: { readonly name: string; readonly displayName: string; readonly id: string };
  readonly challenge: string;
  readonly pubKeyCredParams: readonly { readonly type: 'public-key'; readonly alg: number }[];
  readonly timeout: number;
  readonly excludeCredentials?: readonly CredentialDescriptorJson[];
  readonly authenticatorSelection: { readonly residentKey?: 'required' | 'preferred' | 'discouraged'; readonly userVerification: UserVerification };
  readonly attestation: 'none';
}

export interface RequestOptionsJson {
  readonly challenge: string;
  readonly timeout: number;
  readonly rpId: string;
  readonly allowCredentials?: readonly CredentialDescriptorJson[];
  readonly userVerification: UserVerification;
}

/** The user handle authenticators keep for a user: its UUID's text, base64url-encoded here. */
export const userHandleOf = (userId: string): string => Buffer.from(userId, 'utf8').toString('base64url');

const newChallenge = (): string => randomBytes(CHALLENGE_BYTES).toString('base64url');

const descriptors = (ids: readonly string[]): CredentialDescriptorJson[] => ids.map((id) => ({ type: 'public-key', id }));

export interface RegistrationCeremony {
  readonly options: CreationOptionsJson;
  readonly session: CeremonySession;
}

/**
 * A registration: a new credential for `user`, not one of `excludeCredentialIds` (base64url, what the
 * user already has), discoverable when `residentKey` is required (passkeys), no attestation asked.
 */
export function registrationCeremony(
  rp: RelyingParty,
  user: WebAuthnUser,
  excludeCredentialIds: readonly string[],
  selection: { readonly residentKey?: 'required' | 'preferred' | 'discouraged'; readonly userVerification: UserVerification },
): RegistrationCeremony {
  const challenge = newChallenge();
  const options: CreationOptionsJson = {
    rp: { name: rp.name, id: rp.id },
    user: { name: user.name, displayName: user.displayName, id: userHandleOf(user.id) },
    challenge,
    pubKeyCredParams: CREDENTIAL_ALGORITHMS.map((alg) => ({ type: 'public-key', alg })),
    timeout: CEREMONY_TIMEOUT_MS,
    ...(excludeCredentialIds.length > 0 ? { excludeCredentials: descriptors(excludeCredentialIds) } : {}),
    authenticatorSelection: selection,
    attestation: 'none',
  };
  return {
    options,
    session: {
      challenge,
      rpId: rp.id,
      userId: user.id,
      allowedCredentialIds: [],
      userVerification: selection.userVerification,
      algorithms: CREDENTIAL_ALGORITHMS,
      expiresAtMs: null,
    },
  };
}

export interface AuthenticationCeremony {
  readonly options: RequestOptionsJson;
  readonly session: CeremonySession;
}

/**
 * An authentication. Without `userId` it is discoverable (no allowCredentials: the authenticator
 * offers whichever passkey the user picks, and its user handle says whose it is).
 */
export function authenticationCeremony(
  rp: RelyingParty,
  userVerification: UserVerification,
  forUser?: { readonly userId: string; readonly credentialIds: readonly string[] },
): AuthenticationCeremony {
  const challenge = newChallenge();
  const allowed = forUser?.credentialIds ?? [];
  const options: RequestOptionsJson = {
    challenge,
    timeout: CEREMONY_TIMEOUT_MS,
    rpId: rp.id,
    ...(allowed.length > 0 ? { allowCredentials: descriptors(allowed) } : {}),
    userVerification,
  };
  return {
    options,
    session: {
      challenge,
      rpId: rp.id,
      userId: forUser?.userId ?? null,
      allowedCredentialIds: allowed,
      userVerification,
      algorithms: [],
      expiresAtMs: null,
    },
  };
}
