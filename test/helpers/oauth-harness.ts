/**
 * The OAuth test bench: a real OpenID Connect provider (oidc-provider) and Foyer as a real listening
 * server it redirects to, plus the steps a browser and a client take through them.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import type { EngineName } from './engines.js';
import { startFrontServer, type FrontServer } from './front-server.js';
import { startOidcProvider, type TestOidcProvider } from './oidc-provider.js';
import { createTestProject, versionHeaders, type TestProject } from './project.js';

export const SITE_URL = 'http://localhost:3000';
export const APP_REDIRECT = 'http://localhost:3000/welcome';
/** Where the test's own OpenID client (for ID tokens) is redirected; never fetched. */
export const TEST_CLIENT_REDIRECT = 'http://localhost:9/test-client/callback';

export interface Harness {
  t: TestProject;
  front: FrontServer;
  idp: TestOidcProvider;
  api: string;
}

export async function startHarness(engine: EngineName, env: Record<string, string>): Promise<Harness> {
  const front = await startFrontServer();
  const idp = await startOidcProvider({ redirectUris: [`${front.origin}/auth/v1/callback`, TEST_CLIENT_REDIRECT] });
  const t = await createTestProject(engine, {
    API_EXTERNAL_URL: `${front.origin}/auth/v1`,
    GOTRUE_SITE_URL: SITE_URL,
    FOYER_EXTERNAL_OIDC_ENABLED: 'true',
    FOYER_EXTERNAL_OIDC_ISSUER: idp.issuer,
    FOYER_EXTERNAL_OIDC_CLIENT_ID: idp.clientId,
    FOYER_EXTERNAL_OIDC_SECRET: idp.clientSecret,
    ...env,
  });
  front.attach(t.app);
  return { t, front, idp, api: `${front.origin}/auth/v1` };
}

export async function stopHarness(h: Harness | undefined): Promise<void> {
  if (!h) return;
  await h.t.close();
  await h.front.close();
  await h.idp.close();
}

export const newAccount = (h: Harness, claims: { email?: string; email_verified?: boolean } = {}) => {
  const id = `acct-${randomBytes(6).toString('hex')}`;
  h.idp.accounts.set(id, { email: `${id}@example.com`, email_verified: true, name: `Person ${id}`, ...claims });
  return id;
};

export const bearer = (token: string) => ({ ...versionHeaders, authorization: `Bearer ${token}` });

export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** GET /user/identities/authorize over HTTP, as supabase-js calls it (skip_http_redirect=true). */
export async function linkUrl(h: Harness, accessToken: string, extra: Record<string, string> = {}): Promise<Response> {
  const query = new URLSearchParams({ provider: 'oidc', redirect_to: APP_REDIRECT, skip_http_redirect: 'true', ...extra });
  return fetch(`${h.api}/user/identities/authorize?${query}`, { headers: bearer(accessToken) });
}

/** Through the provider and back to Foyer's /callback; returns Foyer's redirect (not followed). */
export async function completeAtProvider(h: Harness, providerUrl: string, accountId: string): Promise<{ status: number; location: URL; callback: URL }> {
  const callback = await h.idp.authorize(providerUrl, accountId);
  assert.equal(`${callback.origin}${callback.pathname}`, `${h.api}/callback`, 'the provider sends the browser to Foyer');
  const response = await fetch(callback, { redirect: 'manual' });
  return { status: response.status, location: new URL(response.headers.get('location') as string), callback };
}

export async function linkThroughProvider(h: Harness, accessToken: string, accountId: string, extra: Record<string, string> = {}) {
  const response = await linkUrl(h, accessToken, extra);
  assert.equal(response.status, 200, await response.clone().text());
  const { url } = (await response.json()) as { url: string };
  return completeAtProvider(h, url, accountId);
}

export const fragment = (location: URL) => new URLSearchParams(location.hash.slice(1));

export async function getUser(h: Harness, accessToken: string) {
  const response = await h.t.app.inject({ method: 'GET', url: '/auth/v1/user', headers: bearer(accessToken) });
  return { status: response.statusCode, body: response.json() as Record<string, any> };
}

export async function refresh(h: Harness, refreshToken: string) {
  const response = await h.t.app.inject({
    method: 'POST',
    url: '/auth/v1/token?grant_type=refresh_token',
    headers: versionHeaders,
    payload: { refresh_token: refreshToken },
  });
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as { access_token: string; refresh_token: string; user: Record<string, any> };
}

/** An ID token for `accountId` issued to Foyer's client id, nonce = sha256(rawNonce) as Google's SDKs do. */
export async function idTokenFor(h: Harness, accountId: string, rawNonce: string): Promise<string> {
  const config = await client.discovery(new URL(h.idp.issuer), h.idp.clientId, h.idp.clientSecret, undefined, {
    execute: [client.allowInsecureRequests],
  });
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = createHash('sha256').update(rawNonce).digest('hex');
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: TEST_CLIENT_REDIRECT,
    scope: 'openid email profile',
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const callback = await h.idp.authorize(url.href, accountId);
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
  return tokens.id_token as string;
}
