/**
 * The OAuth server's clients: /admin/oauth/clients CRUD and regenerate_secret (secrets shown once, stored
 * as GoTrue stores them), dynamic registration behind its switch and with hostile metadata refused,
 * GoTrue's redirect-URI rules, the discovery documents, and every route 404 while the server is off.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { adminHeaders, createOAuthServerProject, registerClient } from '../helpers/oauth-server.js';
import { createTestProject, versionHeaders, type TestProject } from '../helpers/project.js';

for (const engine of engines) {
  describe(`OAuth server clients (${engine})`, () => {
    let t: TestProject;
    let dynamic: TestProject;
    let off: TestProject;
    before(async () => {
      t = await createOAuthServerProject(engine, { API_EXTERNAL_URL: 'https://auth.example.com/auth/v1' });
      // 12 registrations per hour: exactly those of the dynamic registration test that reach the limiter (not the two its parser refuses).
      dynamic = await createOAuthServerProject(engine, { GOTRUE_OAUTH_SERVER_ALLOW_DYNAMIC_REGISTRATION: 'true', GOTRUE_RATE_LIMIT_O_AUTH_DYNAMIC_CLIENT_REGISTER: '12/1h' });
      off = await createTestProject(engine);
    });
    after(async () => {
      await t?.close();
      await dynamic?.close();
      await off?.close();
    });

    it('registers a confidential client by default, shows its secret once and stores only its SHA-256', async () => {
      const client = await registerClient(t, { redirect_uris: ['https://app.example.com/callback'], client_name: 'Example app' });
      assert.equal(client.client_type, 'confidential');
      assert.equal(client.token_endpoint_auth_method, 'client_secret_basic');
      assert.deepEqual(client.grant_types, ['authorization_code', 'refresh_token']);
      assert.deepEqual(client.response_types, ['code']);
      assert.equal(client.registration_type, 'manual');
      assert.match(client.client_secret ?? '', /^[A-Za-z0-9_-]{43}$/);
      const [row] = await t.database.db.query<{ client_secret_hash: string }>('select client_secret_hash from auth.oauth_clients where id = $1', [client.client_id]);
      assert.equal(row.client_secret_hash, createHash('sha256').update(client.client_secret as string).digest('base64url'));

      const fetched = await t.app.inject({ method: 'GET', url: `/auth/v1/admin/oauth/clients/${client.client_id}`, headers: adminHeaders(t) });
      assert.equal(fetched.statusCode, 200);
      assert.equal('client_secret' in fetched.json(), false, 'the secret is never shown again');
      const listed = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/oauth/clients', headers: adminHeaders(t) });
      assert.ok((listed.json().clients as { client_id: string; client_secret?: string }[]).some((c) => c.client_id === client.client_id && !c.client_secret));

      const regenerated = await t.app.inject({ method: 'POST', url: `/auth/v1/admin/oauth/clients/${client.client_id}/regenerate_secret`, headers: adminHeaders(t) });
      assert.equal(regenerated.statusCode, 200);
      const secret = regenerated.json().client_secret as string;
      assert.notEqual(secret, client.client_secret);
      const [after] = await t.database.db.query<{ client_secret_hash: string }>('select client_secret_hash from auth.oauth_clients where id = $1', [client.client_id]);
      assert.equal(after.client_secret_hash, createHash('sha256').update(secret).digest('base64url'));
    });

    it('registers public clients without a secret (and refuses a new one for them); type and method must agree', async () => {
      const client = await registerClient(t, { redirect_uris: ['myapp://callback'], token_endpoint_auth_method: 'none' });
      assert.equal(client.client_type, 'public');
      assert.equal(client.client_secret, undefined);
      const regenerate = await t.app.inject({ method: 'POST', url: `/auth/v1/admin/oauth/clients/${client.client_id}/regenerate_secret`, headers: adminHeaders(t) });
      assert.equal(regenerate.statusCode, 400);
      assert.equal(regenerate.json().code, 'validation_failed');
      const mixed = await t.app.inject({
        method: 'POST', url: '/auth/v1/admin/oauth/clients', headers: adminHeaders(t),
        payload: { redirect_uris: ['https://a.example/cb'], client_type: 'public', token_endpoint_auth_method: 'client_secret_post' },
      });
      assert.equal(mixed.statusCode, 400);
      assert.match(mixed.json().message, /inconsistent/);
    });

    it('updates and deletes clients; unknown and malformed ids are 404 and 400', async () => {
      const client = await registerClient(t, { redirect_uris: ['https://app.example.com/a'] });
      const url = `/auth/v1/admin/oauth/clients/${client.client_id}`;
      const updated = await t.app.inject({ method: 'PUT', url, headers: adminHeaders(t), payload: { client_name: 'Renamed', redirect_uris: ['https://app.example.com/b'] } });
      assert.equal(updated.statusCode, 200);
      assert.equal(updated.json().client_name, 'Renamed');
      assert.deepEqual(updated.json().redirect_uris, ['https://app.example.com/b']);
      const empty = await t.app.inject({ method: 'PUT', url, headers: adminHeaders(t), payload: {} });
      assert.equal(empty.statusCode, 400);
      const wrongMethod = await t.app.inject({ method: 'PUT', url, headers: adminHeaders(t), payload: { token_endpoint_auth_method: 'none' } });
      assert.equal(wrongMethod.statusCode, 400);
      assert.equal((await t.app.inject({ method: 'DELETE', url, headers: adminHeaders(t) })).statusCode, 204);
      const gone = await t.app.inject({ method: 'GET', url, headers: adminHeaders(t) });
      assert.equal(gone.statusCode, 404);
      assert.equal(gone.json().code, 'oauth_client_not_found');
      const malformed = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/oauth/clients/not-a-uuid', headers: adminHeaders(t) });
      assert.equal(malformed.statusCode, 400);
      const anon = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/oauth/clients', headers: { ...versionHeaders, authorization: `Bearer ${t.anonKey}` } });
      assert.equal(anon.statusCode, 403);
    });

    it("applies GoTrue's redirect-URI rules: absolute, https (http only on loopback), no fragment, no dangerous scheme", async () => {
      for (const uri of ['http://localhost:8080/cb', 'http://127.0.0.1/cb', 'https://app.example.com/cb?x=1', 'com.example.app://oauth']) {
        await registerClient(t, { redirect_uris: [uri] });
      }
      const refused = [
        'http://app.example.com/cb', 'https://app.example.com/cb#frag', 'javascript://alert(1)', 'data://text/html', '/relative',
        'https://app.example.com/a,https://evil.example/b', '', 'file:///etc/passwd',
      ];
      for (const uri of refused) {
        const response = await t.app.inject({ method: 'POST', url: '/auth/v1/admin/oauth/clients', headers: adminHeaders(t), payload: { redirect_uris: [uri] } });
        assert.equal(response.statusCode, 400, uri);
        assert.equal(response.json().code, 'validation_failed', uri);
      }
      const tooMany = Array.from({ length: 11 }, (_, index) => `https://app.example.com/${index}`);
      const response = await t.app.inject({ method: 'POST', url: '/auth/v1/admin/oauth/clients', headers: adminHeaders(t), payload: { redirect_uris: tooMany } });
      assert.equal(response.statusCode, 400);
    });

    it('dynamic registration: refused while its switch is off, then open to anyone, limited, and hostile metadata is refused', async () => {
      const closed = await t.app.inject({ method: 'POST', url: '/auth/v1/oauth/clients/register', headers: versionHeaders, payload: { redirect_uris: ['https://a.example/cb'] } });
      assert.equal(closed.statusCode, 403);
      assert.equal(closed.json().code, 'oauth_dynamic_client_registration_disabled');

      const open = await dynamic.app.inject({
        method: 'POST', url: '/auth/v1/oauth/clients/register', headers: versionHeaders,
        payload: { redirect_uris: ['http://127.0.0.1:9999/callback'], client_name: 'MCP tool', token_endpoint_auth_method: 'none' },
      });
      assert.equal(open.statusCode, 201);
      assert.equal(open.json().registration_type, 'dynamic');
      assert.equal(open.json().client_type, 'public');

      const hostile: Record<string, unknown>[] = [
        { redirect_uris: ['https://a.example/cb'], logo_uri: 'javascript:alert(document.cookie)' },
        { redirect_uris: ['https://a.example/cb'], client_uri: 'data:text/html,<script>alert(1)</script>' },
        { redirect_uris: ['https://a.example/cb'], client_name: 'x'.repeat(1025) },
        { redirect_uris: ['https://a.example/cb'], client_name: 'Bank\u0000 of you' },
        { redirect_uris: ['https://a.example/cb'], grant_types: ['client_credentials'] },
        { redirect_uris: ['https://a.example/cb'], grant_types: ['implicit'] },
        { redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'private_key_jwt' },
        { redirect_uris: ['https://a.example/cb'], client_type: 'superuser' },
        { redirect_uris: [`https://a.example/${'a'.repeat(3000)}`] },
        { redirect_uris: 'https://a.example/cb' },
        { redirect_uris: [] },
        {},
      ];
      for (const payload of hostile) {
        const response = await dynamic.app.inject({ method: 'POST', url: '/auth/v1/oauth/clients/register', headers: versionHeaders, payload });
        assert.equal(response.statusCode, 400, JSON.stringify(payload).slice(0, 120));
      }
      const notJson = await dynamic.app.inject({ method: 'POST', url: '/auth/v1/oauth/clients/register', headers: versionHeaders, payload: 'not json' });
      assert.equal(notJson.statusCode, 400);
      // Anyone may register, so registrations are limited per client IP (GOTRUE_RATE_LIMIT_O_AUTH_DYNAMIC_CLIENT_REGISTER).
      const overLimit = await dynamic.app.inject({ method: 'POST', url: '/auth/v1/oauth/clients/register', headers: versionHeaders, payload: { redirect_uris: ['https://a.example/cb'] } });
      assert.equal(overLimit.statusCode, 429);
    });

    it('serves the discovery documents: RFC 8414 only while on, S256 only, the signing key’s algorithm, registration when open', async () => {
      const metadata = await t.app.inject({ method: 'GET', url: '/auth/v1/.well-known/oauth-authorization-server' });
      assert.equal(metadata.statusCode, 200);
      const document = metadata.json();
      assert.equal(document.issuer, 'https://auth.example.com/auth/v1');
      assert.deepEqual(document.code_challenge_methods_supported, ['S256']);
      assert.deepEqual(document.id_token_signing_alg_values_supported, ['ES256']);
      assert.equal(document.registration_endpoint, undefined);
      const openid = await t.app.inject({ method: 'GET', url: '/auth/v1/.well-known/openid-configuration' });
      assert.deepEqual(openid.json(), document);
      const open = (await dynamic.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).json();
      assert.match(open.registration_endpoint, /\/oauth\/clients\/register$/);
      const keys = (await t.app.inject({ method: 'GET', url: '/auth/v1/.well-known/jwks.json' })).json().keys as { kid: string }[];
      assert.deepEqual(keys.map((key) => key.kid), ['oauth-es256']);
    });

    it('answers 404 feature_disabled on every route while GOTRUE_OAUTH_SERVER_ENABLED is off', async () => {
      const routes: [string, string][] = [
        ['GET', '/auth/v1/.well-known/oauth-authorization-server'], ['GET', '/auth/v1/admin/oauth/clients'], ['POST', '/auth/v1/oauth/clients/register'],
        ['GET', '/auth/v1/oauth/authorize?client_id=x&redirect_uri=y'], ['POST', '/auth/v1/oauth/token'], ['GET', '/auth/v1/oauth/userinfo'],
        ['GET', '/auth/v1/oauth/authorizations/abc'], ['GET', '/auth/v1/user/oauth/grants'],
      ];
      for (const [method, url] of routes) {
        const response = await off.app.inject({ method: method as 'GET', url, headers: { ...adminHeaders(off) }, payload: method === 'POST' ? {} : undefined });
        assert.equal(response.statusCode, 404, url);
        assert.equal(response.json().code, 'feature_disabled', url);
      }
    });
  });
}
