import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { ADMIN, createTestPlatform, type ConsoleLogin, type TestPlatform } from '../helpers/platform.js';

for (const engine of engines) {
  describe(`console administrators and sessions (${engine})`, () => {
    let t: TestPlatform;
    let session: ConsoleLogin;
    before(async () => {
      t = await createTestPlatform(engine);
    });
    after(() => t.close());

    it('needs setup until the first administrator exists; the setup token works once', async () => {
      assert.deepEqual((await t.front.inject({ url: '/platform/v1/setup/status' })).json(), { needs_setup: true });
      const wrong = await t.front.inject({ method: 'POST', url: '/platform/v1/setup', payload: { token: 'nope', ...ADMIN } });
      assert.equal(wrong.statusCode, 403);
      assert.equal(wrong.json().code, 'setup_token_invalid');

      const token = await t.platform.auth.issueSetupToken();
      const weak = await t.front.inject({ method: 'POST', url: '/platform/v1/setup', payload: { token, email: ADMIN.email, password: 'short' } });
      assert.equal(weak.statusCode, 422);
      assert.equal(weak.json().code, 'validation_failed');
      const done = await t.front.inject({ method: 'POST', url: '/platform/v1/setup', payload: { token, ...ADMIN } });
      assert.equal(done.statusCode, 200, done.body);
      assert.equal(done.json().admin.email, ADMIN.email);
      assert.match(done.json().csrf_token, /^[A-Za-z0-9_-]{40,}$/);
      const again = await t.front.inject({ method: 'POST', url: '/platform/v1/setup', payload: { token, email: 'other@example.com', password: 'another password' } });
      assert.equal(again.statusCode, 403);
      assert.deepEqual((await t.front.inject({ url: '/platform/v1/setup/status' })).json(), { needs_setup: false });
      assert.equal(await t.platform.auth.issueSetupToken(), undefined, 'no new setup link once an administrator exists');
    });

    it('stores the password with scrypt, never in clear', async () => {
      const [row] = await t.database.db.query<{ password_hash: string }>(`select password_hash from auth.foyer_console_admins where email = $1`, [ADMIN.email]);
      assert.match(row.password_hash, /^scrypt\$15\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]{43}$/);
      assert.ok(!row.password_hash.includes(ADMIN.password));
    });

    it('logs in with an httpOnly, SameSite=Strict session cookie and hands out the CSRF token', async () => {
      const bad = await t.front.inject({ method: 'POST', url: '/platform/v1/login', payload: { email: ADMIN.email, password: 'wrong password' } });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().code, 'invalid_credentials');
      assert.equal(bad.headers['set-cookie'], undefined);
      session = await t.login();
      assert.match(session.setCookie, /^foyer_console=[A-Za-z0-9_-]{43};/);
      assert.match(session.setCookie, /; HttpOnly/);
      assert.match(session.setCookie, /; SameSite=Strict/);
      assert.match(session.setCookie, /; Path=\//);
      assert.match(session.setCookie, /; Max-Age=43200/);
      assert.doesNotMatch(session.setCookie, /; Secure/, 'plain HTTP: no Secure flag');
      const current = await t.call(session, 'GET', '/platform/v1/session');
      assert.equal(current.statusCode, 200);
      assert.deepEqual(current.json(), { admin: { email: ADMIN.email, role: 'owner' }, csrf_token: session.csrf });
      assert.equal(current.headers['cache-control'], 'no-store');
      assert.equal(current.headers['x-frame-options'], 'DENY');
      // The database keeps hashes only.
      const rows = await t.database.db.query<{ token_hash: string; csrf_hash: string }>(`select token_hash, csrf_hash from auth.foyer_console_sessions`);
      const token = session.cookie.split('=')[1];
      assert.ok(rows.length > 0, 'the session is stored');
      assert.ok(rows.every((row) => row.token_hash !== token && row.csrf_hash !== session.csrf && /^[0-9a-f]{64}$/.test(row.token_hash)));
    });

    it('sets the Secure flag when a trusted proxy says the client used HTTPS', async () => {
      const plain = await t.front.inject({
        method: 'POST',
        url: '/platform/v1/login',
        headers: { 'x-forwarded-proto': 'https' },
        payload: { email: ADMIN.email, password: ADMIN.password },
      });
      // 127.0.0.1 is not a trusted proxy here: the header is not believed.
      assert.doesNotMatch(String(plain.headers['set-cookie']), /; Secure/);
    });

    it('answers 401 console_login_required without a session and 403 csrf_failed for a mutation without its token', async () => {
      const anonymous = await t.front.inject({ url: '/platform/v1/projects' });
      assert.equal(anonymous.statusCode, 401);
      assert.equal(anonymous.json().code, 'console_login_required');
      assert.equal((await t.front.inject({ url: '/platform/v1/session' })).json().code, 'console_login_required');
      const forged = await t.front.inject({ url: '/platform/v1/session', headers: { cookie: 'foyer_console=forged-value' } });
      assert.equal(forged.statusCode, 401);

      const noCsrf = await t.front.inject({ method: 'POST', url: '/platform/v1/projects', headers: { cookie: session.cookie }, payload: { name: 'x' } });
      assert.equal(noCsrf.statusCode, 403);
      assert.equal(noCsrf.json().code, 'csrf_failed');
      const wrongCsrf = await t.front.inject({
        method: 'PATCH',
        url: '/platform/v1/projects/default/settings',
        headers: { cookie: session.cookie, 'x-csrf-token': `${session.csrf}x` },
        payload: { changes: { GOTRUE_SITE_URL: 'https://evil.example' } },
      });
      assert.equal(wrongCsrf.statusCode, 403);
      assert.equal(wrongCsrf.json().code, 'csrf_failed');
      const listed = await t.call(session, 'GET', '/platform/v1/projects');
      assert.equal(listed.statusCode, 200, 'reads need no CSRF token');
    });

    it('throttles logins: after 10 failures for an address and IP even the right password is refused (429)', async () => {
      const email = 'throttled@example.com';
      await t.platform.auth.createAdmin(email, 'the right password');
      for (let i = 0; i < 10; i += 1) {
        const response = await t.front.inject({ method: 'POST', url: '/platform/v1/login', payload: { email, password: `wrong ${i}` } });
        assert.equal(response.statusCode, 400);
      }
      const blocked = await t.front.inject({ method: 'POST', url: '/platform/v1/login', payload: { email, password: 'the right password' } });
      assert.equal(blocked.statusCode, 429);
      assert.equal(blocked.json().code, 'over_request_rate_limit');
      assert.ok(Number(blocked.headers['retry-after']) > 0);
      // Another address from the same IP is not affected.
      assert.equal((await t.login()).csrf.length > 0, true);
    });

    it('foyer admin create refuses an existing address unless told to replace the password', async () => {
      await assert.rejects(t.platform.auth.createAdmin(ADMIN.email, 'another password'), /exists already/);
      assert.equal(await t.platform.auth.createAdmin('second@example.com', 'second password'), 'created');
      assert.equal(await t.platform.auth.createAdmin('second@example.com', 'third password', { replace: true }), 'updated');
      assert.ok(await t.login('second@example.com', 'third password'));
    });

    it('logs out: the session is gone and the cookie cleared', async () => {
      const other = await t.login();
      const noCsrf = await t.front.inject({ method: 'POST', url: '/platform/v1/logout', headers: { cookie: other.cookie } });
      assert.equal(noCsrf.statusCode, 403);
      const out = await t.call(other, 'POST', '/platform/v1/logout');
      assert.equal(out.statusCode, 200);
      assert.match(String(out.headers['set-cookie']), /^foyer_console=;.*Expires=Thu, 01 Jan 1970/);
      assert.equal((await t.call(other, 'GET', '/platform/v1/session')).statusCode, 401);
      assert.equal((await t.call(session, 'GET', '/platform/v1/session')).statusCode, 200, 'other sessions stay');
    });

    it('writes console actions to the default project’s audit log with the administrator as actor', async () => {
      const rows = await t.database.db.query<{ payload: Record<string, unknown> }>(
        `select payload from auth.audit_log_entries where payload ->> 'log_type' = 'console' order by created_at`,
      );
      const actions = rows.map((row) => row.payload.action);
      assert.ok(actions.includes('console_admin_created'));
      assert.ok(actions.includes('console_login'));
      assert.ok(actions.includes('console_logout'));
      const [admin] = await t.database.db.query<{ id: string }>(`select id::text as id from auth.foyer_console_admins where email = $1`, [ADMIN.email]);
      const login = rows.find((row) => row.payload.action === 'console_login')!;
      assert.equal(login.payload.actor_id, admin.id);
      assert.equal(login.payload.actor_username, ADMIN.email);
    });

    it('serves a page saying how to build the console when it is not built', async () => {
      const page = await t.front.inject({ url: '/console/projects/abc' });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /npx vite build --config console\/vite.config.ts/);
      assert.equal(page.headers['x-frame-options'], 'DENY');
      assert.equal(page.headers['referrer-policy'], 'no-referrer');
    });
  });
}
