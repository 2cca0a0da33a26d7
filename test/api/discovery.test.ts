/**
 * GET /.well-known/openid-configuration as GoTrue serves it (fields, order, cache header), under
 * /auth/v1, at the root and per project; and that nothing Foyer builds from a request — the discovery
 * document, mail links, OAuth redirect URIs, the console's project URLs — follows a spoofed Host or
 * X-Forwarded-Host/Proto/Prefix/Port, which a gateway like Kong forwards and any client can send.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestPlatform, type ConsoleLogin, type ProjectView, type TestPlatform } from '../helpers/platform.js';
import { createTestProject, versionHeaders, type TestProject } from '../helpers/project.js';

const EXTERNAL = 'https://auth.example.com/auth/v1';
const SPOOFED = {
  host: 'evil.example',
  'x-forwarded-host': 'evil.example',
  'x-forwarded-proto': 'https',
  'x-forwarded-port': '8443',
  'x-forwarded-prefix': '/evil',
  'x-forwarded-for': '203.0.113.7',
};

/** GoTrue's document for an issuer without trailing slashes, its keys in GoTrue's order. */
const expectedDocument = (issuer: string, base = issuer) => ({
  issuer,
  authorization_endpoint: `${base}/oauth/authorize`,
  token_endpoint: `${base}/oauth/token`,
  jwks_uri: `${base}/.well-known/jwks.json`,
  userinfo_endpoint: `${base}/oauth/userinfo`,
  scopes_supported: ['openid', 'profile', 'email', 'phone', 'offline_access'],
  response_types_supported: ['code'],
  response_modes_supported: ['query'],
  grant_types_supported: ['authorization_code', 'refresh_token'],
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: ['RS256', 'HS256', 'ES256'],
  token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
  claims_supported: [
    'sub', 'aud', 'iss', 'exp', 'iat', 'auth_time', 'nonce', 'email', 'email_verified',
    'phone_number', 'phone_number_verified', 'name', 'picture', 'preferred_username', 'updated_at',
  ],
  code_challenge_methods_supported: ['S256', 'plain'],
});

for (const engine of engines) {
  describe(`OpenID discovery and forwarded headers (${engine})`, () => {
    let t: TestProject;
    let issued: TestProject;
    before(async () => {
      // Inject comes from 127.0.0.1: with loopback trusted, forwarded headers come from a trusted proxy.
      t = await createTestProject(engine, {
        API_EXTERNAL_URL: EXTERNAL,
        FOYER_TRUSTED_PROXIES: 'loopback',
        GOTRUE_EXTERNAL_GITHUB_ENABLED: 'true',
        GOTRUE_EXTERNAL_GITHUB_CLIENT_ID: 'client-id',
        GOTRUE_EXTERNAL_GITHUB_SECRET: 'client-secret',
      });
      issued = await createTestProject(engine, { API_EXTERNAL_URL: EXTERNAL, GOTRUE_JWT_ISSUER: 'https://issuer.example.com/auth/v1/' });
    });
    after(async () => {
      await t?.close();
      await issued?.close();
    });

    it('serves GoTrue’s fields in GoTrue’s order, under /auth/v1 and at the root, cacheable for 10 minutes', async () => {
      for (const url of ['/auth/v1/.well-known/openid-configuration', '/.well-known/openid-configuration']) {
        const response = await t.app.inject({ method: 'GET', url });
        assert.equal(response.statusCode, 200, url);
        assert.equal(response.headers['cache-control'], 'public, max-age=600');
        assert.match(String(response.headers['content-type']), /^application\/json/);
        const document = response.json() as Record<string, unknown>;
        assert.deepEqual(document, expectedDocument(EXTERNAL));
        assert.deepEqual(Object.keys(document), Object.keys(expectedDocument(EXTERNAL)));
        assert.equal('registration_endpoint' in document, false, 'no dynamic client registration');
      }
    });

    it('takes the issuer from GOTRUE_JWT_ISSUER as GoTrue does (verbatim; URLs without its trailing slash)', async () => {
      const document = (await issued.app.inject({ method: 'GET', url: '/auth/v1/.well-known/openid-configuration' })).json();
      assert.deepEqual(document, expectedDocument('https://issuer.example.com/auth/v1/', 'https://issuer.example.com/auth/v1'));
    });

    it('points jwks_uri at the keys this server serves', async () => {
      const document = (await t.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).json() as { jwks_uri: string };
      const path = new URL(document.jwks_uri).pathname;
      const jwks = await t.app.inject({ method: 'GET', url: path });
      assert.equal(jwks.statusCode, 200);
      assert.ok(Array.isArray((jwks.json() as { keys: unknown }).keys));
    });

    it('ignores a spoofed Host and X-Forwarded-* even from a trusted proxy: issuer and links stay API_EXTERNAL_URL', async () => {
      const document = await t.app.inject({ method: 'GET', url: '/auth/v1/.well-known/openid-configuration', headers: SPOOFED });
      assert.deepEqual(document.json(), expectedDocument(EXTERNAL));

      const link = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/admin/generate_link',
        headers: { ...versionHeaders, ...SPOOFED, authorization: `Bearer ${t.serviceRoleKey}`, apikey: t.serviceRoleKey },
        payload: { type: 'magiclink', email: `spoof-${engine}@example.com` },
      });
      assert.equal(link.statusCode, 200, link.body);
      const actionLink = (link.json() as { action_link: string }).action_link;
      // GoTrue's /verify path is absolute: it replaces API_EXTERNAL_URL's path, the origin stays.
      assert.ok(actionLink.startsWith(`${new URL(EXTERNAL).origin}/verify?`), actionLink);

      const authorize = await t.app.inject({ method: 'GET', url: '/auth/v1/authorize?provider=github', headers: SPOOFED });
      assert.equal(authorize.statusCode, 302, authorize.body);
      const redirectUri = new URL(String(authorize.headers.location)).searchParams.get('redirect_uri');
      assert.equal(redirectUri, `${EXTERNAL}/callback`);
    });
  });

  describe(`OpenID discovery per project, and the console's project URLs (${engine})`, () => {
    let t: TestPlatform;
    let trusting: TestPlatform;
    let session: ConsoleLogin;
    let project: ProjectView;
    before(async () => {
      t = await createTestPlatform(engine, { API_EXTERNAL_URL: 'https://api.example.com/auth/v1' });
      trusting = await createTestPlatform(engine, { FOYER_TRUSTED_PROXIES: 'loopback' });
      session = await t.setUp();
      project = await t.createProject(session, 'Discovered');
    });
    after(async () => {
      await t?.close();
      await trusting?.close();
    });

    it('serves each project’s own document under /p/<ref>/auth/v1, whatever the forwarded headers say', async () => {
      const issuer = `https://api.example.com/p/${project.ref}/auth/v1`;
      for (const headers of [{}, SPOOFED]) {
        const response = await t.front.inject({ method: 'GET', url: `/p/${project.ref}/auth/v1/.well-known/openid-configuration`, headers });
        assert.equal(response.statusCode, 200);
        assert.equal(response.headers['cache-control'], 'public, max-age=600');
        assert.deepEqual(response.json(), expectedDocument(issuer));
      }
      const own = await t.front.inject({ method: 'GET', url: '/.well-known/openid-configuration', headers: SPOOFED });
      assert.equal((own.json() as { issuer: string }).issuer, 'https://api.example.com/auth/v1');
    });

    it('builds project URLs from the Host the client used; X-Forwarded-Host never, X-Forwarded-Proto only from a trusted proxy', async () => {
      const list = async (platform: TestPlatform, login: ConsoleLogin, headers: Record<string, string>) => {
        const response = await platform.front.inject({ method: 'GET', url: '/platform/v1/projects', headers: { cookie: login.cookie, ...headers } });
        assert.equal(response.statusCode, 200, response.body);
        return (response.json() as { projects: ProjectView[] }).projects.find((view) => view.is_default)!;
      };
      const forwarded = { host: 'console.example.com', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', 'x-forwarded-prefix': '/evil' };
      // No trusted proxy: the socket is the client, which cannot claim HTTPS.
      assert.equal((await list(t, session, forwarded)).api_url, 'http://console.example.com');
      // Loopback trusted (inject comes from 127.0.0.1): the proxy's X-Forwarded-Proto counts; its X-Forwarded-Host still does not.
      const trustedSession = await trusting.setUp();
      assert.equal((await list(trusting, trustedSession, forwarded)).api_url, 'https://console.example.com');
    });
  });
}
