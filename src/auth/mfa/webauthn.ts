/**
 * WebAuthn MFA factors (GoTrue's enrollWebAuthnFactor, challengeWebAuthnFactor, verifyWebAuthnFactor),
 * on the ceremony core of src/auth/webauthn/ and the relying party of GOTRUE_WEBAUTHN_* (as GoTrue
 * since it stopped taking rpId/rpOrigins from the body: supabase-js still sends them; they are ignored).
 *
 * Enrolling makes an unverified factor. Its challenge is a registration (`webauthn.type` "create"):
 * verifying the attestation stores the credential on the factor, verifies it and raises the session
 * to aal2. A verified factor's challenge is an authentication ("request") of that factor's credential:
 * a valid assertion raises the session, and the signature counter must move forward. Unlike GoTrue,
 * the ceremony must match the factor (an attestation never verifies a verified factor; an assertion
 * is checked against the challenged factor's own credential), a challenge serves one attempt, and a
 * failed ceremony is a 400 webauthn_verification_failed rather than a 500.
 */
import { randomUUID } from 'node:crypto';
import { FoyerError } from '../../errors.js';
import { insertFactorAudit, type OwnedFactor } from '../../store/mfa-factors.js';
import {
  advanceFactorSignCount,
  factorCredential,
  insertWebAuthnChallenge,
  insertWebAuthnFactor,
  recordLastWebAuthnChallenge,
  saveFactorCredential,
  takeWebAuthnChallenge,
  verifiedFactorCredentials,
} from '../../store/mfa-webauthn.js';
import type { Caller } from '../authenticate.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { sessionResponse, type SessionResponse } from '../tokens.js';
import { readSessionData, sessionDataJson } from '../webauthn/ceremony-session.js';
import { CredentialShapeError, parseAssertionCredential, parseRegistrationCredential } from '../webauthn/credential-json.js';
import { authenticationCeremony, descriptorsOf, registrationCeremony, type CreationOptionsJson, type RequestOptionsJson } from '../webauthn/options.js';
import { relyingPartyOf } from '../webauthn/relying-party.js';
import { verifyAssertion, verifyRegistration, type RegisteredCredential, type VerifiedAssertion } from '../webauthn/verify.js';
import { requireSession, requireVerifyEnabled } from './access.js';
import { challengeLifetimeSeconds, type ChallengeResponse } from './challenge-record.js';
import { enrolWithinLimits } from './admission.js';
import { factorGoneWhileVerifying, raiseSession } from './raise-session.js';
import { usableChallenge } from './verify.js';
import { credentialRecordJson, readCredentialRecord } from './webauthn-record.js';

export interface WebAuthnEnrollResponse {
  id: string;
  type: 'webauthn';
  friendly_name: string;
}

export async function enrollWebAuthnFactor(
  deps: AuthDeps,
  caller: Caller,
  input: { readonly sessionId: string; readonly friendlyName: string },
  meta: RequestMeta,
): Promise<WebAuthnEnrollResponse> {
  const userId = caller.user.id;
  const factorId = randomUUID();
  await enrolWithinLimits(deps, { userId, sessionId: input.sessionId, friendlyName: input.friendlyName }, async (tx) => {
    await insertWebAuthnFactor(tx, { id: factorId, userId, friendlyName: input.friendlyName });
    await insertFactorAudit(tx, { actorId: userId, action: 'factor_in_progress', traits: { factor_id: factorId, factor_type: 'webauthn' }, ip: meta.ip });
  });
  return { id: factorId, type: 'webauthn', friendly_name: input.friendlyName };
}

type CeremonyType = 'create' | 'request';

export interface WebAuthnChallengeResponse extends ChallengeResponse {
  webauthn: { type: CeremonyType; credential_options: { publicKey: CreationOptionsJson | RequestOptionsJson } };
}

/** GoTrue offers security keys' transports for the credentials a registration must not repeat. */
const EXCLUDED_TRANSPORTS = ['usb', 'nfc'];

const unusableFactor = () =>
  new FoyerError('mfa_verification_failed', 'This WebAuthn factor holds no usable credential: unenroll it and enroll again');

/** The base64url ids of the credentials of the user's verified WebAuthn factors. */
async function registeredCredentialIds(deps: AuthDeps, userId: string): Promise<string[]> {
  return (await verifiedFactorCredentials(deps.db, userId))
    .map(readCredentialRecord)
    .flatMap((record) => (record ? [record.credentialId.toString('base64url')] : []));
}

export async function challengeWebAuthnFactor(deps: AuthDeps, caller: Caller, factor: OwnedFactor, ip: string): Promise<WebAuthnChallengeResponse> {
  requireVerifyEnabled(deps, 'webauthn', 'challenge');
  const rp = relyingPartyOf(deps.config);
  const user = caller.user;
  let type: CeremonyType;
  let ceremony: ReturnType<typeof registrationCeremony> | ReturnType<typeof authenticationCeremony>;
  if (factor.status === 'verified') {
    const record = readCredentialRecord(await factorCredential(deps.db, factor.id));
    if (!record) throw unusableFactor();
    type = 'request';
    ceremony = authenticationCeremony(rp, undefined, { userId: user.id, allowed: descriptorsOf([record.credentialId.toString('base64url')], record.transports) });
  } else {
    type = 'create';
    // GoTrue names the user by the email alone (supabase-js fills in a blank name itself).
    const name = user.email ?? '';
    const exclude = descriptorsOf(await registeredCredentialIds(deps, user.id), EXCLUDED_TRANSPORTS);
    ceremony = registrationCeremony(rp, { id: user.id, name, displayName: name }, exclude, {});
  }
  const challengeId = randomUUID();
  const created = await insertWebAuthnChallenge(deps.db, { id: challengeId, factorId: factor.id, ip, sessionDataJson: sessionDataJson(ceremony.session) });
  return {
    id: challengeId,
    type: 'webauthn',
    expires_at: Math.floor(created.created_at_epoch) + challengeLifetimeSeconds(deps),
    webauthn: { type, credential_options: { publicKey: ceremony.options } },
  };
}

export interface WebAuthnVerifyInput {
  /** A UUID (the route refuses anything else); absent reads as the nil UUID, as GoTrue reads it. */
  readonly challengeId?: string;
  /** The body's `webauthn` object as sent. */
  readonly webauthn?: { readonly type?: unknown; readonly credential_response?: unknown } | null;
}

const invalidResponse = () => new FoyerError('validation_failed', 'Invalid credential_response');
const verificationFailed = () => new FoyerError('webauthn_verification_failed', 'Credential verification failed');

function parsed<T>(parse: (value: unknown) => T, value: unknown): T {
  try {
    return parse(value);
  } catch (error) {
    if (error instanceof CredentialShapeError) throw invalidResponse();
    throw error;
  }
}

export async function verifyWebAuthnFactor(
  deps: AuthDeps,
  caller: Caller,
  factor: OwnedFactor,
  input: WebAuthnVerifyInput,
  meta: RequestMeta,
): Promise<SessionResponse> {
  requireVerifyEnabled(deps, 'webauthn', 'verify');
  const params = input.webauthn;
  if (!params) throw new FoyerError('validation_failed', 'WebAuthn config required');
  if (params.type !== 'create' && params.type !== 'request') throw new FoyerError('validation_failed', 'WebAuthn type must be create or request');
  if (params.credential_response === undefined) throw new FoyerError('validation_failed', 'credential_response required');
  const ip = meta.ip ?? '0.0.0.0';
  const challenge = await usableChallenge(deps, factor, input.challengeId, ip);
  const expected: CeremonyType = factor.status === 'verified' ? 'request' : 'create';
  if (params.type !== expected) {
    throw new FoyerError('validation_failed', `WebAuthn type must be ${expected} for ${expected === 'create' ? 'an unverified' : 'a verified'} factor`);
  }
  const sessionId = requireSession(caller, 'verify a factor');
  const userId = caller.user.id;
  const rp = relyingPartyOf(deps.config);
  const registration = expected === 'create' ? parsed(parseRegistrationCredential, params.credential_response) : undefined;
  const assertion = expected === 'request' ? parsed(parseAssertionCredential, params.credential_response) : undefined;

  // The challenge serves this one attempt, whatever follows (a replay finds nothing).
  const taken = await takeWebAuthnChallenge(deps.db, challenge.id, factor.id);
  if (!taken) throw new FoyerError('mfa_factor_not_found', 'MFA factor with the provided challenge ID not found', { status: 422 });
  const session = readSessionData(taken.session_data);
  if (!session || session.userId !== userId) throw verificationFailed();

  let registered: RegisteredCredential | undefined;
  let asserted: { verified: VerifiedAssertion; fromCount: number } | undefined;
  try {
    if (registration) {
      // A registration's state offers algorithms and allows no credential; an authentication's is the reverse.
      if (session.algorithms.length === 0 || session.allowedCredentialIds.length > 0) throw verificationFailed();
      registered = await verifyRegistration(rp, session, registration);
    } else if (assertion) {
      if (session.allowedCredentialIds.length === 0) throw verificationFailed();
      const record = readCredentialRecord(await factorCredential(deps.db, factor.id));
      if (!record) throw unusableFactor();
      if (record.credentialId.toString('base64url') !== assertion.rawId) throw verificationFailed();
      asserted = { verified: await verifyAssertion(rp, session, assertion, record), fromCount: record.signCount };
    }
  } catch (error) {
    if (error instanceof FoyerError) throw error;
    throw verificationFailed();
  }
  if (registered && (await registeredCredentialIds(deps, userId)).includes(registered.credentialId.toString('base64url'))) {
    throw new FoyerError('webauthn_credential_exists', 'This credential is already registered');
  }

  const lastChallenge = JSON.stringify({
    challenge: {
      challenge_id: challenge.id,
      factor_id: factor.id,
      created_at: taken.created_at,
      ip_address: taken.ip_address,
      web_authn_session_data: taken.session_data,
    },
    type: expected,
    credential_response: registration ?? assertion,
  });
  const result = await deps.db
    .transaction(async (tx) => {
      if (registered) {
        const json = credentialRecordJson(registered, registration!, (params.credential_response as { authenticatorAttachment?: unknown }).authenticatorAttachment);
        if (!(await saveFactorCredential(tx, factor.id, { json, aaguid: registered.aaguid }))) throw verificationFailed();
      } else if (asserted) {
        if (!(await advanceFactorSignCount(tx, factor.id, asserted.fromCount, asserted.verified.newSignCount))) throw verificationFailed();
      }
      await insertFactorAudit(tx, {
        actorId: userId,
        action: 'verification_attempted',
        traits: { factor_id: factor.id, challenge_id: challenge.id, factor_type: factor.factor_type },
        ip,
      });
      await recordLastWebAuthnChallenge(tx, factor.id, lastChallenge);
      return raiseSession(deps, tx, { userId, sessionId, factorId: factor.id, factorType: 'webauthn', ip });
    })
    .catch(factorGoneWhileVerifying);
  return sessionResponse(deps, result);
}
