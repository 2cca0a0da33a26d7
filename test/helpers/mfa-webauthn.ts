/** WebAuthn MFA tests: the switches and relying party, and the factor's ceremonies through the API with a software authenticator. */
import assert from 'node:assert/strict';
import type { TestProject } from './project.js';
import { call, type Injected, type Session } from './mfa.js';
import { SoftwareAuthenticator, type Lies, type StoredKey } from './webauthn-authenticator.js';

export const RP_ID = 'localhost';
export const RP_ORIGIN = 'http://localhost:3000';

export const mfaWebAuthnEnv: Record<string, string> = {
  GOTRUE_MFA_WEB_AUTHN_ENROLL_ENABLED: 'true',
  GOTRUE_MFA_WEB_AUTHN_VERIFY_ENABLED: 'true',
  GOTRUE_WEBAUTHN_RP_ID: RP_ID,
  GOTRUE_WEBAUTHN_RP_DISPLAY_NAME: 'Foyer Test',
  GOTRUE_WEBAUTHN_RP_ORIGINS: RP_ORIGIN,
  GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY: '100000',
  GOTRUE_RATE_LIMIT_TOKEN_REFRESH: '100000',
};

/** A security key: keeps a signature counter, as most do. */
export const securityKey = () => new SoftwareAuthenticator({ rpId: RP_ID, origin: RP_ORIGIN, counting: true });

export interface WebAuthnChallenge {
  id: string;
  type: string;
  expires_at: number;
  webauthn: {
    type: 'create' | 'request';
    credential_options: {
      publicKey: Record<string, unknown> & { challenge: string; rp: { id: string }; user: { id: string }; allowCredentials?: { id: string }[] };
    };
  };
}

export async function enrollWebAuthn(t: TestProject, token: string, friendlyName = 'security key'): Promise<string> {
  const response = await call(t, 'POST', '/factors', { token, payload: { factor_type: 'webauthn', friendly_name: friendlyName } });
  assert.equal(response.statusCode, 200, response.body);
  return response.json().id as string;
}

/** What supabase-js sends: the factor id and the page's rpId and origins (ignored). */
export async function challengeWebAuthn(t: TestProject, token: string, factorId: string): Promise<WebAuthnChallenge> {
  const response = await call(t, 'POST', `/factors/${factorId}/challenge`, {
    token,
    payload: { factorId, webauthn: { rpId: RP_ID, rpOrigins: [RP_ORIGIN] } },
  });
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as WebAuthnChallenge;
}

export const verifyWebAuthn = (t: TestProject, token: string, factorId: string, challengeId: string, type: string, credentialResponse: unknown): Promise<Injected> =>
  call(t, 'POST', `/factors/${factorId}/verify`, {
    token,
    payload: { challenge_id: challengeId, webauthn: { type, rpId: RP_ID, rpOrigins: [RP_ORIGIN], credential_response: credentialResponse } },
  });

/** Enrols a factor and verifies it with a new credential of `authenticator`; the aal2 session and the key kept. */
export async function registerFactor(t: TestProject, session: Session, authenticator: SoftwareAuthenticator, lies: Lies = {}) {
  const factorId = await enrollWebAuthn(t, session.access_token);
  const challenge = await challengeWebAuthn(t, session.access_token, factorId);
  const created = authenticator.create(challenge.webauthn.credential_options.publicKey, lies);
  const response = await verifyWebAuthn(t, session.access_token, factorId, challenge.id, 'create', created.json);
  assert.equal(response.statusCode, 200, response.body);
  return { factorId, aal2: response.json() as Session, key: created.keep() };
}

/** Challenges the verified factor and answers with `key` (and `lies`); the verify response. */
export async function assertFactor(t: TestProject, token: string, factorId: string, authenticator: SoftwareAuthenticator, lies: Lies = {}, key?: StoredKey) {
  const challenge = await challengeWebAuthn(t, token, factorId);
  assert.equal(challenge.webauthn.type, 'request');
  return verifyWebAuthn(t, token, factorId, challenge.id, 'request', authenticator.get(challenge.webauthn.credential_options.publicKey, lies, key));
}
