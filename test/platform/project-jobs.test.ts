import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listCleanupRuns } from '../../src/store/cleanup-runs.js';
import type { Db } from '../../src/store/db.js';
import { engines } from '../helpers/engines.js';
import { recordingJobLog, until } from '../helpers/jobs.js';
import { existing, seedMany } from '../helpers/ops.js';
import { createTestPlatform, type ConsoleLogin, type TestPlatform } from '../helpers/platform.js';

const CLEANUP_ON = { FOYER_ANONYMOUS_CLEANUP_ENABLED: 'true' };

for (const engine of engines) {
  describe(`background jobs of every project (${engine})`, () => {
    let t: TestPlatform;
    let session: ConsoleLogin;
    const recorder = recordingJobLog();
    const patch = (ref: string, changes: Record<string, string | null>) =>
      t.call(session, 'PATCH', `/platform/v1/projects/${ref}/settings`, { changes });
    const dbOf = async (ref: string): Promise<Db> => (await t.platform.registry.serve(ref)).db;
    const completedRuns = async (db: Db) => (await listCleanupRuns(db, 10)).filter((run) => run.status === 'completed');

    before(async () => {
      t = await createTestPlatform(engine);
      session = await t.setUp();
    });
    after(async () => {
      await t.platform.stopJobs();
      await t.close();
    });

    it('runs each project on its own settings and database: those open at start and one created later', async () => {
      const shop = await t.createProject(session, 'Shop');
      assert.equal((await patch(shop.ref, CLEANUP_ON)).statusCode, 200);
      const shopStale = await seedMany(await dbOf(shop.ref), 3, { daysAgo: 40 });
      // The default project leaves its cleanup off: its stale users stay.
      const defaultStale = await seedMany(t.project.deps.db, 2, { daysAgo: 40 });

      t.platform.scheduleJobs(recorder.log, { firstRunDelayMs: 10, spikeCheckIntervalMs: 60_000 });
      // The log line comes after the run is recorded as completed.
      const logged = (ref: string, pattern: RegExp) => async () => recorder.lines.some((line) => line.project === ref && pattern.test(line.message));
      await until(logged(shop.ref, /anonymous cleanup completed: 3 stale/));
      const [run] = await completedRuns(await dbOf(shop.ref));
      assert.equal(run.trigger, 'schedule');
      assert.equal(run.deleted, 3);
      assert.equal((await existing(await dbOf(shop.ref), shopStale)).size, 0);

      // A project created after the jobs were scheduled gets its own.
      const blog = await t.createProject(session, 'Blog');
      const blogStale = await seedMany(await dbOf(blog.ref), 2, { daysAgo: 40 });
      assert.equal((await patch(blog.ref, CLEANUP_ON)).statusCode, 200);
      await until(logged(blog.ref, /anonymous cleanup completed: 2 stale/));
      assert.equal((await existing(await dbOf(blog.ref), blogStale)).size, 0);

      assert.equal((await existing(t.project.deps.db, defaultStale)).size, 2, 'the default project was not cleaned');
      assert.equal((await listCleanupRuns(t.project.deps.db, 10)).length, 0);
      assert.ok(!recorder.lines.some((line) => line.level === 'error'), JSON.stringify(recorder.lines));
    });

    it('switching the cleanup on in the console brings a round within the first-run delay, not after the interval', async () => {
      const stale = await seedMany(t.project.deps.db, 1, { daysAgo: 40 });
      assert.equal((await patch('default', CLEANUP_ON)).statusCode, 200);
      await until(async () => recorder.lines.some((line) => line.project === 'default' && /anonymous cleanup completed/.test(line.message)));
      assert.equal((await completedRuns(t.project.deps.db)).length, 1);
      assert.equal((await existing(t.project.deps.db, stale)).size, 0);
    });

    it('stops every project\'s jobs: a switch in the console starts no round afterwards', async () => {
      await t.platform.stopJobs();
      const shopRef = t.platform.registry.list().find((record) => record.name === 'Shop')!.ref;
      const shopDb = await dbOf(shopRef);
      const runsBefore = (await listCleanupRuns(shopDb, 100)).length;
      const stale = await seedMany(shopDb, 1, { daysAgo: 40 });
      // While scheduled, switching the cleanup on brought a round within firstRunDelayMs (10 ms).
      assert.equal((await patch(shopRef, { FOYER_ANONYMOUS_CLEANUP_ENABLED: 'false' })).statusCode, 200);
      assert.equal((await patch(shopRef, CLEANUP_ON)).statusCode, 200);
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal((await listCleanupRuns(shopDb, 100)).length, runsBefore);
      assert.equal((await existing(shopDb, stale)).size, 1);
    });
  });
}
