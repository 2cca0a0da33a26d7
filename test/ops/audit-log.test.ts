import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestProject, signUpAnonymously, versionHeaders, type TestProject } from '../helpers/project.js';

interface Entry {
  id: string;
  created_at: string;
  ip_address: string;
  payload: { actor_id: string; actor_username?: string; action: string; log_type: string; traits?: Record<string, unknown> };
}

for (const engine of engines) {
  describe(`audit log (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_MAILER_AUTOCONFIRM: 'true' });
    });
    after(() => t.close());

    const admin = () => ({ ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}` });
    const audit = async (query = '') => {
      const response = await t.app.inject({ method: 'GET', url: `/auth/v1/admin/audit${query}`, headers: admin() });
      assert.equal(response.statusCode, 200, response.body);
      return { entries: response.json() as Entry[], total: Number(response.headers['x-total-count']), link: String(response.headers.link) };
    };

    it('records sign-up, login, logout and refresh-token reuse as GoTrue does', async () => {
      const signup = await t.app.inject({
        method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: { email: 'ada@example.com', password: 'correct horse battery' },
      });
      assert.equal(signup.statusCode, 200, signup.body);
      const userId = signup.json().user.id as string;
      const login = await t.app.inject({
        method: 'POST', url: '/auth/v1/token?grant_type=password', headers: versionHeaders,
        payload: { email: 'ada@example.com', password: 'correct horse battery' },
      });
      assert.equal(login.statusCode, 200);
      const { refresh_token: first, access_token: accessToken } = login.json();
      const rotated = await t.app.inject({ method: 'POST', url: '/auth/v1/token?grant_type=refresh_token', headers: versionHeaders, payload: { refresh_token: first } });
      assert.equal(rotated.statusCode, 200);
      // Rotated twice: `first` is no longer the parent of the newest token (that would be a lost response, answered again).
      const again = await t.app.inject({
        method: 'POST', url: '/auth/v1/token?grant_type=refresh_token', headers: versionHeaders, payload: { refresh_token: rotated.json().refresh_token },
      });
      assert.equal(again.statusCode, 200);
      const replay = await t.app.inject({ method: 'POST', url: '/auth/v1/token?grant_type=refresh_token', headers: versionHeaders, payload: { refresh_token: first } });
      assert.equal(replay.json().code, 'refresh_token_already_used');
      const second = await t.app.inject({
        method: 'POST', url: '/auth/v1/token?grant_type=password', headers: versionHeaders,
        payload: { email: 'ada@example.com', password: 'correct horse battery' },
      });
      const logout = await t.app.inject({ method: 'POST', url: '/auth/v1/logout', headers: { ...versionHeaders, authorization: `Bearer ${second.json().access_token}` } });
      assert.equal(logout.statusCode, 204);
      assert.ok(accessToken);

      const { entries } = await audit(`?actor_id=${userId}`);
      const actions = entries.map((entry) => entry.payload.action).reverse();
      assert.deepEqual(actions, ['user_signedup', 'login', 'token_revoked', 'login', 'logout']);
      const byAction = Object.fromEntries(entries.map((entry) => [entry.payload.action, entry]));
      assert.equal(byAction.user_signedup.payload.log_type, 'team');
      assert.deepEqual(byAction.user_signedup.payload.traits, { provider: 'email' });
      assert.equal(byAction.login.payload.log_type, 'account');
      assert.equal(byAction.login.payload.actor_username, 'ada@example.com');
      assert.equal(byAction.logout.payload.log_type, 'account');
      assert.equal(byAction.token_revoked.payload.log_type, 'token');
      assert.equal(byAction.token_revoked.payload.traits?.reason, 'refresh_token_reused');
      assert.equal(byAction.login.ip_address, '127.0.0.1');
    });

    it('records admin deletions with whether the user was anonymous', async () => {
      const anonymous = await signUpAnonymously(t.app);
      const hard = await t.app.inject({ method: 'DELETE', url: `/auth/v1/admin/users/${anonymous.user.id}`, headers: admin() });
      assert.equal(hard.statusCode, 200);
      const soft = await signUpAnonymously(t.app);
      const softDelete = await t.app.inject({
        method: 'DELETE', url: `/auth/v1/admin/users/${soft.user.id}`, headers: admin(), payload: { should_soft_delete: true },
      });
      assert.equal(softDelete.statusCode, 200);
      const { entries } = await audit('?action=user_deleted');
      const traits = entries.map((entry) => entry.payload.traits!);
      assert.deepEqual(traits.map((trait) => trait.user_id).sort(), [anonymous.user.id, soft.user.id].sort());
      assert.ok(traits.every((trait) => trait.was_anonymous === true && typeof trait.user_created_at === 'string'));
      assert.ok(entries.every((entry) => entry.payload.log_type === 'team'));
      const aboutUser = await audit(`?user_id=${anonymous.user.id}`);
      assert.equal(aboutUser.entries.length, 1);
    });

    it('pages newest first with GoTrue’s headers and query scopes', async () => {
      const all = await audit('?per_page=2');
      assert.equal(all.entries.length, 2);
      assert.ok(all.total >= 7);
      assert.match(all.link, /<\/admin\/audit\?page=2&per_page=2>; rel="next"/);
      assert.ok(all.entries[0].created_at >= all.entries[1].created_at);
      const page2 = await audit('?per_page=2&page=2');
      assert.notEqual(page2.entries[0].id, all.entries[0].id);

      const logins = await audit('?query=action:login');
      assert.ok(logins.entries.length >= 2 && logins.entries.every((entry) => entry.payload.action === 'login'));
      const accounts = await audit('?query=type:account');
      assert.ok(accounts.entries.length > 0, 'the filter finds account entries');
      assert.ok(accounts.entries.every((entry) => entry.payload.log_type === 'account'));
      const byAuthor = await audit('?query=author:ADA@');
      assert.ok(byAuthor.entries.length >= 3);
      const future = await audit(`?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
      assert.equal(future.total, 0);
    });

    it('refuses bad filters and non-admin callers', async () => {
      const scope = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/audit?query=who:me', headers: admin() });
      assert.equal(scope.statusCode, 400);
      assert.equal(scope.json().message, 'Invalid query scope: who:me');
      const id = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/audit?user_id=nope', headers: admin() });
      assert.equal(id.statusCode, 400);
      const since = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/audit?since=yesterday', headers: admin() });
      assert.equal(since.statusCode, 400);
      const anon = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/audit', headers: { ...versionHeaders, authorization: `Bearer ${t.anonKey}` } });
      assert.equal(anon.statusCode, 403);
    });
  });
}
