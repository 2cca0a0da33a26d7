import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { count, createCliProject, openProjectDb, runCli, startCli, withDb, type CliProject } from '../helpers/cli.js';
import { engines } from '../helpers/engines.js';
import { seedMany } from '../helpers/ops.js';

/** The project's database, migrated; close it before running `foyer` (an embedded database has one owner). */

for (const engine of engines) {
  describe(`foyer cleanup killed half-way resumes without loss (${engine})`, () => {
    let project: CliProject;
    let ids: string[] = [];
    const total = engine === 'postgres' ? 20 : 400;
    const batch = engine === 'postgres' ? 5 : 1;
    before(async () => {
      project = await createCliProject(engine);
      ids = await withDb(project, (db) => seedMany(db, total, { daysAgo: 40 }));
    });
    after(() => project.close());

    it('keeps every committed batch, marks the run interrupted and finishes the rest', async () => {
      const db = engine === 'postgres' ? await openProjectDb(project) : undefined;
      let releaseBlocker = () => {};
      let blocker: Promise<unknown> = Promise.resolve();
      if (db) {
        // Hold the session of the 11th user: the third batch waits for it, after two batches committed.
        let locked = () => {};
        const lockTaken = new Promise<void>((resolve) => (locked = resolve));
        blocker = db.transaction(async (tx) => {
          await tx.query('select id from auth.sessions where user_id = $1 for update', [ids[10]]);
          locked();
          await new Promise<void>((resolve) => (releaseBlocker = resolve));
        });
        await lockTaken;
      }
      const child = startCli(project, ['cleanup'], { FOYER_ANONYMOUS_CLEANUP_BATCH_SIZE: String(batch) });
      let stderr = '';
      await new Promise<void>((resolve, reject) => {
        child.stderr!.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          if (engine === 'postgres' ? /, 2 batches/.test(stderr) : /, \d+ batches/.test(stderr)) resolve();
        });
        child.on('exit', () => reject(new Error(`foyer cleanup exited before it was killed: ${stderr}`)));
      });
      if (db) await new Promise((resolve) => setTimeout(resolve, 500));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('close', resolve));
      releaseBlocker();
      await blocker;
      if (db) {
        // PostgreSQL ends the killed client's session (and its advisory lock) once it notices the disconnect.
        for (let i = 0; i < 100 && (await count(db, `select count(*)::int as n from pg_locks where locktype = 'advisory'`)) > 0; i += 1) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await db.close();
      }

      const afterKill = await withDb(project, async (inspect) => ({
        remaining: await count(inspect, 'select count(*)::int as n from auth.users'),
        run: (await inspect.query<{ status: string; deleted: number; batches: number }>('select status, deleted, batches from auth.foyer_cleanup_runs'))[0],
        audited: await count(inspect, `select count(*)::int as n from auth.audit_log_entries where payload ->> 'action' = 'user_deleted'`),
      }));
      // Nothing half-done: the run's counters, the audit log and the users agree batch by batch.
      assert.equal(afterKill.run.status, 'running');
      assert.ok(afterKill.run.deleted > 0 && afterKill.run.deleted < total, `killed after ${afterKill.run.deleted} of ${total}`);
      assert.equal(afterKill.run.deleted, afterKill.run.batches * batch);
      assert.equal(afterKill.remaining, total - afterKill.run.deleted);
      assert.equal(afterKill.audited, afterKill.run.deleted);
      if (engine === 'postgres') assert.equal(afterKill.run.deleted, 10);

      const resumed = await runCli(project, ['cleanup']);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stdout, new RegExp(`deleted ${total - afterKill.run.deleted} stale .*; 1 earlier run\\(s\\) marked interrupted`));
      await withDb(project, async (inspect) => {
        assert.equal(await count(inspect, 'select count(*)::int as n from auth.users'), 0);
        const audit = await inspect.query<{ id: string; n: number }>(
          `select payload -> 'traits' ->> 'user_id' as id, count(*)::int as n from auth.audit_log_entries
            where payload ->> 'action' = 'user_deleted' group by 1`,
        );
        assert.equal(audit.length, total);
        assert.ok(audit.every((row) => row.n === 1));
        assert.deepEqual(new Set(audit.map((row) => row.id)), new Set(ids));
        const runs = await inspect.query<{ status: string; deleted: number }>('select status, deleted from auth.foyer_cleanup_runs order by id');
        assert.deepEqual(runs.map((run) => run.status), ['interrupted', 'completed']);
        assert.equal(runs[0].deleted + runs[1].deleted, total);
      });
    });
  });
}
