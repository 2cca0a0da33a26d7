/**
 * Custom OAuth/OIDC providers, as supabase-js's auth.admin.customProviders manages them and its
 * signInWithOAuth / linkIdentity / signInWithIdToken use them ("custom:<name>"), against a real OpenID
 * Connect provider (oidc-provider) served over HTTPS on 127.0.0.1 — which FOYER_CUSTOM_OAUTH_ALLOW_PRIVATE_NETWORK
 * lets a custom provider name — and Foyer behind a listening front server. The same provider's endpoints
 * also stand in for a plain OAuth 2.0 provider (authorization, token and userinfo URLs).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient, type SupabaseClient, type WebSocketLikeConstructor } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { engines } from '../helpers/engines.js';
import { startFrontServer, type FrontServer } from '../helpers/front-server.js';
import { idTokenFor, TEST_CLIENT_REDIRECT, type Harness } from '../helpers/oauth-harness.js';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.js';
import { createTestProject, versionHeaders, type TestProject } from '../helpers/project.js';

const SITE_URL = 'http://localhost:3000';
const APP_REDIRECT = 'http://localhost:3000/welcome';
const ENCRYPTION_KEY = randomBytes(32).toString('base64url');

interface Bench {
  t: TestProject;
  front: FrontServer;
  idp: TestOidcProvider;
}

const realtime = { transport: WebSocket as unknown as WebSocketLikeConstructor };

const newClient = (bench: Bench): SupabaseClient =>
  createClient(bench.front.origin, bench.t.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false, flowType: 'pkce' },
    realtime,
  });

const adminClient = (bench: Bench): SupabaseClient =>
  createClient(bench.front.origin, bench.t.serviceRoleKey, { auth: { persistSession: false, autoRefreshToken: false }, realtime });

function newAccount(bench: Bench): string {
  const id = `acct-${randomBytes(6).toString('hex')}`;
  bench.idp.accounts.set(id, { email: `${id}@Example.com`, email_verified: true, name: `Person ${id}`, groups: ['staff', 'admins'], department: 'R&D' });
  return id;
}

/** From the provider's authorization URL through its login to Foyer's callback; returns where Foyer sends the browser. */
async function throughProvider(bench: Bench, providerUrl: string, accountId: string): Promise<URL> {
  const callback = await bench.idp.authorize(providerUrl, accountId);
  assert.equal(`${callback.origin}${callback.pathname}`, `${bench.front.origin}/auth/v1/callback`);
  const response = await fetch(callback, { redirect: 'manual' });
  assert.equal(response.status, 302, await response.text());
  return new URL(response.headers.get('location') as string);
}

const oidcProvider = (bench: Bench, identifier: string) => ({
  provider_type: 'oidc' as const,
  identifier,
  name: 'Corp SSO',
  client_id: bench.idp.clientId,
  client_secret: bench.idp.clientSecret,
  issuer: bench.idp.issuer,
  scopes: ['email', 'profile', 'groups'],
  custom_claims_allowlist: ['groups'],
  attribute_mapping: { nickname: 'name', user_name: 'department' },
});

async function api(bench: Bench, method: string, path: string, payload?: unknown, key = bench.t.serviceRoleKey) {
  const response = await bench.t.app.inject({
    method: method as 'GET',
    url: `/auth/v1${path}`,
    headers: { ...versionHeaders, authorization: `Bearer ${key}`, apikey: key },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return { status: response.statusCode, body: response.body ? (response.json() as Record<string, any>) : {} };
}

for (const engine of engines) {
  describe(`Custom OAuth/OIDC providers (${engine})`, () => {
    let bench: Bench;
    let front: FrontServer | undefined;
    let idp: TestOidcProvider | undefined;
    before(async () => {
      front = await startFrontServer();
      idp = await startOidcProvider({ redirectUris: [`${front.origin}/auth/v1/callback`, TEST_CLIENT_REDIRECT], tls: true });
      const t = await createTestProject(engine, {
        API_EXTERNAL_URL: `${front.origin}/auth/v1`,
        GOTRUE_SITE_URL: SITE_URL,
        GOTRUE_URI_ALLOW_LIST: 'http://localhost:3000/**',
        GOTRUE_SECURITY_MANUAL_LINKING_ENABLED: 'true',
        FOYER_CUSTOM_OAUTH_ALLOW_PRIVATE_NETWORK: 'true',
        GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPT: 'true',
        GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY_ID: 'key-1',
        GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY: ENCRYPTION_KEY,
        GOTRUE_SECURITY_DB_ENCRYPTION_DECRYPTION_KEYS: `key-1:${ENCRYPTION_KEY}`,
      });
      front.attach(t.app);
      bench = { t, front, idp };
    });
    after(async () => {
      await bench?.t.close();
      await front?.close();
      await idp?.close();
    });

    it('an admin adds an OpenID Connect provider with supabase-js: the discovery document is checked and kept, the secret sealed and never shown', async () => {
      const admin = adminClient(bench);
      const created = await admin.auth.admin.customProviders.createProvider(oidcProvider(bench, 'custom:corp'));
      assert.equal(created.error, null);
      const provider = created.data as unknown as Record<string, any>;
      assert.equal(provider.identifier, 'custom:corp');
      assert.equal(provider.provider_type, 'oidc');
      assert.deepEqual(provider.scopes, ['openid', 'email', 'profile', 'groups'], 'openid is always asked for, first');
      assert.equal(provider.pkce_enabled, true);
      assert.equal(provider.enabled, true);
      assert.equal(provider.discovery_document.issuer, bench.idp.issuer);
      assert.equal(provider.discovery_document.token_endpoint, `${bench.idp.issuer}/token`);
      assert.equal('client_secret' in provider, false);
      assert.equal(JSON.stringify(provider).includes(bench.idp.clientSecret), false);

      const [stored] = await bench.t.database.db.query<{ client_secret: string; discovery_cached_at: string | null }>(
        `select client_secret, discovery_cached_at from auth.custom_oauth_providers where identifier = 'custom:corp'`,
      );
      assert.notEqual(stored.client_secret, bench.idp.clientSecret, 'sealed with GOTRUE_SECURITY_DB_ENCRYPTION_*');
      assert.ok(stored.discovery_cached_at);

      const read = await admin.auth.admin.customProviders.getProvider('custom:corp');
      assert.equal(read.error, null);
      assert.equal((read.data as unknown as Record<string, unknown>).id, provider.id);
      const listed = await admin.auth.admin.customProviders.listProviders({ type: 'oidc' });
      assert.deepEqual(listed.data.providers.map((entry) => entry.identifier), ['custom:corp']);
      assert.deepEqual((await admin.auth.admin.customProviders.listProviders({ type: 'oauth2' })).data.providers, []);
    });

    it('signs in with custom:corp through supabase-js (PKCE): attribute mapping and allow-listed claims in identity_data', async () => {
      const supabase = newClient(bench);
      const account = newAccount(bench);
      const started = await supabase.auth.signInWithOAuth({ provider: 'custom:corp' as 'google', options: { skipBrowserRedirect: true, redirectTo: APP_REDIRECT } });
      assert.equal(started.error, null);
      const providerUrl = new URL(started.data.url as string);
      // supabase-js's URL is Foyer's /authorize; it sends the browser on to the provider.
      const toProvider = await fetch(providerUrl, { redirect: 'manual' });
      assert.equal(toProvider.status, 302, await toProvider.text());
      const authorize = new URL(toProvider.headers.get('location') as string);
      assert.equal(authorize.origin, bench.idp.issuer);
      assert.equal(authorize.searchParams.get('scope'), 'openid email profile groups');
      assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
      assert.equal(authorize.searchParams.get('redirect_uri'), `${bench.front.origin}/auth/v1/callback`);

      const landing = await throughProvider(bench, authorize.href, account);
      assert.equal(`${landing.origin}${landing.pathname}`, APP_REDIRECT, landing.href);
      const session = await supabase.auth.exchangeCodeForSession(landing.searchParams.get('code') as string);
      assert.equal(session.error, null);
      const user = session.data.user;
      assert.ok(user);
      assert.equal(user.email, `${account}@example.com`);
      assert.ok(user.email_confirmed_at, 'the provider vouches for the address');
      assert.deepEqual(user.app_metadata, { provider: 'custom:corp', providers: ['custom:corp'] });
      const identity = user.identities?.[0];
      assert.equal(identity?.provider, 'custom:corp');
      assert.equal(identity?.id, account);
      const data = identity?.identity_data ?? {};
      assert.equal(data.iss, bench.idp.issuer);
      assert.equal(data.sub, account);
      assert.deepEqual(data.custom_claims, { groups: ['staff', 'admins'] }, 'only allow-listed claims are copied');
      assert.equal(data.nickname, `Person ${account}`, 'mapped from a standard claim');
      assert.equal(data.user_name, 'R&D', 'mapped from a raw claim');
      assert.equal('department' in data, false);
      assert.equal(user.user_metadata.user_name, 'R&D');
    });

    it('an anonymous user links custom:corp (linkIdentity) and stays the same user, now permanent', async () => {
      const supabase = newClient(bench);
      const anonymous = await supabase.auth.signInAnonymously({ options: { data: { cart: 'kept' } } });
      assert.equal(anonymous.error, null);
      const account = newAccount(bench);
      const linking = await supabase.auth.linkIdentity({ provider: 'custom:corp' as 'google', options: { skipBrowserRedirect: true, redirectTo: APP_REDIRECT } });
      assert.equal(linking.error, null);
      const landing = await throughProvider(bench, linking.data.url as string, account);
      const session = await supabase.auth.exchangeCodeForSession(landing.searchParams.get('code') as string);
      assert.equal(session.error, null);
      assert.equal(session.data.user?.id, anonymous.data.user?.id);
      assert.equal(session.data.user?.is_anonymous, false);
      assert.equal(session.data.user?.user_metadata.cart, 'kept');
      assert.deepEqual(session.data.user?.identities?.map((entry) => entry.provider), ['custom:corp']);
    });

    it("takes the provider's ID tokens (signInWithIdToken) with GoTrue's nonce check", async () => {
      const supabase = newClient(bench);
      const account = newAccount(bench);
      const rawNonce = randomBytes(16).toString('hex');
      const harness = { idp: bench.idp } as Harness;
      const idToken = await idTokenFor(harness, account, rawNonce);
      const wrongNonce = await supabase.auth.signInWithIdToken({ provider: 'custom:corp', token: idToken, nonce: 'another nonce' });
      assert.equal(wrongNonce.error?.status, 400);
      assert.match(wrongNonce.error?.message ?? '', /Nonces mismatch/);
      const signedIn = await supabase.auth.signInWithIdToken({ provider: 'custom:corp', token: idToken, nonce: rawNonce });
      assert.equal(signedIn.error, null);
      assert.equal(signedIn.data.user?.identities?.[0]?.provider, 'custom:corp');
      assert.equal(signedIn.data.user?.email, `${account}@example.com`);
    });

    it('a plain OAuth 2.0 provider signs in through its authorization, token and userinfo URLs, proving PKCE', async () => {
      const admin = adminClient(bench);
      const created = await admin.auth.admin.customProviders.createProvider({
        provider_type: 'oauth2',
        identifier: 'custom:plain',
        name: 'Plain OAuth',
        client_id: bench.idp.clientId,
        client_secret: bench.idp.clientSecret,
        authorization_url: `${bench.idp.issuer}/auth`,
        token_url: `${bench.idp.issuer}/token`,
        userinfo_url: `${bench.idp.issuer}/me`,
        scopes: ['openid', 'email', 'profile'],
      });
      assert.equal(created.error, null);
      const supabase = newClient(bench);
      const account = newAccount(bench);
      const started = await supabase.auth.signInWithOAuth({ provider: 'custom:plain' as 'google', options: { skipBrowserRedirect: true, redirectTo: APP_REDIRECT } });
      assert.equal(started.error, null);
      // The test provider requires PKCE, and takes the client secret only in the body (Foyer tries HTTP Basic first).
      const landing = await throughProvider(bench, started.data.url as string, account);
      const session = await supabase.auth.exchangeCodeForSession(landing.searchParams.get('code') as string);
      assert.equal(session.error, null, landing.href);
      assert.equal(session.data.user?.email, `${account}@example.com`);
      assert.equal(session.data.user?.identities?.[0]?.provider, 'custom:plain');

      const idToken = await supabase.auth.signInWithIdToken({ provider: 'custom:plain', token: 'x.y.z' });
      assert.equal(idToken.error?.status, 400);
      assert.match(idToken.error?.message ?? '', /is not an OIDC provider/);
    });

    it("refuses bad input with GoTrue's messages, and changes nothing", async () => {
      const base = oidcProvider(bench, 'custom:other');
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ ...base, provider_type: 'saml' }, /provider_type must be either 'oauth2' or 'oidc'/],
        [{ ...base, identifier: 'other' }, /identifier must start with 'custom:' prefix/],
        [{ ...base, identifier: 'custom:Bad_Name' }, /lower-case letters, digits/],
        [{ ...base, name: '' }, /name is required/],
        [{ ...base, client_secret: undefined }, /client_secret is required/],
        [{ ...base, issuer: undefined }, /issuer is required for OIDC providers/],
        [{ ...base, issuer: 'http://id.example.com' }, /URL must use HTTPS/],
        [{ ...base, authorization_params: { redirect_uri: 'https://evil.example' } }, /Cannot override reserved OAuth parameter: redirect_uri/],
        [{ ...base, authorization_params: { prompt: 1 } }, /must be a string/],
        [{ ...base, attribute_mapping: { role: 'groups' } }, /Cannot map to protected system field: role/],
        [{ ...base, custom_claims_allowlist: ['  '] }, /non-empty strings/],
        [{ ...base, issuer: `${bench.idp.issuer}/elsewhere` }, /OIDC discovery from .* failed/],
        [{ ...base, discovery_url: `${bench.idp.issuer}/.well-known/openid-configuration`, issuer: 'https://127.0.0.1:1' }, /issuer mismatch/],
        [{ ...oidcProvider(bench, 'custom:corp') }, /already exists/],
        [{ provider_type: 'oauth2', identifier: 'custom:x', name: 'X', client_id: 'c', client_secret: 's' }, /authorization_url is required for OAuth2 providers/],
      ];
      for (const [payload, message] of cases) {
        const response = await api(bench, 'POST', '/admin/custom-providers', payload);
        assert.equal(response.status, 400, JSON.stringify(payload));
        assert.match(response.body.message, message, JSON.stringify(payload));
      }
      const count = await bench.t.database.db.query<{ count: number }>('select count(*)::int as count from auth.custom_oauth_providers');
      assert.equal(count[0].count, 2, 'only the two providers added above');

      assert.equal((await api(bench, 'POST', '/admin/custom-providers', base, bench.t.anonKey)).status, 403, 'not an admin');
      assert.equal((await api(bench, 'GET', '/admin/custom-providers?type=saml')).status, 400);
      const unprefixed = await api(bench, 'GET', '/admin/custom-providers/corp');
      assert.equal(unprefixed.status, 400);
      assert.match(unprefixed.body.message, /must start with 'custom:'/);
      const missing = await api(bench, 'GET', '/admin/custom-providers/custom:nope');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.code, 'custom_provider_not_found');
      const unknown = await fetch(`${bench.front.origin}/auth/v1/authorize?provider=custom:nope`, { redirect: 'manual' });
      assert.equal(unknown.status, 400);
      assert.match(((await unknown.json()) as { msg: string }).msg, /Unsupported provider: custom provider custom:nope not found/);
    });

    it('updates keep what is left out, turning a provider off refuses it everywhere, and deleting leaves its users signed in', async () => {
      const admin = adminClient(bench);
      const renamed = await admin.auth.admin.customProviders.updateProvider('custom:corp', { name: 'Corp (new name)' });
      assert.equal(renamed.error, null);
      assert.equal((renamed.data as unknown as Record<string, unknown>).name, 'Corp (new name)');
      assert.deepEqual((renamed.data as unknown as Record<string, unknown>).custom_claims_allowlist, ['groups'], 'kept');
      const retyped = await api(bench, 'PUT', '/admin/custom-providers/custom:corp', { provider_type: 'oauth2' });
      assert.equal(retyped.status, 400);
      // A new discovery URL is discovered again before it is saved; a broken one is refused and nothing changes.
      const cachedAt = async () =>
        (await bench.t.database.db.query<{ at: string }>(`select discovery_cached_at::text as at from auth.custom_oauth_providers where identifier = 'custom:corp'`))[0].at;
      const before = await cachedAt();
      const broken = await api(bench, 'PUT', '/admin/custom-providers/custom:corp', { discovery_url: `${bench.idp.issuer}/nothing/.well-known/openid-configuration` });
      assert.equal(broken.status, 400);
      assert.equal(await cachedAt(), before);
      const rediscovered = await api(bench, 'PUT', '/admin/custom-providers/custom:corp', { discovery_url: `${bench.idp.issuer}/.well-known/openid-configuration` });
      assert.equal(rediscovered.status, 200, JSON.stringify(rediscovered.body));
      assert.equal(rediscovered.body.discovery_url, `${bench.idp.issuer}/.well-known/openid-configuration`);
      assert.notEqual(await cachedAt(), before, 'discovered again');

      // Still signs in after the update (same sealed secret).
      const supabase = newClient(bench);
      const account = newAccount(bench);
      const started = await supabase.auth.signInWithOAuth({ provider: 'custom:corp' as 'google', options: { skipBrowserRedirect: true, redirectTo: APP_REDIRECT } });
      const landing = await throughProvider(bench, started.data.url as string, account);
      const session = await supabase.auth.exchangeCodeForSession(landing.searchParams.get('code') as string);
      assert.equal(session.error, null);

      assert.equal((await admin.auth.admin.customProviders.updateProvider('custom:corp', { enabled: false })).error, null);
      const refused = await fetch(`${bench.front.origin}/auth/v1/authorize?provider=custom:corp`, { redirect: 'manual' });
      assert.equal(refused.status, 400);
      assert.match(((await refused.json()) as { msg: string }).msg, /custom provider custom:corp is disabled/);
      const idToken = await newClient(bench).auth.signInWithIdToken({ provider: 'custom:corp', token: 'x.y.z' });
      assert.equal(idToken.error?.code, 'provider_disabled');

      assert.equal((await admin.auth.admin.customProviders.deleteProvider('custom:corp')).error, null);
      assert.equal((await api(bench, 'DELETE', '/admin/custom-providers/custom:corp')).status, 404);
      const still = await supabase.auth.getUser();
      assert.equal(still.error, null, 'a session begun with a deleted provider lives on');
      assert.equal(still.data.user?.identities?.[0]?.provider, 'custom:corp');
    });
  });

  describe(`Custom providers: the network guard, the quota and the switch (${engine})`, () => {
    let guarded: TestProject;
    let off: TestProject;
    before(async () => {
      guarded = await createTestProject(engine, {
        GOTRUE_CUSTOM_OAUTH_MAX_PROVIDERS: '2',
        GOTRUE_CUSTOM_OAUTH_EXTERNAL_URL: 'https://auth.example.com/auth/v1',
        GOTRUE_URI_ALLOW_LIST: 'http://localhost:3000/**',
      });
      off = await createTestProject(engine, { GOTRUE_CUSTOM_OAUTH_ENABLED: 'false' });
    });
    after(async () => {
      await guarded?.close();
      await off?.close();
    });
    const call = (t: TestProject, method: string, path: string, payload?: unknown) =>
      api({ t } as Bench, method, path, payload);
    const provider = (issuer: string) => ({ provider_type: 'oidc', identifier: 'custom:inside', name: 'Inside', client_id: 'c', client_secret: 's', issuer });

    it('refuses URLs of localhost, loopback, private, link-local and metadata addresses unless the operator allows them', async () => {
      for (const issuer of ['https://localhost/', 'https://127.0.0.1:8443', 'https://10.1.2.3', 'https://192.168.0.10', 'https://169.254.169.254', 'https://[::1]', 'https://[fd00::1]', 'https://[::ffff:10.0.0.1]']) {
        const response = await call(guarded, 'POST', '/admin/custom-providers', provider(issuer));
        assert.equal(response.status, 400, issuer);
        assert.equal(response.body.code, 'validation_failed', issuer);
        assert.match(response.body.message, /localhost|loopback|private/, issuer);
      }
      const count = await guarded.database.db.query<{ count: number }>('select count(*)::int as count from auth.custom_oauth_providers');
      assert.equal(count[0].count, 0);
    });

    it('answers over_custom_provider_quota at GOTRUE_CUSTOM_OAUTH_MAX_PROVIDERS', async () => {
      await guarded.database.db.execScript(`
        insert into auth.custom_oauth_providers (provider_type, identifier, name, client_id, client_secret, issuer) values
          ('oidc', 'custom:one', 'One', 'c', 's', 'https://one.example'), ('oidc', 'custom:two', 'Two', 'c', 's', 'https://two.example');`);
      const response = await call(guarded, 'POST', '/admin/custom-providers', provider('https://three.example'));
      assert.equal(response.status, 400);
      assert.equal(response.body.code, 'over_custom_provider_quota');
    });

    it("sends the browser to an OAuth 2.0 provider's URL with its fixed parameters, GOTRUE_CUSTOM_OAUTH_EXTERNAL_URL's callback, and no PKCE when it is off", async () => {
      await guarded.database.db.execScript(`
        insert into auth.custom_oauth_providers (provider_type, identifier, name, client_id, client_secret, scopes, pkce_enabled, authorization_params,
            authorization_url, token_url, userinfo_url)
          values ('oauth2', 'custom:plain', 'Plain', 'plain-client', 's', '{read:user}', false, '{"prompt": "consent"}',
            'https://id.example.com/oauth/authorize?tenant=t1', 'https://id.example.com/oauth/token', 'https://id.example.com/me');`);
      const authorize = async (query: string) => {
        const response = await guarded.app.inject({ method: 'GET', url: `/auth/v1/authorize?provider=custom:plain${query}` });
        assert.equal(response.statusCode, 302, response.body);
        return new URL(String(response.headers.location));
      };
      const location = await authorize('');
      assert.equal(`${location.origin}${location.pathname}`, 'https://id.example.com/oauth/authorize');
      assert.equal(location.searchParams.get('tenant'), 't1', "the URL's own query is kept");
      assert.equal(location.searchParams.get('client_id'), 'plain-client');
      assert.equal(location.searchParams.get('redirect_uri'), 'https://auth.example.com/auth/v1/callback');
      assert.equal(location.searchParams.get('prompt'), 'consent');
      assert.equal(location.searchParams.get('scope'), 'read:user');
      assert.equal(location.searchParams.get('code_challenge'), null, 'pkce_enabled false: no challenge');
      // A request's scopes replace the provider's, as in GoTrue.
      assert.equal((await authorize('&scopes=read:org')).searchParams.get('scope'), 'read:org');
    });

    it('with GOTRUE_CUSTOM_OAUTH_ENABLED=false: the admin routes are 404 feature_disabled and custom providers are refused', async () => {
      await off.database.db.execScript(`
        insert into auth.custom_oauth_providers (provider_type, identifier, name, client_id, client_secret, issuer)
          values ('oidc', 'custom:corp', 'Corp', 'c', 's', 'https://id.example');`);
      const listed = await call(off, 'GET', '/admin/custom-providers');
      assert.equal(listed.status, 404);
      assert.equal(listed.body.code, 'feature_disabled');
      const authorize = await off.app.inject({ method: 'GET', url: '/auth/v1/authorize?provider=custom:corp', headers: versionHeaders });
      assert.equal(authorize.statusCode, 400);
      assert.match(authorize.json().message, /custom OAuth providers are disabled/);
      const idToken = await off.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=id_token',
        headers: { ...versionHeaders, apikey: off.anonKey },
        payload: { provider: 'custom:corp', id_token: 'x.y.z' },
      });
      assert.equal(idToken.statusCode, 400);
      assert.match(idToken.json().message, /Custom OAuth providers are disabled/);
    });
  });
}
