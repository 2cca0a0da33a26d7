/** Passkey API tests: a project with passkeys on, a signed-in user, and the two ceremonies through the API. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { versionHeaders, type TestProject } from './project.js';
import { SoftwareAuthenticator, type Lies, type StoredKey } from './webauthn-authenticator.js';

export const RP_ID = 'localhost';
export const RP_ORIGIN = 'http://localhost:3000';

/** Passkeys on for a relying party at http://localhost:3000; sign-ups confirmed at once; limits out of the way. */
export const passkeyEnv: Record<string, string> = {
  GOTRUE_PASSKEY_ENABLED: 'true',
  GOTRUE_WEBAUTHN_RP_ID: RP_ID,
  GOTRUE_WEBAUTHN_RP_DISPLAY_NAME: 'Foyer Test',
  GOTRUE_WEBAUTHN_RP_ORIGINS: RP_ORIGIN,
  GOTRUE_MAILER_AUTOCONFIRM: 'true',
  GOTRUE_RATE_LIMIT_PASSKEY: '100000',
  GOTRUE_RATE_LIMIT_OTP: '100000',
  GOTRUE_RATE_LIMIT_TOKEN_REFRESH: '100000',
};

export const newAuthenticator = (options: { counting?: boolean; backupEligible?: boolean; userVerified?: boolean } = {}) =>
  new SoftwareAuthenticator({ rpId: RP_ID, origin: RP_ORIGIN, ...options });

export interface Session {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly user: { readonly id: string; readonly email?: string; readonly [key: string]: unknown };
}

export async function signUp(app: FastifyInstance, email = `u${randomBytes(5).toString('hex')}@example.com`): Promise<Session> {
  const response = await app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: { email, password: 'a-Strong-passw0rd' } });
  assert.equal(response.statusCode, 200, response.body);
  const session = response.json() as Session;
  assert.ok(session.access_token, 'autoconfirm gives a session');
  return session;
}

/** A JSON request to the auth API (`token`: a Bearer token). */
export function call(app: FastifyInstance, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, options: { token?: string; payload?: unknown } = {}) {
  return app.inject({
    method,
    url: `/auth/v1${path}`,
    headers: { ...versionHeaders, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
    ...(options.payload === undefined ? {} : { payload: typeof options.payload === 'string' ? options.payload : JSON.stringify(options.payload) }),
  });
}

export function assertError(response: { statusCode: number; body: string; json: () => { code?: unknown } }, status: number, code: string): void {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.json().code, code, response.body);
}

export async function registrationOptions(t: TestProject, token: string) {
  const response = await call(t.app, 'POST', '/passkeys/registration/options', { token, payload: {} });
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as { challenge_id: string; options: Record<string, unknown> & { challenge: string; rp: { id: string }; user: { id: string } }; expires_at: number };
}

/** Registers a passkey of `authenticator` for the session's user; returns the passkey and the key kept. */
export async function registerPasskey(t: TestProject, session: Session, authenticator: SoftwareAuthenticator, lies: Lies = {}) {
  const { challenge_id, options } = await registrationOptions(t, session.access_token);
  const created = authenticator.create(options, lies);
  const response = await call(t.app, 'POST', '/passkeys/registration/verify', {
    token: session.access_token,
    payload: { challenge_id, credential: created.json },
  });
  assert.equal(response.statusCode, 200, response.body);
  const key = created.keep();
  return { passkey: response.json() as { id: string; friendly_name?: string; created_at: string }, key };
}

export async function authenticationOptions(t: TestProject) {
  const response = await call(t.app, 'POST', '/passkeys/authentication/options', { payload: {} });
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as { challenge_id: string; options: { challenge: string; rpId: string; [key: string]: unknown }; expires_at: number };
}

/** The whole sign-in: options, the authenticator's answer (with `lies`), verify. Returns the verify response. */
export async function signInWithPasskey(t: TestProject, authenticator: SoftwareAuthenticator, lies: Lies = {}, key?: StoredKey) {
  const { challenge_id, options } = await authenticationOptions(t);
  const credential = authenticator.get(options, lies, key);
  return call(t.app, 'POST', '/passkeys/authentication/verify', { payload: { challenge_id, credential } });
}
