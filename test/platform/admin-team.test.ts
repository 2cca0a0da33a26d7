/**
 * A team of console administrators over the management API: an owner invites an admin and a read-only
 * administrator with one-time links, roles are enforced by /platform/v1 (owners manage administrators,
 * read-only ones change nothing, see no service_role key and read no outbox), an owner's reset link sets a
 * new password and ends the old sessions, the last owner stays, and every change is in the audit log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestPlatform, type ConsoleLogin, type TestPlatform } from '../helpers/platform.js';

const PASSWORD = 'a team member password';

for (const engine of engines) {
  describe(`console administrators as a team (${engine})`, () => {
    let t: TestPlatform;
    let owner: ConsoleLogin;
    let ownerId: string;

    const accept = (token: unknown, password = PASSWORD) => t.front.inject({ method: 'POST', url: '/platform/v1/admins/accept', payload: { token, password } });
    const invite = async (email: string, role: string) => {
      const response = await t.call(owner, 'POST', '/platform/v1/admins/invitations', { email, role });
      assert.equal(response.statusCode, 200, response.body);
      return response.json() as { token: string; expires_at: string; email: string; role: string };
    };
    const team = async (session: ConsoleLogin) => (await t.call(session, 'GET', '/platform/v1/admins')).json().admins as { id: string; email: string; role: string }[];

    before(async () => {
      t = await createTestPlatform(engine);
      owner = await t.setUp();
      ownerId = (await team(owner))[0].id;
    });
    after(() => t.close());

    it('an owner invites an admin with a one-time link; following it sets the password and signs them in', async () => {
      const link = await invite('Admin@Example.com', 'admin');
      assert.equal(link.email, 'admin@example.com');
      assert.match(link.token, /^[A-Za-z0-9_-]{43}$/);
      const [stored] = await t.database.db.query<{ token_hash: string }>(`select token_hash from auth.foyer_console_admin_links`);
      assert.notEqual(stored.token_hash, link.token, 'the database keeps a hash');

      assert.equal((await accept(link.token, 'short')).statusCode, 422, 'a weak password is refused and the link stays');
      const accepted = await accept(link.token);
      assert.equal(accepted.statusCode, 200, accepted.body);
      assert.deepEqual(accepted.json().admin, { email: 'admin@example.com', role: 'admin' });
      assert.match(String(accepted.headers['set-cookie']), /^foyer_console=/);
      const again = await accept(link.token);
      assert.equal(again.statusCode, 403, 'used once');
      assert.equal(again.json().code, 'link_invalid');
      assert.equal((await t.login('admin@example.com', PASSWORD)).csrf.length > 0, true);
      assert.deepEqual((await team(owner)).map((admin) => [admin.email, admin.role]), [['ops@example.com', 'owner'], ['admin@example.com', 'admin']]);
    });

    it('only owners manage administrators; an admin changes projects but not the team', async () => {
      const admin = await t.login('admin@example.com', PASSWORD);
      const refused = await t.call(admin, 'POST', '/platform/v1/admins/invitations', { email: 'x@example.com', role: 'owner' });
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json().code, 'console_owner_required');
      assert.equal((await t.call(admin, 'PATCH', `/platform/v1/admins/${ownerId}`, { role: 'read_only' })).statusCode, 403);
      const project = await t.createProject(admin, 'Admin made this');
      assert.ok(project.service_role_key, 'an admin sees the keys');
    });

    it('a read-only administrator looks but changes nothing, sees no service_role key and reads no outbox', async () => {
      const link = await invite('viewer@example.com', 'read_only');
      assert.equal((await accept(link.token)).statusCode, 200);
      const viewer = await t.login('viewer@example.com', PASSWORD);
      const projects = await t.call(viewer, 'GET', '/platform/v1/projects');
      assert.equal(projects.statusCode, 200);
      for (const project of projects.json().projects as { anon_key: string; service_role_key: string }[]) {
        assert.equal(project.service_role_key, '');
        assert.ok(project.anon_key);
      }
      const ref = (projects.json().projects as { ref: string; is_default: boolean }[]).find((p) => p.is_default)?.ref as string;
      assert.equal((await t.call(viewer, 'GET', `/platform/v1/projects/${ref}/admin/users`)).statusCode, 200, 'users can be looked at');
      for (const path of ['mail/outbox', 'sms/outbox', 'mail%2Foutbox', '%6Dail/outbox', 'MAIL/outbox']) {
        const outbox = await t.call(viewer, 'GET', `/platform/v1/projects/${ref}/admin/${path}`);
        assert.equal(outbox.statusCode, 403, path);
        assert.equal(outbox.json().code, 'console_read_only', path);
      }
      for (const [method, url, payload] of [
        ['POST', '/platform/v1/projects', { name: 'nope' }],
        ['PATCH', `/platform/v1/projects/${ref}/settings`, { settings: { GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: false } }],
        ['POST', `/platform/v1/projects/${ref}/admin/users`, { email: 'new@example.com' }],
        ['DELETE', `/platform/v1/admins/${ownerId}`, undefined],
      ] as const) {
        const response = await t.call(viewer, method, url, payload);
        assert.equal(response.statusCode, 403, `${method} ${url}`);
        assert.equal(response.json().code, 'console_read_only', `${method} ${url}`);
      }
    });

    it("an owner's reset link sets a new password and ends the administrator's other sessions", async () => {
      const admin = await t.login('admin@example.com', PASSWORD);
      const adminId = (await team(owner)).find((entry) => entry.email === 'admin@example.com')?.id as string;
      const link = await t.call(owner, 'POST', `/platform/v1/admins/${adminId}/password-reset`);
      assert.equal(link.statusCode, 200, link.body);
      assert.equal(link.json().email, 'admin@example.com');
      assert.equal((await accept(link.json().token, 'the new admin password')).statusCode, 200);
      assert.equal((await t.call(admin, 'GET', '/platform/v1/session')).statusCode, 401, 'the old session ended');
      await assert.rejects(t.login('admin@example.com', PASSWORD), /invalid_credentials/);
      await t.login('admin@example.com', 'the new admin password');
    });

    it('keeps an owner: the last one can neither be demoted nor removed; roles change and administrators go', async () => {
      const lastDemoted = await t.call(owner, 'PATCH', `/platform/v1/admins/${ownerId}`, { role: 'admin' });
      assert.equal(lastDemoted.statusCode, 409);
      assert.equal(lastDemoted.json().code, 'last_owner');
      assert.equal((await t.call(owner, 'DELETE', `/platform/v1/admins/${ownerId}`)).statusCode, 409);
      assert.equal((await t.call(owner, 'PATCH', `/platform/v1/admins/${ownerId}`, { role: 'superuser' })).statusCode, 422);

      const viewerId = (await team(owner)).find((entry) => entry.email === 'viewer@example.com')?.id as string;
      const promoted = await t.call(owner, 'PATCH', `/platform/v1/admins/${viewerId}`, { role: 'owner' });
      assert.equal(promoted.statusCode, 200);
      assert.equal(promoted.json().role, 'owner');
      const viewer = await t.login('viewer@example.com', PASSWORD);
      assert.equal((await t.call(viewer, 'DELETE', `/platform/v1/admins/${ownerId}`)).statusCode, 200, 'with two owners, one may go');
      assert.equal((await t.call(owner, 'GET', '/platform/v1/session')).statusCode, 401, "the removed owner's session ended");
      assert.equal((await t.call(viewer, 'DELETE', `/platform/v1/admins/${ownerId}`)).statusCode, 404);
    });

    it('lists invitations not yet followed, and an owner withdraws one: its link stops working', async () => {
      // The first owner is gone (above); the viewer made owner runs the team now.
      const viewer = await t.login('viewer@example.com', PASSWORD);
      const made = await t.call(viewer, 'POST', '/platform/v1/admins/invitations', { email: 'later@example.com', role: 'admin' });
      assert.equal(made.statusCode, 200, made.body);
      const listed = (await t.call(viewer, 'GET', '/platform/v1/admins')).json() as { invitations: { email: string; role: string; invited_by: string }[] };
      assert.deepEqual(listed.invitations.map((entry) => [entry.email, entry.role, entry.invited_by]), [['later@example.com', 'admin', 'viewer@example.com']]);
      const withdrawn = await t.call(viewer, 'DELETE', '/platform/v1/admins/invitations?email=later@example.com');
      assert.equal(withdrawn.statusCode, 200, withdrawn.body);
      assert.equal((await accept(made.json().token)).statusCode, 403, 'the withdrawn link no longer works');
      assert.equal((await t.call(viewer, 'DELETE', '/platform/v1/admins/invitations?email=later@example.com')).statusCode, 404);
      assert.deepEqual((await t.call(viewer, 'GET', '/platform/v1/admins')).json().invitations, []);
    });

    it('refuses bad input: an address taken, a role unknown, a link mistyped or too long', async () => {
      const viewer = await t.login('viewer@example.com', PASSWORD);
      const taken = await t.call(viewer, 'POST', '/platform/v1/admins/invitations', { email: 'admin@example.com', role: 'admin' });
      assert.equal(taken.statusCode, 409);
      assert.equal((await t.call(viewer, 'POST', '/platform/v1/admins/invitations', { email: 'new@example.com', role: 'root' })).statusCode, 422);
      assert.equal((await t.call(viewer, 'POST', '/platform/v1/admins/invitations', { email: 'not an address', role: 'admin' })).statusCode, 422);
      assert.equal((await accept('x'.repeat(500))).statusCode, 422);
      assert.equal((await accept(42)).statusCode, 422);
      assert.equal((await accept('wrong-token')).statusCode, 403);
    });

    it('records every change to the team in the audit log', async () => {
      const rows = await t.database.db.query<{ action: string }>(
        `select payload->>'action' as action from auth.audit_log_entries where payload->>'log_type' = 'console' order by created_at`,
      );
      const actions = rows.map((row) => row.action);
      for (const action of ['console_admin_invited', 'console_admin_invitation_withdrawn', 'console_admin_created', 'console_admin_reset_link', 'console_password_reset', 'console_admin_role_changed', 'console_admin_removed']) {
        assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
      }
    });
  });
}
