import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPostgresDatabase, engines } from '../helpers/engines.js';
import { ADMIN, apiHeaders, createTestPlatform, TEST_MASTER_KEY, type ConsoleLogin, type ProjectView, type TestPlatform } from '../helpers/platform.js';
import { decodeJwt } from '../helpers/project.js';

const signUp = (t: TestPlatform, prefix: string, anonKey: string) =>
  t.front.inject({ method: 'POST', url: `${prefix}/auth/v1/signup`, headers: apiHeaders(anonKey), payload: {} });

for (const engine of engines) {
  describe(`projects (${engine})`, () => {
    let t: TestPlatform;
    let session: ConsoleLogin;
    let second: ProjectView;
    let defaultKeys: { anon: string; service: string };
    before(async () => {
      t = await createTestPlatform(engine, { FOYER_BASE_DOMAIN: 'auth.example.test' });
      session = await t.setUp();
      defaultKeys = { anon: t.project.apiKeys.anonKey, service: t.project.apiKeys.serviceRoleKey };
    });
    after(() => t.close());

    it('lists the default project with its keys and URLs', async () => {
      const response = await t.call(session, 'GET', '/platform/v1/projects');
      assert.equal(response.statusCode, 200);
      const [project] = response.json().projects as ProjectView[];
      assert.equal(project.ref, 'default');
      assert.equal(project.is_default, true);
      assert.equal(project.database.kind, engine === 'pglite' ? 'embedded' : 'postgres');
      assert.equal(project.api_url, 'http://localhost:80');
      assert.equal(project.auth_url, 'http://localhost:80/auth/v1');
      assert.equal(project.rest_url, 'http://localhost:80/rest/v1');
      assert.equal(project.anon_key, defaultKeys.anon);
      assert.equal(project.service_role_key, defaultKeys.service);
    });

    it('creates a project with its own database, keys and URLs under /p/<ref>', async () => {
      second = await t.createProject(session, 'Second app');
      assert.match(second.ref, /^[a-z0-9]{20}$/);
      assert.equal(second.name, 'Second app');
      assert.equal(second.is_default, false);
      assert.equal(second.database.kind, engine === 'pglite' ? 'embedded' : 'postgres');
      assert.equal(second.api_url, `http://localhost:80/p/${second.ref}`);
      assert.equal(second.auth_url, `${second.api_url}/auth/v1`);
      assert.equal(second.rest_url, `${second.api_url}/rest/v1`);
      assert.notEqual(second.anon_key, defaultKeys.anon);
      assert.equal(decodeJwt(second.anon_key).role, 'anon');
      assert.equal(decodeJwt(second.service_role_key).role, 'service_role');
      assert.deepEqual((await t.call(session, 'GET', `/platform/v1/projects/${second.ref}`)).json(), second);
      const listed = (await t.call(session, 'GET', '/platform/v1/projects')).json().projects as ProjectView[];
      assert.deepEqual(listed.map((p) => p.ref), ['default', second.ref]);
      const audit = await t.database.db.query<{ payload: { traits: Record<string, unknown> } }>(
        `select payload from auth.audit_log_entries where payload ->> 'action' = 'project_created'`,
      );
      assert.equal(audit[0].payload.traits.project_ref, second.ref);
    });

    it('keeps the project’s secrets sealed with the master key', async () => {
      const [row] = await t.database.db.query<{ jwt_secret_sealed: string; database_url_sealed: string | null }>(
        `select jwt_secret_sealed, database_url_sealed from auth.foyer_projects where ref = $1`,
        [second.ref],
      );
      assert.match(row.jwt_secret_sealed, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      if (engine === 'postgres') assert.match(row.database_url_sealed ?? '', /^v1\./);
      else assert.equal(row.database_url_sealed, null);
      assert.ok(!JSON.stringify(row).includes(TEST_MASTER_KEY));
    });

    it('signs in anonymously to the new project through /p/<ref>/auth/v1 with its anon key', async () => {
      // On from the start, on PostgreSQL too (where GoTrue's default is off, so the project's first
      // settings version turns it on, made by the admin who created it).
      const versions = (await t.call(session, 'GET', `/platform/v1/projects/${second.ref}/settings/versions`)).json().versions as { version: number; changed_by: string }[];
      assert.deepEqual(versions.map((v) => [v.version, v.changed_by]), engine === 'postgres' ? [[1, ADMIN.email]] : []);
      const response = await signUp(t, `/p/${second.ref}`, second.anon_key);
      assert.equal(response.statusCode, 200, response.body);
      const session2 = response.json();
      assert.equal(session2.user.is_anonymous, true);
      // The user is in the project's database, not the default one.
      const inDefault = await t.database.db.query(`select 1 from auth.users where id = $1`, [session2.user.id]);
      assert.equal(inDefault.length, 0);
      const user = await t.front.inject({ url: `/p/${second.ref}/auth/v1/user`, headers: apiHeaders(second.anon_key, session2.access_token) });
      assert.equal(user.statusCode, 200);
      assert.equal(user.json().id, session2.user.id);
      // Also by host name: <ref>.<FOYER_BASE_DOMAIN>.
      const byHost = await t.front.inject({
        url: '/auth/v1/user',
        headers: { ...apiHeaders(second.anon_key, session2.access_token), host: `${second.ref}.auth.example.test:8443` },
      });
      assert.equal(byHost.statusCode, 200);
      assert.equal(byHost.json().id, session2.user.id);
    });

    it('never accepts a token of one project in another (403 bad_jwt both ways)', async () => {
      const inSecond = (await signUp(t, `/p/${second.ref}`, second.anon_key)).json();
      const inDefault = (await signUp(t, '', defaultKeys.anon)).json();
      const atDefault = await t.front.inject({ url: '/auth/v1/user', headers: apiHeaders(defaultKeys.anon, inSecond.access_token) });
      assert.equal(atDefault.statusCode, 403);
      assert.equal(atDefault.json().code, 'bad_jwt');
      const atSecond = await t.front.inject({ url: `/p/${second.ref}/auth/v1/user`, headers: apiHeaders(second.anon_key, inDefault.access_token) });
      assert.equal(atSecond.statusCode, 403);
      assert.equal(atSecond.json().code, 'bad_jwt');
      // Nor the service_role key of the default project at the other's admin API.
      const admin = await t.front.inject({ url: `/p/${second.ref}/auth/v1/admin/users`, headers: apiHeaders(defaultKeys.service) });
      assert.equal(admin.statusCode, 403);
      assert.equal(admin.json().code, 'bad_jwt');
      // The other project's refresh token is unknown here.
      const refresh = await t.front.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=refresh_token',
        headers: apiHeaders(defaultKeys.anon),
        payload: { refresh_token: inSecond.refresh_token },
      });
      assert.equal(refresh.statusCode, 400);
    });

    it('forwards /platform/v1/projects/:ref/admin/* to the project’s admin API with its service_role key', async () => {
      const users = await t.call(session, 'GET', `/platform/v1/projects/${second.ref}/admin/users?per_page=50`);
      assert.equal(users.statusCode, 200, users.body);
      assert.equal((users.json().users as unknown[]).length, 2);
      const created = await t.call(session, 'POST', `/platform/v1/projects/${second.ref}/admin/users`, {
        email: 'made-in-console@example.com',
        password: 'a strong password',
        email_confirm: true,
      });
      assert.equal(created.statusCode, 200, created.body);
      const noCsrf = await t.front.inject({
        method: 'DELETE',
        url: `/platform/v1/projects/${second.ref}/admin/users/${created.json().id}`,
        headers: { cookie: session.cookie },
      });
      assert.equal(noCsrf.statusCode, 403);
      const missing = await t.call(session, 'GET', `/platform/v1/projects/${second.ref}/admin/users/00000000-0000-0000-0000-000000000001`);
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, 'user_not_found');
      const defaults = await t.call(session, 'GET', '/platform/v1/projects/default/admin/users');
      assert.equal(defaults.statusCode, 200);
      assert.ok(!(defaults.json().users as { email: string }[]).some((user) => user.email === 'made-in-console@example.com'));
      const audit = await t.database.db.query(`select 1 from auth.audit_log_entries where payload ->> 'action' = 'admin_api_request'`);
      assert.equal(audit.length, 1, 'the mutation is audited, reads are not');
    });

    it('forwards /platform/v1/projects/:ref/invite to the project’s POST /invite: the invitation goes to its outbox', async () => {
      const invited = await t.call(session, 'POST', `/platform/v1/projects/${second.ref}/invite`, { email: 'invited-in-console@example.com' });
      assert.equal(invited.statusCode, 200, invited.body);
      assert.ok(invited.json().invited_at);
      const outbox = await t.call(session, 'GET', `/platform/v1/projects/${second.ref}/admin/mail/outbox?email=invited-in-console@example.com`);
      const messages = outbox.json().messages as { subject: string }[];
      assert.deepEqual(messages.map((message) => message.subject), ['You have been invited']);
      const again = await t.call(session, 'POST', `/platform/v1/projects/${second.ref}/invite`, { email: 'not an address' });
      assert.equal(again.statusCode, 400);
      assert.equal(again.json().code, 'validation_failed');
      const noCsrf = await t.front.inject({
        method: 'POST',
        url: `/platform/v1/projects/${second.ref}/invite`,
        headers: { cookie: session.cookie },
        payload: { email: 'sneaky@example.com' },
      });
      assert.equal(noCsrf.statusCode, 403);
      const [audit] = await t.database.db.query<{ traits: Record<string, unknown> }>(
        `select payload -> 'traits' as traits from auth.audit_log_entries
          where payload ->> 'action' = 'admin_api_request' and payload -> 'traits' ->> 'path' = '/invite' order by created_at limit 1`,
      );
      assert.deepEqual(audit.traits, { project_ref: second.ref, method: 'POST', path: '/invite', status: 200 });
    });

    it('creates a project with anonymous sign-ins off when asked, recorded as its first settings version', async () => {
      const databaseUrl = engine === 'postgres' ? (await createPostgresDatabase()) : undefined;
      try {
        const created = await t.call(session, 'POST', '/platform/v1/projects', {
          name: 'Members only',
          anonymous_sign_ins: false,
          ...(databaseUrl ? { database_url: databaseUrl.url } : {}),
        });
        assert.equal(created.statusCode, 200, created.body);
        const project = created.json() as ProjectView;
        const refused = await signUp(t, `/p/${project.ref}`, project.anon_key);
        assert.equal(refused.statusCode, 422, refused.body);
        assert.equal(refused.json().code, 'anonymous_provider_disabled');
        // The message names the console's switch: this project has no environment variables of its own.
        assert.match(refused.json().message, /"Anonymous users enabled" \(Settings › Sign-ups and anonymous users\) in the console/);
        const versions = (await t.call(session, 'GET', `/platform/v1/projects/${project.ref}/settings/versions`)).json();
        // Off is already the default on PostgreSQL; on an embedded database the choice is a settings version.
        const first = (versions.versions as { version: number; changed_by: string; diff: unknown }[]).find((v) => v.version === 1);
        if (engine === 'pglite') {
          assert.equal(first?.changed_by, ADMIN.email);
          assert.deepEqual(first?.diff, { GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: { from: null, to: 'false' } });
        } else assert.equal(first, undefined);
        const deleted = await t.call(session, 'DELETE', `/platform/v1/projects/${project.ref}`, { confirm: project.ref });
        assert.equal(deleted.statusCode, 200, deleted.body);
      } finally {
        await databaseUrl?.drop();
      }
      // Anything but a boolean is refused before a database is made.
      const before = (await t.call(session, 'GET', '/platform/v1/projects')).json().projects.length;
      for (const value of ['false', 0, {}]) {
        const bad = await t.call(session, 'POST', '/platform/v1/projects', { name: 'Typo', anonymous_sign_ins: value });
        assert.equal(bad.statusCode, 422, bad.body);
        assert.match(bad.json().message, /anonymous_sign_ins must be true or false/);
      }
      assert.equal((await t.call(session, 'GET', '/platform/v1/projects')).json().projects.length, before);
    });

    it('renames a project (additive PATCH) and refuses bad input', async () => {
      const renamed = await t.call(session, 'PATCH', `/platform/v1/projects/${second.ref}`, { name: 'Renamed app' });
      assert.equal(renamed.json().name, 'Renamed app');
      const noName = await t.call(session, 'POST', '/platform/v1/projects', { name: '  ' });
      assert.equal(noName.statusCode, 422);
      assert.equal(noName.json().code, 'validation_failed');
      const badUrl = await t.call(session, 'POST', '/platform/v1/projects', { name: 'x', database_url: 'mysql://nope' });
      assert.equal(badUrl.statusCode, 422);
      assert.match(badUrl.json().message, /database_url must be a postgres/);
    });

    it('answers 404 project_not_found for an unknown ref, on every path', async () => {
      assert.equal((await t.front.inject({ url: '/p/nosuchproject/auth/v1/health' })).json().code, 'project_not_found');
      assert.equal((await t.call(session, 'GET', '/platform/v1/projects/nosuchproject')).statusCode, 404);
      assert.equal((await t.call(session, 'GET', '/platform/v1/projects/nosuchproject/settings')).json().code, 'project_not_found');
      assert.equal((await t.front.inject({ url: '/auth/v1/health', headers: { host: 'nosuch.auth.example.test' } })).statusCode, 404);
      // /p/default is the default project.
      assert.equal((await t.front.inject({ url: '/p/default/auth/v1/health' })).statusCode, 200);
    });

    if (engine === 'postgres') {
      it('refuses a database that is already a project’s (the control database included)', async () => {
        const response = await t.call(session, 'POST', '/platform/v1/projects', { name: 'Clash', database_url: t.database.url });
        assert.equal(response.statusCode, 409);
        assert.equal(response.json().code, 'database_in_use');
        assert.equal((await t.call(session, 'GET', '/platform/v1/projects')).json().projects.length, 2);
      });

      it('requires database_url when Foyer runs on PostgreSQL', async () => {
        const response = await t.call(session, 'POST', '/platform/v1/projects', { name: 'No database' });
        assert.equal(response.statusCode, 422);
        assert.match(response.json().message, /database_url is required/);
      });
    }
  });
}

describe('projects without FOYER_MASTER_KEY on PostgreSQL', { skip: engines.includes('postgres') ? false : 'TEST_DATABASE_URL is not set' }, () => {
  let t: TestPlatform;
  let session: ConsoleLogin;
  before(async () => {
    t = await createTestPlatform('postgres', { FOYER_MASTER_KEY: '' });
    session = await t.setUp();
  });
  after(() => t.close());

  it('serves the default project but refuses to create projects or store secrets, naming FOYER_MASTER_KEY', async () => {
    assert.equal(t.platform.masterKey.source, 'none');
    const created = await t.call(session, 'POST', '/platform/v1/projects', { name: 'x', database_url: 'postgres://nobody@127.0.0.1:1/none' });
    assert.equal(created.statusCode, 503);
    assert.equal(created.json().code, 'master_key_required');
    assert.match(created.json().message, /FOYER_MASTER_KEY/);
    const secret = await t.call(session, 'PATCH', '/platform/v1/projects/default/settings', { changes: { GOTRUE_SMTP_PASS: 'p' } });
    assert.equal(secret.statusCode, 503);
    assert.equal(secret.json().code, 'master_key_required');
    const plain = await t.call(session, 'PATCH', '/platform/v1/projects/default/settings', { changes: { GOTRUE_JWT_EXP: '900' } });
    assert.equal(plain.statusCode, 200);
    assert.equal(t.platform.registry.default.deps.config.jwtExpSeconds, 900);
  });
});
