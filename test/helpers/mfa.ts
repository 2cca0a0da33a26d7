/** MFA tests: users signed in with a password, factors enrolled and verified through the API, TOTP codes. */
import assert from 'node:assert/strict';
import { Secret, TOTP } from 'otpauth';
import { decodeJwt, versionHeaders, type TestProject } from './project.js';

export type Injected = Awaited<ReturnType<TestProject['app']['inject']>>;

export const PASSWORD = 'correct horse battery staple';

export interface Session {
  access_token: string;
  refresh_token: string;
  user: { id: string; factors?: Record<string, unknown>[]; [key: string]: unknown };
}

export function assertError(response: Injected, status: number, code: string, message?: RegExp): void {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.json().code, code, response.body);
  assert.equal(response.headers['x-sb-error-code'], code);
  if (message) assert.match(response.json().message, message);
}

/** A request of the user API; `from` is the client address (every inject otherwise comes from 127.0.0.1). */
export function call(
  t: TestProject,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  options: { token?: string; payload?: unknown; from?: string } = {},
): Promise<Injected> {
  return t.app.inject({
    method,
    url: `/auth/v1${url}`,
    headers: { ...versionHeaders, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
    ...(options.payload === undefined ? {} : { payload: typeof options.payload === 'string' ? options.payload : JSON.stringify(options.payload) }),
    ...(options.from ? { remoteAddress: options.from } : {}),
  });
}

/** A confirmed email user made with the admin API. */
export async function createUser(t: TestProject, email: string): Promise<string> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/auth/v1/admin/users',
    headers: { ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}` },
    payload: { email, password: PASSWORD, email_confirm: true },
  });
  assert.equal(response.statusCode, 200, response.body);
  return response.json().id as string;
}

export async function signIn(t: TestProject, email: string): Promise<Session> {
  const response = await call(t, 'POST', '/token?grant_type=password', { payload: { email, password: PASSWORD } });
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as Session;
}

export async function refresh(t: TestProject, refreshToken: string): Promise<Injected> {
  return call(t, 'POST', '/token?grant_type=refresh_token', { payload: { refresh_token: refreshToken } });
}

export interface Enrolled {
  id: string;
  secret: string;
  uri: string;
  qr_code: string;
}

export async function enroll(t: TestProject, token: string, friendlyName?: string, extra: Record<string, unknown> = {}): Promise<Enrolled> {
  const response = await call(t, 'POST', '/factors', { token, payload: { factor_type: 'totp', friendly_name: friendlyName, ...extra } });
  assert.equal(response.statusCode, 200, response.body);
  const body = response.json();
  return { id: body.id, secret: body.totp.secret, uri: body.totp.uri, qr_code: body.totp.qr_code };
}

export async function challenge(t: TestProject, token: string, factorId: string, from?: string): Promise<string> {
  const response = await call(t, 'POST', `/factors/${factorId}/challenge`, { token, payload: { factorId }, from });
  assert.equal(response.statusCode, 200, response.body);
  return response.json().id as string;
}

export const verify = (t: TestProject, token: string, factorId: string, challengeId: string, code: string, from?: string) =>
  call(t, 'POST', `/factors/${factorId}/verify`, { token, payload: { challenge_id: challengeId, code }, from });

/**
 * The code of the time step `offset` steps from now. Tests use offsets 0 and 1 only: both are still
 * accepted if the clock passes into the next step before the server checks them.
 */
export const totpCode = (secret: string, offset = 0): string =>
  TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + offset * 30_000 });

/** Six digits that are no code of this secret anywhere near now. */
export function wrongCode(secret: string): string {
  const near = new Set([-3, -2, -1, 0, 1, 2, 3, 4].map((offset) => totpCode(secret, offset)));
  for (let n = 0; ; n += 1) {
    const candidate = String(n).padStart(6, '0');
    if (!near.has(candidate)) return candidate;
  }
}

/** Challenge and verify in one go (supabase-js's challengeAndVerify); the new session. */
export async function challengeAndVerify(t: TestProject, token: string, factor: Enrolled, offset = 0): Promise<Session> {
  const challengeId = await challenge(t, token, factor.id);
  const response = await verify(t, token, factor.id, challengeId, totpCode(factor.secret, offset));
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as Session;
}

export const aalOf = (token: string): unknown => decodeJwt(token).aal;
export const amrMethodsOf = (token: string): string[] => (decodeJwt(token).amr as { method: string }[]).map((entry) => entry.method);

/** A user with one verified factor, and its aal2 session. */
export async function userWithVerifiedFactor(t: TestProject, email: string): Promise<{ userId: string; factor: Enrolled; aal2: Session }> {
  const userId = await createUser(t, email);
  const session = await signIn(t, email);
  const factor = await enroll(t, session.access_token, 'phone app');
  const aal2 = await challengeAndVerify(t, session.access_token, factor);
  return { userId, factor, aal2 };
}
