import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPostgresDatabase, engines } from '../helpers/engines.js';
import { apiHeaders, createTestPlatform, type ConsoleLogin, type ProjectView, type TestPlatform } from '../helpers/platform.js';

for (const engine of engines) {
  describe(`project deletion (${engine})`, () => {
    let t: TestPlatform;
    let session: ConsoleLogin;
    const drops: (() => Promise<void>)[] = [];
    const remove = (ref: string, body: unknown) => t.call(session, 'DELETE', `/platform/v1/projects/${ref}`, body);
    const signUp = (ref: string, anonKey: string) =>
      t.front.inject({ method: 'POST', url: `/p/${ref}/auth/v1/signup`, headers: apiHeaders(anonKey), payload: {} });
    /** A project on a database this test keeps the URL of (PostgreSQL), or an embedded one. */
    const create = async (name: string): Promise<{ project: ProjectView; databaseUrl: string | undefined }> => {
      let databaseUrl: string | undefined;
      if (engine === 'postgres') {
        const created = await createPostgresDatabase();
        drops.push(created.drop);
        databaseUrl = created.url;
      }
      const response = await t.call(session, 'POST', '/platform/v1/projects', { name, ...(databaseUrl ? { database_url: databaseUrl } : {}) });
      assert.equal(response.statusCode, 200, response.body);
      const project = response.json() as ProjectView;
      const on = await t.call(session, 'PATCH', `/platform/v1/projects/${project.ref}/settings`, {
        changes: { GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'true' },
      });
      assert.equal(on.statusCode, 200, on.body);
      return { project, databaseUrl };
    };

    before(async () => {
      t = await createTestPlatform(engine);
      session = await t.setUp();
    });
    after(async () => {
      await t.close();
      for (const drop of drops) await drop().catch(() => {});
    });

    it('refuses the default project, an unknown ref, a missing or wrong confirmation, and a call without the CSRF header', async () => {
      const defaultProject = await remove('default', { confirm: 'default' });
      assert.equal(defaultProject.statusCode, 409);
      assert.equal(defaultProject.json().code, 'default_project');
      assert.equal((await remove('nosuchprojectref0000', { confirm: 'nosuchprojectref0000' })).statusCode, 404);
      const { project } = await create('Kept');
      for (const body of [undefined, {}, { confirm: project.name }, { confirm: 42 }, [project.ref]]) {
        const response = await remove(project.ref, body);
        assert.equal(response.statusCode, 422, JSON.stringify(body));
        assert.equal(response.json().code, 'validation_failed');
        assert.match(response.json().message, /confirm must be the project's ref/);
      }
      const noCsrf = await t.front.inject({
        method: 'DELETE',
        url: `/platform/v1/projects/${project.ref}`,
        headers: { cookie: session.cookie },
        payload: { confirm: project.ref },
      });
      assert.equal(noCsrf.statusCode, 403);
      assert.equal((await signUp(project.ref, project.anon_key)).statusCode, 200, 'the project is still served');
    });

    it('deletes a project: no longer listed or served, its settings history and keys gone, the deletion audited', async () => {
      const { project, databaseUrl } = await create('Doomed');
      assert.equal((await signUp(project.ref, project.anon_key)).statusCode, 200);
      const response = await remove(project.ref, { confirm: project.ref });
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(response.json(), {
        deleted: project.ref,
        database: { kind: engine === 'pglite' ? 'embedded' : 'postgres', removed: engine === 'pglite' },
      });
      const listed = (await t.call(session, 'GET', '/platform/v1/projects')).json().projects as ProjectView[];
      assert.ok(!listed.some((p) => p.ref === project.ref));
      assert.equal((await t.call(session, 'GET', `/platform/v1/projects/${project.ref}`)).statusCode, 404);
      const gone = await signUp(project.ref, project.anon_key);
      assert.equal(gone.statusCode, 404);
      assert.equal(gone.json().code, 'project_not_found');
      assert.equal((await remove(project.ref, { confirm: project.ref })).statusCode, 404, 'a second deletion finds nothing');
      const versions = await t.database.db.query(`select 1 from auth.foyer_settings_versions where project_ref = $1`, [project.ref]);
      assert.equal(versions.length, 0);
      const [audit] = await t.database.db.query<{ payload: { actor_username: string; traits: Record<string, unknown> } }>(
        `select payload from auth.audit_log_entries where payload ->> 'action' = 'project_deleted' and payload -> 'traits' ->> 'project_ref' = $1`,
        [project.ref],
      );
      assert.equal(audit.payload.traits.name, 'Doomed');
      assert.equal(audit.payload.traits.database_removed, engine === 'pglite');

      if (engine === 'pglite') {
        assert.equal(existsSync(join(t.dataDir, 'projects', project.ref)), false, 'the embedded database is removed');
      } else {
        // The operator's PostgreSQL database keeps its data and is released: it can be a project again.
        const again = await t.call(session, 'POST', '/platform/v1/projects', { name: 'Reborn', database_url: databaseUrl });
        assert.equal(again.statusCode, 200, again.body);
        const reborn = again.json() as ProjectView;
        const users = (await t.platform.registry.serve(reborn.ref)).db;
        const [{ count }] = await users.query<{ count: number }>(`select count(*)::int as count from auth.users where is_anonymous`);
        assert.equal(count, 1, 'the user signed up before the deletion is still there');
      }
    });

    it('answers sign-ups racing the deletion with 200 or 404, never an error, and waits for them', async () => {
      const { project } = await create('Raced');
      const signUps = Array.from({ length: 20 }, () => signUp(project.ref, project.anon_key));
      const [deleted, ...answers] = await Promise.all([remove(project.ref, { confirm: project.ref }), ...signUps]);
      assert.equal(deleted.statusCode, 200, deleted.body);
      const statuses = answers.map((answer) => answer.statusCode);
      assert.ok(statuses.every((status) => status === 200 || status === 404), statuses.join(','));
      assert.equal((await signUp(project.ref, project.anon_key)).statusCode, 404);
    });
  });
}
