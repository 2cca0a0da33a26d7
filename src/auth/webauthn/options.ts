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
  /** Left out when empty (Go's omitempty). */
  readonly transports?: readonly string[];
}

/** authenticatorSelection as sent: GoTrue's MFA sends its library's empty selection ({}). */
export interface AuthenticatorSelectionJson {
  readonly residentKey?: 'required' | 'preferred' | 'discouraged';
  readonly userVerification?: UserVerification;
}

export interface CreationOptionsJson {
  readonly rp: { readonly name: string; readonly id: string };
  readonly user: { readonly name: string; readonly displayName: string; readonly id: string };
  readonly challenge: string;
  readonly pubKeyCredParams: readonly { readonly type: 'public-key'; readonly alg: number }[];
  readonly timeout: number;
  readonly excludeCredentials?: readonly CredentialDescriptorJson[];
  readonly authenticatorSelection: AuthenticatorSelectionJson;
  /** Left out when the ceremony states no preference (GoTrue's MFA). */
  readonly attestation?: 'none';
}

export interface RequestOptionsJson {
  readonly challenge: string;
  readonly timeout: number;
  readonly rpId: string;
  readonly allowCredentials?: readonly CredentialDescriptorJson[];
  /** Left out when the ceremony states no requirement (GoTrue's MFA). */
  readonly userVerification?: UserVerification;
}

/** The user handle authenticators keep for a user: its UUID's text, base64url-encoded here. */
export const userHandleOf = (userId: string): string => Buffer.from(userId, 'utf8').toString('base64url');

const newChallenge = (): string => randomBytes(CHALLENGE_BYTES).toString('base64url');

/** Descriptors of credentials (base64url ids), with their transports when known. */
export const descriptorsOf = (ids: readonly string[], transports: readonly string[] = []): CredentialDescriptorJson[] =>
  ids.map((id) => ({ type: 'public-key', id, ...(transports.length > 0 ? { transports: [...transports] } : {}) }));

/** What a ceremony asks of the authenticator when it states nothing: user verification is not required. */
const UNSTATED_VERIFICATION: UserVerification = 'preferred';

export interface RegistrationCeremony {
  readonly options: CreationOptionsJson;
  readonly session: CeremonySession;
}

/**
 * A registration: a new credential for `user`, none of `exclude` (what the user already has),
 * discoverable when `residentKey` is required (passkeys). Passkeys ask for no attestation ("none");
 * GoTrue's MFA states no preference and an empty selection, so `attestation` is left out there.
 */
export function registrationCeremony(
  rp: RelyingParty,
  user: WebAuthnUser,
  exclude: readonly CredentialDescriptorJson[],
  selection: AuthenticatorSelectionJson,
  attestation?: 'none',
): RegistrationCeremony {
  const challenge = newChallenge();
  const options: CreationOptionsJson = {
    rp: { name: rp.name, id: rp.id },
    user: { name: user.name, displayName: user.displayName, id: userHandleOf(user.id) },
    challenge,
    pubKeyCredParams: CREDENTIAL_ALGORITHMS.map((alg) => ({ type: 'public-key', alg })),
    timeout: CEREMONY_TIMEOUT_MS,
    ...(exclude.length > 0 ? { excludeCredentials: exclude } : {}),
    authenticatorSelection: selection,
    ...(attestation ? { attestation } : {}),
  };
  return {
    options,
    session: {
      challenge,
      rpId: rp.id,
      userId: user.id,
      allowedCredentialIds: [],
      userVerification: selection.userVerification ?? UNSTATED_VERIFICATION,
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
 * An authentication. Without `forUser` it is discoverable (no allowCredentials: the authenticator
 * offers whichever passkey the user picks, and its user handle says whose it is); with it, only the
 * `allowed` credentials of that user answer. `userVerification` undefined: left out of the options.
 */
export function authenticationCeremony(
  rp: RelyingParty,
  userVerification: UserVerification | undefined,
  forUser?: { readonly userId: string; readonly allowed: readonly CredentialDescriptorJson[] },
): AuthenticationCeremony {
  const challenge = newChallenge();
  const allowed = forUser?.allowed ?? [];
  const options: RequestOptionsJson = {
    challenge,
    timeout: CEREMONY_TIMEOUT_MS,
    rpId: rp.id,
    ...(allowed.length > 0 ? { allowCredentials: allowed } : {}),
    ...(userVerification ? { userVerification } : {}),
  };
  return {
    options,
    session: {
      challenge,
      rpId: rp.id,
      userId: forUser?.userId ?? null,
      allowedCredentialIds: allowed.map((descriptor) => descriptor.id),
      userVerification: userVerification ?? UNSTATED_VERIFICATION,
      algorithms: [],
      expiresAtMs: null,
    },
  };
}
