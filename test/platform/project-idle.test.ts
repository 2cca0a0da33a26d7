import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { recordingJobLog, until } from '../helpers/jobs.js';
import { apiHeaders, createTestPlatform, type ConsoleLogin, type ProjectView, type TestPlatform } from '../helpers/platform.js';

// One second, so the test sees a project close; the spike check every second, so jobs run while it idles.
const IDLE = { FOYER_EMBEDDED_PROJECT_IDLE_SECONDS: '1', FOYER_ANONYMOUS_SPIKE_CHECK_INTERVAL: '1s' };

for (const engine of engines) {
  describe(`a project idle for FOYER_EMBEDDED_PROJECT_IDLE_SECONDS (${engine})`, () => {
    let t: TestPlatform;
    let session: ConsoleLogin;
    let project: ProjectView;
    let user: { id: string; access_token: string };
    const recorder = recordingJobLog();
    const isOpen = () => t.platform.registry.isOpen(project.ref);
    const getUser = () =>
      t.front.inject({ method: 'GET', url: `/p/${project.ref}/auth/v1/user`, headers: apiHeaders(project.anon_key, user.access_token) });

    before(async () => {
      t = await createTestPlatform(engine, IDLE);
      session = await t.setUp();
      t.platform.scheduleJobs(recorder.log, { firstRunDelayMs: 10 });
      project = await t.createProject(session, 'Quiet app');
      const signUp = await t.front.inject({ method: 'POST', url: `/p/${project.ref}/auth/v1/signup`, headers: apiHeaders(project.anon_key), payload: {} });
      assert.equal(signUp.statusCode, 200, signUp.body);
      const body = signUp.json();
      user = { id: body.user.id, access_token: body.access_token };
    });
    after(async () => {
      await t.platform.stopJobs();
      await t.close();
    });

    if (engine === 'pglite') {
      it('closes an idle embedded project although its jobs run, and its next request reopens it with its data', async () => {
        await until(async () => !isOpen(), 15_000);
        const response = await getUser();
        assert.equal(response.statusCode, 200, response.body);
        assert.equal(response.json().id, user.id);
        assert.ok(isOpen());
      });

      it('answers every request that arrives while it closes, once it has reopened', async () => {
        // Requests sent the moment it starts closing wait for the close, then for the reopening.
        await until(async () => !isOpen(), 15_000);
        const responses = await Promise.all(Array.from({ length: 8 }, () => getUser()));
        for (const response of responses) assert.equal(response.statusCode, 200, response.body);
        assert.ok(responses.every((response) => response.json().id === user.id));
        // And again, racing a close that is under way.
        await until(async () => !isOpen(), 15_000);
        const racing = await Promise.all([getUser(), new Promise((resolve) => setTimeout(resolve, 5)).then(getUser)]);
        for (const response of racing) assert.equal(response.statusCode, 200, response.body);
      });

      it('keeps a project in use open, and reads settings saved while it was closed', async () => {
        await until(async () => !isOpen(), 15_000);
        const saved = await t.call(session, 'PATCH', `/platform/v1/projects/${project.ref}/settings`, { changes: { GOTRUE_SITE_URL: 'https://quiet.example' } });
        assert.equal(saved.statusCode, 200, saved.body);
        // Requests every 300 ms for 2.5 s: never idle for a second, so never closed.
        for (let i = 0; i < 8; i += 1) {
          assert.equal((await getUser()).statusCode, 200);
          assert.ok(isOpen());
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
        const served = await t.platform.registry.serve(project.ref);
        assert.equal(served.deps.config.siteUrl, 'https://quiet.example');
        assert.ok(!recorder.lines.some((line) => line.level === 'error'), JSON.stringify(recorder.lines));
      });

      it('leaves it closed when the registry opens its projects in the background, as at start', async () => {
        await until(async () => !isOpen(), 15_000);
        t.platform.registry.warm();
        assert.equal(isOpen(), false);
      });
    } else {
      it('keeps a PostgreSQL project open however long it idles (only embedded databases are closed)', async () => {
        await new Promise((resolve) => setTimeout(resolve, 2_500));
        assert.ok(isOpen());
        const response = await getUser();
        assert.equal(response.statusCode, 200, response.body);
        assert.equal(response.json().id, user.id);
      });
    }
  });
}
