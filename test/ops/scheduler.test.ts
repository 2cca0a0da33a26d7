import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runHousekeeping } from '../../src/jobs/housekeeping.js';
import { startScheduler } from '../../src/jobs/scheduler.js';
import { listCleanupRuns } from '../../src/store/cleanup-runs.js';
import { engines } from '../helpers/engines.js';
import { recordingJobLog, until } from '../helpers/jobs.js';
import { existing, seedAnonymous, seedMany } from '../helpers/ops.js';
import { createTestProject, type TestProject } from '../helpers/project.js';

for (const engine of engines) {
  describe(`background jobs (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, {
        FOYER_ANONYMOUS_CLEANUP_ENABLED: 'true',
        GOTRUE_DB_CLEANUP_ENABLED: 'true',
        FOYER_ANONYMOUS_SPIKE_MIN_SIGNUPS: '5',
      });
    });
    after(() => t.close());

    it('GoTrue housekeeping drops expired tokens, sessions and flow states, never users', async () => {
      const { db } = t.database;
      const user = await seedAnonymous(db);
      const [session] = await db.query<{ id: string }>('select id::text as id from auth.sessions where user_id = $1', [user]);
      await db.query(
        `insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, session_id)
         values ('00000000-0000-0000-0000-000000000000', 'oldrevoked01', $1, true, now() - interval '3 days', now() - interval '2 days', $2),
                ('00000000-0000-0000-0000-000000000000', 'newrevoked01', $1, true, now(), now(), $2)`,
        [user, session.id],
      );
      const expired = await seedAnonymous(db);
      await db.query(`update auth.sessions set not_after = now() - interval '4 days' where user_id = $1`, [expired]);
      await db.query(
        `insert into auth.flow_state (id, auth_code, code_challenge_method, code_challenge, provider_type, authentication_method, created_at, updated_at)
         values (gen_random_uuid(), 'old', 's256', 'c', 'github', 'oauth', now() - interval '2 days', now() - interval '2 days'),
                (gen_random_uuid(), 'new', 's256', 'c', 'github', 'oauth', now(), now())`,
      );
      const affected = await runHousekeeping(db, t.project.deps.config);
      assert.equal(affected['revoked refresh tokens'], 1);
      assert.equal(affected['expired sessions'], 1);
      assert.equal(affected['old OAuth flow states'], 1);
      const tokens = await db.query<{ token: string }>(`select token from auth.refresh_tokens where token in ('oldrevoked01', 'newrevoked01')`);
      assert.deepEqual(tokens.map((row) => row.token), ['newrevoked01']);
      assert.equal((await existing(db, [user, expired])).size, 2, 'users stay');
      const flows = await db.query<{ auth_code: string }>('select auth_code from auth.flow_state');
      assert.deepEqual(flows.map((row) => row.auth_code), ['new']);
    });

    it('the scheduler runs the cleanup (trigger schedule), checks for spikes and stops cleanly', async () => {
      const { db } = t.database;
      const stale = await seedMany(db, 3, { daysAgo: 40 });
      // A burst: 6 sign-ups in the last hour after a silent day (minimum 5).
      await seedMany(db, 4);
      const { lines, logger } = recordingJobLog();
      const scheduler = startScheduler({ db, config: t.project.deps.config }, logger, { firstRunDelayMs: 10, spikeCheckIntervalMs: 20 });
      try {
        await until(async () => (await listCleanupRuns(db, 1))[0]?.status === 'completed');
        await until(async () => lines.some((line) => line.level === 'warn'));
      } finally {
        await scheduler.stop();
      }
      const [run] = await listCleanupRuns(db, 1);
      assert.equal(run.trigger, 'schedule');
      assert.equal(run.deleted, 3);
      assert.equal((await existing(db, stale)).size, 0);
      assert.ok(lines.some((line) => line.level === 'info' && /anonymous cleanup completed: 3 stale/.test(line.message)), JSON.stringify(lines));
      const warnings = lines.filter((line) => line.level === 'warn');
      assert.equal(warnings.length, 1, 'a spike that keeps firing is logged once an hour');
      assert.match(warnings[0].message, /^anonymous sign-up spike: \d+ in the last hour/);
      assert.ok(!lines.some((line) => line.level === 'error'), JSON.stringify(lines));
    });

    it('a worker that leaves maintenance to another (FOYER_WORKERS) only checks for spikes', async () => {
      const { db } = t.database;
      const stale = await seedMany(db, 2, { daysAgo: 40 });
      const runsBefore = (await listCleanupRuns(db, 100)).length;
      const { lines, logger } = recordingJobLog();
      const scheduler = startScheduler({ db, config: t.project.deps.config }, logger, { maintenance: false, firstRunDelayMs: 10, spikeCheckIntervalMs: 20 });
      try {
        // The burst of the test before still fires: the spike check ran.
        await until(async () => lines.some((line) => line.level === 'warn'));
        await new Promise((resolve) => setTimeout(resolve, 200));
      } finally {
        await scheduler.stop();
      }
      assert.equal((await listCleanupRuns(db, 100)).length, runsBefore, 'no cleanup round');
      assert.equal((await existing(db, stale)).size, 2);
    });
  });
}
