/**
 * End to end: the real `foyer start` process, the real @supabase/supabase-js (PKCE flow) and a real
 * OpenID Connect provider in the test. signInAnonymously → linkIdentity → the provider's login and
 * consent → Foyer's /callback → exchangeCodeForSession → the same user, now permanent. And
 * manual_linking_disabled when linking is off. On the embedded database and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient, isAuthApiError, type SupabaseClient, type WebSocketLikeConstructor } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { createPostgresDatabase, engines, type EngineName } from '../helpers/engines.js';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.js';
import { decodeJwt } from '../helpers/project.js';
import { killAllServers, startServer, type RunningServer } from '../helpers/server.js';

const SITE_URL = 'http://localhost:3000';

/** A free TCP port on 127.0.0.1 (Foyer's URL must be known before it starts: it is the OAuth redirect URI). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function storeEnv(engine: EngineName): Promise<{ env: Record<string, string>; remove: () => Promise<void> }> {
  if (engine === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'foyer-link-e2e-'));
    return { env: { FOYER_DATA_DIR: join(dir, 'data') }, remove: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const { url, drop } = await createPostgresDatabase();
  return {
    env: { DATABASE_URL: url, GOTRUE_JWT_SECRET: randomBytes(36).toString('base64url'), GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'true' },
    remove: drop,
  };
}

const transport = WebSocket as unknown as WebSocketLikeConstructor;

const pkceClient = (server: RunningServer): SupabaseClient =>
  createClient(server.url, server.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false, flowType: 'pkce' },
    realtime: { transport },
  });

interface Setup {
  server: RunningServer;
  idp: TestOidcProvider;
  remove: () => Promise<void>;
}

async function setUp(engine: EngineName, manualLinking: boolean): Promise<Setup> {
  const port = await freePort();
  const api = `http://127.0.0.1:${port}/auth/v1`;
  const idp = await startOidcProvider({ redirectUris: [`${api}/callback`] });
  const store = await storeEnv(engine);
  try {
    const server = await startServer({
      ...store.env,
      PORT: String(port),
      GOTRUE_API_HOST: '127.0.0.1',
      API_EXTERNAL_URL: api,
      GOTRUE_SITE_URL: SITE_URL,
      GOTRUE_SECURITY_MANUAL_LINKING_ENABLED: String(manualLinking),
      FOYER_EXTERNAL_OIDC_ENABLED: 'true',
      FOYER_EXTERNAL_OIDC_ISSUER: idp.issuer,
      FOYER_EXTERNAL_OIDC_CLIENT_ID: idp.clientId,
      FOYER_EXTERNAL_OIDC_SECRET: idp.clientSecret,
    });
    return { server, idp, remove: store.remove };
  } catch (error) {
    await idp.close();
    await store.remove();
    throw error;
  }
}

async function tearDown(setup: Setup | undefined): Promise<void> {
  if (!setup) return;
  try {
    await setup.server.stop();
  } finally {
    await killAllServers();
    await setup.idp.close();
    await setup.remove();
  }
}

for (const engine of engines) {
  describe(`supabase-js linkIdentity against a real OpenID provider (${engine})`, () => {
    let setup: Setup;
    before(async () => {
      setup = await setUp(engine, true);
    });
    after(() => tearDown(setup));

    it('an anonymous user links the provider and stays the same user, now permanent', async () => {
      const { server, idp } = setup;
      const supabase = pkceClient(server);
      const anonymous = await supabase.auth.signInAnonymously({ options: { data: { cart: ['tea'] } } });
      assert.equal(anonymous.error, null);
      const userId = anonymous.data.user?.id as string;
      assert.equal(anonymous.data.user?.is_anonymous, true);

      idp.accounts.set('alice', { email: 'alice@example.com', email_verified: true, name: 'Alice' });
      const linking = await supabase.auth.linkIdentity({
        provider: 'oidc' as never,
        options: { skipBrowserRedirect: true, redirectTo: `${SITE_URL}/linked` },
      });
      assert.equal(linking.error, null);
      const providerUrl = new URL(linking.data.url as string);
      assert.equal(providerUrl.origin, idp.issuer, 'the url leads to the provider');

      // The browser: the provider's login and consent, then Foyer's callback, which redirects to the app.
      const callback = await idp.authorize(providerUrl.href, 'alice');
      const fromFoyer = await fetch(callback, { redirect: 'manual' });
      assert.equal(fromFoyer.status, 302);
      const landing = new URL(fromFoyer.headers.get('location') as string);
      assert.equal(`${landing.origin}${landing.pathname}`, `${SITE_URL}/linked`);
      const code = landing.searchParams.get('code');
      assert.ok(code, `a PKCE code in ${landing.href}`);

      const exchanged = await supabase.auth.exchangeCodeForSession(code);
      assert.equal(exchanged.error, null);
      assert.equal(exchanged.data.user?.id, userId);
      assert.equal(decodeJwt(exchanged.data.session?.access_token as string).is_anonymous, false);
      assert.ok(exchanged.data.session?.provider_token, 'the provider token reaches the client');

      const { data, error } = await supabase.auth.getUser();
      assert.equal(error, null);
      assert.equal(data.user?.id, userId);
      assert.equal(data.user?.is_anonymous, false);
      assert.equal(data.user?.email, 'alice@example.com');
      assert.deepEqual(data.user?.user_metadata.cart, ['tea']);
      assert.deepEqual(data.user?.identities?.map((identity) => identity.provider), ['oidc']);

      const refreshed = await supabase.auth.refreshSession();
      assert.equal(refreshed.error, null);
      assert.equal(decodeJwt(refreshed.data.session?.access_token as string).is_anonymous, false);

      // Linking the same provider account from another anonymous user fails, and that user keeps its session.
      const other = pkceClient(server);
      await other.auth.signInAnonymously();
      const second = await other.auth.linkIdentity({ provider: 'oidc' as never, options: { skipBrowserRedirect: true } });
      const secondCallback = await idp.authorize(second.data.url as string, 'alice');
      const refused = new URL((await fetch(secondCallback, { redirect: 'manual' })).headers.get('location') as string);
      assert.equal(refused.searchParams.get('error_code'), 'identity_already_exists');
      const stillThere = await other.auth.getUser();
      assert.equal(stillThere.error, null);
      assert.equal(stillThere.data.user?.is_anonymous, true);
    });
  });

  describe(`supabase-js linkIdentity with manual linking off (${engine})`, () => {
    let setup: Setup;
    before(async () => {
      setup = await setUp(engine, false);
    });
    after(() => tearDown(setup));

    it('returns manual_linking_disabled and leaves the anonymous session alone', async () => {
      const supabase = pkceClient(setup.server);
      await supabase.auth.signInAnonymously();
      const linking = await supabase.auth.linkIdentity({ provider: 'oidc' as never, options: { skipBrowserRedirect: true } });
      assert.ok(isAuthApiError(linking.error), String(linking.error));
      assert.equal(linking.error.status, 404);
      assert.equal(linking.error.code, 'manual_linking_disabled');
      assert.equal(linking.data.url, null);
      const { data, error } = await supabase.auth.getUser();
      assert.equal(error, null);
      assert.equal(data.user?.is_anonymous, true);
    });
  });
}
