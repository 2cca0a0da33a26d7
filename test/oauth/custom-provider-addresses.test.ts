/**
 * A custom provider's URLs are checked for private addresses on every connection, not only when saved.
 * A name can resolve to a public address when the admin saves it and to 127.0.0.1 or a cloud metadata
 * address at sign-in (DNS rebinding). The test cannot change what a public name resolves to, so it saves
 * the providers as an operator who allows private networks would (the check at save passes), then signs
 * in on a project that does not allow them: every URL now leads to a loopback address, as it would after
 * a rebinding. The provider is a real OpenID Connect server (oidc-provider) over HTTPS, with a certificate
 * Foyer trusts for both 127.0.0.1 and localhost, so without the check each of these sign-ins would succeed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient, type SupabaseClient, type WebSocketLikeConstructor } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { createCustomProvider, type CustomProviderInput } from '../../src/auth/oauth/custom/admin.js';
import { engines } from '../helpers/engines.js';
import { startFrontServer, type FrontServer } from '../helpers/front-server.js';
import { idTokenFor, TEST_CLIENT_REDIRECT, type Harness } from '../helpers/oauth-harness.js';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.js';
import { createTestProject, type TestProject } from '../helpers/project.js';

const APP_REDIRECT = 'http://localhost:3000/welcome';

interface Bench {
  t: TestProject;
  front: FrontServer;
  idp: TestOidcProvider;
}

const newClient = (bench: Bench): SupabaseClient =>
  createClient(bench.front.origin, bench.t.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false, flowType: 'pkce' },
    realtime: { transport: WebSocket as unknown as WebSocketLikeConstructor },
  });

/** Saved as when the operator allowed private networks (or as when the names still resolved publicly). */
async function saveProvider(bench: Bench, input: CustomProviderInput): Promise<void> {
  const deps = bench.t.project.deps;
  await createCustomProvider({ ...deps, config: { ...deps.config, customOAuthAllowPrivateNetwork: true } }, input);
}

/**
 * Signs in through the provider as a browser would, up to Foyer's callback. Returns where Foyer sent the
 * browser and the requests the provider received from the callback on (Foyer's own, then).
 */
async function signIn(bench: Bench, provider: string): Promise<{ error: URLSearchParams; requestsFromFoyer: string[] }> {
  const supabase = newClient(bench);
  const account = `acct-${randomBytes(6).toString('hex')}`;
  bench.idp.accounts.set(account, { email: `${account}@example.com`, email_verified: true });
  const started = await supabase.auth.signInWithOAuth({ provider: provider as 'google', options: { skipBrowserRedirect: true, redirectTo: APP_REDIRECT } });
  assert.equal(started.error, null);
  const callback = await bench.idp.authorize(started.data.url as string, account);
  assert.equal(`${callback.origin}${callback.pathname}`, `${bench.front.origin}/auth/v1/callback`);
  const before = bench.idp.requests.length;
  const response = await fetch(callback, { redirect: 'manual' });
  assert.equal(response.status, 302, await response.text());
  const landing = new URL(response.headers.get('location') as string);
  assert.equal(`${landing.origin}${landing.pathname}`, APP_REDIRECT, landing.href);
  const error = new URLSearchParams(landing.search);
  for (const [key, value] of new URLSearchParams(landing.hash.slice(1))) error.set(key, value);
  return { error, requestsFromFoyer: bench.idp.requests.slice(before) };
}

for (const engine of engines) {
  describe(`Custom providers reach only public addresses at sign-in (${engine})`, () => {
    let bench: Bench;
    let front: FrontServer | undefined;
    let idp: TestOidcProvider | undefined;
    before(async () => {
      front = await startFrontServer();
      idp = await startOidcProvider({ redirectUris: [`${front.origin}/auth/v1/callback`, TEST_CLIENT_REDIRECT], tls: true });
      const t = await createTestProject(engine, {
        API_EXTERNAL_URL: `${front.origin}/auth/v1`,
        GOTRUE_SITE_URL: 'http://localhost:3000',
        GOTRUE_URI_ALLOW_LIST: 'http://localhost:3000/**',
      });
      front.attach(t.app);
      bench = { t, front, idp };
      await saveProvider(bench, {
        provider_type: 'oidc',
        identifier: 'custom:corp',
        name: 'Corp SSO',
        client_id: idp.clientId,
        client_secret: idp.clientSecret,
        issuer: idp.issuer,
        scopes: ['email'],
      });
      const byName = idp.issuer.replace('127.0.0.1', 'localhost');
      await saveProvider(bench, {
        provider_type: 'oauth2',
        identifier: 'custom:plain',
        name: 'Plain OAuth',
        client_id: idp.clientId,
        client_secret: idp.clientSecret,
        authorization_url: `${idp.issuer}/auth`,
        token_url: `${byName}/token`,
        userinfo_url: `${byName}/me`,
        scopes: ['openid', 'email'],
      });
    });
    after(async () => {
      await bench?.t.close();
      await front?.close();
      await idp?.close();
    });

    it('an OpenID Connect provider whose token endpoint is now a loopback address: the code is never sent there', async () => {
      const { error, requestsFromFoyer } = await signIn(bench, 'custom:corp');
      assert.deepEqual(requestsFromFoyer, [], 'Foyer did not connect to the provider');
      assert.equal(error.get('error'), 'server_error', error.toString());
      assert.match(error.get('error_description') ?? '', /Unable to exchange external code.*127\.0\.0\.1 is a loopback, private/);
    });

    it('an OAuth 2.0 provider whose token URL names a host that now resolves to loopback: refused at the lookup', async () => {
      const { error, requestsFromFoyer } = await signIn(bench, 'custom:plain');
      assert.deepEqual(requestsFromFoyer, [], 'Foyer did not connect to the provider');
      assert.equal(error.get('error'), 'server_error', error.toString());
      assert.match(error.get('error_description') ?? '', /Unable to exchange external code.*localhost resolves to a loopback, private/);
    });

    it("signInWithIdToken: the provider's JWKS is not fetched from a loopback address, and the token is refused", async () => {
      const rawNonce = randomBytes(16).toString('hex');
      const account = `acct-${randomBytes(6).toString('hex')}`;
      bench.idp.accounts.set(account, { email: `${account}@example.com`, email_verified: true });
      const idToken = await idTokenFor({ idp: bench.idp } as Harness, account, rawNonce);
      const before = bench.idp.requests.length;
      const result = await newClient(bench).auth.signInWithIdToken({ provider: 'custom:corp', token: idToken, nonce: rawNonce });
      assert.deepEqual(bench.idp.requests.slice(before), [], 'Foyer did not fetch the JWKS');
      assert.equal(result.data.session, null);
      assert.equal(result.error?.status, 400, result.error?.message);
      assert.match(result.error?.message ?? '', /Bad ID token/);
    });
  });
}
