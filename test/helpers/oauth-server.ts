/** A project with Foyer's OAuth server on (an ES256 signing key, so id_tokens can be signed) and its calls. */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createTestProject, versionHeaders, type TestProject } from './project.js';
import type { EngineName } from './engines.js';

export const CONSENT_SITE = 'http://localhost:3000';
export const CONSENT_PATH = '/oauth/consent';

/** GOTRUE_JWT_KEYS with one ES256 key that signs (and the HS secret still verifying). */
export function asymmetricKeys(): string {
  const jwk = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid: 'oauth-es256', alg: 'ES256', key_ops: ['sign', 'verify'] };
  return JSON.stringify([jwk]);
}

export async function createOAuthServerProject(engine: EngineName, env: Record<string, string> = {}): Promise<TestProject> {
  return createTestProject(engine, {
    GOTRUE_OAUTH_SERVER_ENABLED: 'true',
    GOTRUE_OAUTH_SERVER_AUTHORIZATION_PATH: CONSENT_PATH,
    GOTRUE_SITE_URL: CONSENT_SITE,
    GOTRUE_JWT_KEYS: asymmetricKeys(),
    GOTRUE_MAILER_AUTOCONFIRM: 'true',
    ...env,
  });
}

export const adminHeaders = (t: TestProject) => ({ ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}`, apikey: t.serviceRoleKey });

export interface RegisteredClient {
  client_id: string;
  client_secret?: string;
  client_type: string;
  redirect_uris: string[];
  token_endpoint_auth_method: string;
  [key: string]: unknown;
}

export async function registerClient(t: TestProject, body: Record<string, unknown>): Promise<RegisteredClient> {
  const response = await t.app.inject({ method: 'POST', url: '/auth/v1/admin/oauth/clients', headers: adminHeaders(t), payload: body });
  if (response.statusCode !== 201) throw new Error(`client registration failed: ${response.statusCode} ${response.body}`);
  return response.json() as RegisteredClient;
}

/** A confirmed email user, signed in: its access token. */
export async function signedInUser(app: FastifyInstance, email: string, password = 'correct horse battery staple 1') {
  const signup = await app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: { email, password } });
  if (signup.statusCode !== 200) throw new Error(`sign-up failed: ${signup.statusCode} ${signup.body}`);
  const body = signup.json() as { access_token: string; refresh_token: string; user: { id: string } };
  return { accessToken: body.access_token, userId: body.user.id, password };
}

/** A PKCE verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** GET /oauth/authorize with these parameters: the raw answer (a redirect, or an error). */
export async function authorizeRequest(t: TestProject, params: Record<string, string>) {
  return t.app.inject({ method: 'GET', url: `/auth/v1/oauth/authorize?${new URLSearchParams(params)}` });
}

/** A pending authorization for `client` (S256 PKCE): its id and the verifier that redeems its code. */
export async function startAuthorization(t: TestProject, client: RegisteredClient, extra: Record<string, string> = {}) {
  const { verifier, challenge } = pkcePair();
  const response = await authorizeRequest(t, {
    client_id: client.client_id,
    redirect_uri: client.redirect_uris[0],
    response_type: 'code',
    scope: 'openid email',
    state: 'state-123',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
  if (response.statusCode !== 302) throw new Error(`authorize failed: ${response.statusCode} ${response.body}`);
  const location = new URL(String(response.headers.location));
  const authorizationId = location.searchParams.get('authorization_id');
  if (!authorizationId) throw new Error(`no authorization_id in ${location}`);
  return { authorizationId, verifier, location };
}

const bearer = (token: string) => ({ ...versionHeaders, authorization: `Bearer ${token}` });

export async function authorizationDetails(t: TestProject, userToken: string, authorizationId: string) {
  return t.app.inject({ method: 'GET', url: `/auth/v1/oauth/authorizations/${authorizationId}`, headers: bearer(userToken) });
}

export async function consent(t: TestProject, userToken: string, authorizationId: string, action: string, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST', url: `/auth/v1/oauth/authorizations/${authorizationId}/consent`, headers: { ...bearer(userToken), ...headers }, payload: { action },
  });
}

/** Authorize, open the consent page as the user and approve: the code and its verifier. */
export async function approvedCode(t: TestProject, client: RegisteredClient, userToken: string, extra: Record<string, string> = {}) {
  const started = await startAuthorization(t, client, extra);
  const details = await authorizationDetails(t, userToken, started.authorizationId);
  if (details.statusCode !== 200) throw new Error(`details failed: ${details.statusCode} ${details.body}`);
  let redirectUrl = (details.json() as { redirect_url?: string }).redirect_url;
  if (!redirectUrl) {
    const approved = await consent(t, userToken, started.authorizationId, 'approve');
    if (approved.statusCode !== 200) throw new Error(`consent failed: ${approved.statusCode} ${approved.body}`);
    redirectUrl = (approved.json() as { redirect_url: string }).redirect_url;
  }
  const code = new URL(redirectUrl).searchParams.get('code');
  if (!code) throw new Error(`no code in ${redirectUrl}`);
  return { code, verifier: started.verifier, authorizationId: started.authorizationId };
}

/** POST /oauth/token as a form, optionally with HTTP Basic client authentication. */
export async function tokenRequest(t: TestProject, form: Record<string, string>, basic?: { id: string; secret: string }) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = `Basic ${Buffer.from(`${basic.id}:${basic.secret}`).toString('base64')}`;
  return t.app.inject({ method: 'POST', url: '/auth/v1/oauth/token', headers, payload: new URLSearchParams(form).toString() });
}
