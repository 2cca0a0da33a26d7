/**
 * The consent page a project hosts for Foyer's OAuth server, in a real browser (Debian's Chromium,
 * playwright-core): a third-party app (openid-client) sends the browser to /oauth/authorize; Foyer sends it
 * on to the project's consent page (GOTRUE_OAUTH_SERVER_AUTHORIZATION_PATH on the site), a page made of
 * supabase-js's browser build and its auth.oauth calls, where the user signs in, sees the app and the
 * scopes, and allows or denies; the browser lands at the app's redirect URI, whose code the app redeems.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { chromium, type Browser, type Page } from 'playwright-core';
import { engines } from '../helpers/engines.js';
import { adminHeaders, createOAuthServerProject, registerClient, signedInUser, type RegisteredClient } from '../helpers/oauth-server.js';
import { decodeJwt, type TestProject } from '../helpers/project.js';

const CHROMIUM = process.env.FOYER_TEST_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '../..');
const SUPABASE_UMD = readFileSync(resolve(ROOT, 'node_modules/@supabase/supabase-js/dist/umd/supabase.js'));
const EMAIL = 'reader@example.com';
const PASSWORD = 'correct horse battery staple 1';

/** The project's consent page: sign in if needed, then the app and its scopes with Allow and Deny. */
const CONSENT_PAGE = (anonKey: string) => `<!doctype html><html lang="en"><meta charset="utf-8"><title>Consent</title>
<script src="/consent/supabase.js"></script>
<main>
  <form id="login" hidden>
    <h1>Sign in to continue</h1>
    <label>Email <input id="email" type="email" autocomplete="username"></label>
    <label>Password <input id="password" type="password" autocomplete="current-password"></label>
    <button type="submit">Sign in</button>
  </form>
  <section id="consent" hidden>
    <h1 id="title"></h1>
    <p>It asks for: <span id="scopes"></span></p>
    <button id="allow" type="button">Allow</button>
    <button id="deny" type="button">Deny</button>
  </section>
  <p id="error" role="alert"></p>
</main>
<script>
  const client = supabase.createClient(location.origin, ${JSON.stringify(anonKey)}, { auth: { detectSessionInUrl: false } });
  const authorizationId = new URLSearchParams(location.search).get('authorization_id');
  const show = (id) => { for (const other of ['login', 'consent']) document.getElementById(other).hidden = other !== id; };
  const fail = (error) => { document.getElementById('error').textContent = error.message; };
  async function consent() {
    const { data, error } = await client.auth.oauth.getAuthorizationDetails(authorizationId);
    if (error) return fail(error);
    // Consent given before for these scopes: straight back to the app.
    if (!('authorization_id' in data)) return location.assign(data.redirect_url);
    document.getElementById('title').textContent = (data.client.name || data.client.id) + ' wants to use your account ' + data.user.email;
    document.getElementById('scopes').textContent = data.scope;
    show('consent');
  }
  document.getElementById('login').addEventListener('submit', async (event) => {
    event.preventDefault();
    const { error } = await client.auth.signInWithPassword({ email: document.getElementById('email').value, password: document.getElementById('password').value });
    if (error) return fail(error);
    await consent();
  });
  // approveAuthorization and denyAuthorization send the browser back to the app themselves.
  document.getElementById('allow').addEventListener('click', async () => { const { error } = await client.auth.oauth.approveAuthorization(authorizationId); if (error) fail(error); });
  document.getElementById('deny').addEventListener('click', async () => { const { error } = await client.auth.oauth.denyAuthorization(authorizationId); if (error) fail(error); });
  client.auth.getSession().then(({ data }) => (data.session ? consent() : show('login')));
</script></html>`;

for (const engine of engines) {
  describe(`the OAuth consent page in Chromium (${engine})`, () => {
    let t: TestProject;
    let server: Server;
    let browser: Browser;
    let page: Page;
    let origin: string;
    let app: RegisteredClient;
    let config: oidc.Configuration;
    let userId: string;

    /** The app's authorization request, opened in the browser: what the app must remember to redeem the code. */
    async function openAuthorization(scope: string) {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: `${origin}/app/callback`,
        scope,
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      await page.goto(url.href);
      return { verifier, state, nonce };
    }

    const landedAtApp = async () => {
      await page.waitForURL((url) => url.pathname === '/app/callback');
      return new URL(page.url());
    };

    before(async () => {
      let html = '';
      let handler: TestProject['app'] | undefined;
      server = createServer((req, res) => {
        const path = (req.url ?? '').split('?')[0];
        if (path === '/consent') return res.writeHead(200, { 'content-type': 'text/html' }).end(html);
        if (path === '/consent/supabase.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(SUPABASE_UMD);
        if (path === '/app/callback') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>App</title><p>Back at the app.</p>');
        if (!handler) return res.writeHead(503).end();
        handler.routing(req, res);
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      origin = `http://localhost:${(server.address() as AddressInfo).port}`;
      const issuer = `${origin}/auth/v1`;
      t = await createOAuthServerProject(engine, {
        API_EXTERNAL_URL: issuer,
        GOTRUE_JWT_ISSUER: issuer,
        GOTRUE_SITE_URL: origin,
        GOTRUE_OAUTH_SERVER_AUTHORIZATION_PATH: '/consent',
      });
      handler = t.app;
      html = CONSENT_PAGE(t.anonKey);
      app = await registerClient(t, { redirect_uris: [`${origin}/app/callback`], client_name: 'Acme Notes' });
      userId = (await signedInUser(t.app, EMAIL, PASSWORD)).userId;
      config = await oidc.discovery(new URL(issuer), app.client_id, undefined, oidc.ClientSecretBasic(app.client_secret as string), {
        execute: [oidc.allowInsecureRequests],
      });
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'] });
      page = await browser.newPage();
      page.setDefaultTimeout(30_000);
    });
    after(async () => {
      await browser?.close();
      server?.closeAllConnections();
      await new Promise<void>((done) => server?.close(() => done()));
      await t?.close();
    });

    it('a signed-out user signs in on the consent page, allows the app, and the app redeems the code', async () => {
      const flow = await openAuthorization('openid email profile');
      await page.getByRole('heading', { name: 'Sign in to continue' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/consent', 'Foyer sent the browser to the consent page');
      await page.getByLabel('Email').fill(EMAIL);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: `Acme Notes wants to use your account ${EMAIL}` }).waitFor();
      assert.equal(await page.locator('#scopes').innerText(), 'openid email profile');
      await page.getByRole('button', { name: 'Allow' }).click();

      const callback = await landedAtApp();
      assert.equal(callback.searchParams.get('state'), flow.state);
      const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
      assert.equal(tokens.claims()?.sub, userId);
      assert.equal(tokens.claims()?.email, EMAIL);
      assert.equal(decodeJwt(tokens.access_token).client_id, app.client_id);
      const info = await oidc.fetchUserInfo(config, tokens.access_token, userId);
      assert.equal(info.email, EMAIL);
    });

    it('an app allowed before is not asked again for the same scopes: the page sends the browser straight back', async () => {
      const flow = await openAuthorization('openid email');
      const callback = await landedAtApp();
      assert.ok(callback.searchParams.get('code'), callback.href);
      const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
      assert.equal(tokens.claims()?.sub, userId);
    });

    it('a user who denies sends the app access_denied, and no code', async () => {
      // A scope not consented to yet: the page asks again, and this time the user says no.
      const flow = await openAuthorization('openid email phone');
      await page.getByRole('button', { name: 'Deny' }).click();
      const callback = await landedAtApp();
      assert.equal(callback.searchParams.get('error'), 'access_denied');
      assert.equal(callback.searchParams.get('state'), flow.state);
      assert.equal(callback.searchParams.get('code'), null);
    });

    it("counts, for the admin API, the users who allowed the app (a denial is no grant)", async () => {
      const response = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/oauth/grant-counts', headers: adminHeaders(t) });
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(response.json(), { clients: { [app.client_id]: 1 } });
    });
  });
}
