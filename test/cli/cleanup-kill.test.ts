import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { count, createCliProject, openProjectDb, runCli, startCli, withDb, type CliProject } from '../helpers/cli.js';
import { engines } from '../helpers/engines.js';
import { seedMany } from '../helpers/ops.js';

/**
 * `foyer cleanup` killed with SIGKILL at a fixed point on both engines: two batches committed and the
 * third stalled by a trigger (pg_sleep in PGlite too), so what survives the kill is exact, not a range.
 */

/** Sleeps (an hour) when the cleanup deletes the user it names: the batch holding that user never commits. */
const stallingTrigger = (userId: string) => `
  create function public.stall_cleanup() returns trigger language plpgsql as $$
  begin
    perform pg_sleep(3600);
    return old;
  end $$;
  create trigger stall_cleanup before delete on auth.users
    for each row when (old.id = '${userId}'::uuid) execute function public.stall_cleanup();
`;

for (const engine of engines) {
  describe(`foyer cleanup killed half-way resumes without loss (${engine})`, () => {
    let project: CliProject;
    let ids: string[] = [];
    const total = 20;
    const batch = 5;
    before(async () => {
      project = await createCliProject(engine);
      ids = await withDb(project, async (db) => {
        const seeded = await seedMany(db, total, { daysAgo: 40 });
        // Users go in creation order: the 11th is in the third batch, after two batches have committed.
        await db.execScript(stallingTrigger(seeded[10]));
        return seeded;
      });
    });
    after(() => project.close());

    it('keeps every committed batch, marks the run interrupted and finishes the rest', async () => {
      const child = startCli(project, ['cleanup'], { FOYER_ANONYMOUS_CLEANUP_BATCH_SIZE: String(batch) });
      let stderr = '';
      await new Promise<void>((resolve, reject) => {
        child.stderr!.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          if (/, 2 batches/.test(stderr)) resolve();
        });
        child.on('exit', () => reject(new Error(`foyer cleanup exited before it was killed: ${stderr}`)));
      });
      // Killed with the third batch stalled in the trigger (or not begun): the same point on both engines.
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('close', resolve));
      if (engine === 'postgres') {
        const db = await openProjectDb(project);
        // PostgreSQL does not notice a killed client while its backend sleeps: end that backend, which
        // rolls back the stalled batch and lets go of the cleanup's advisory lock.
        await db.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
        for (let i = 0; i < 100 && (await count(db, `select count(*)::int as n from pg_locks where locktype = 'advisory'`)) > 0; i += 1) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await db.close();
      }
      await withDb(project, (db) => db.execScript('drop trigger stall_cleanup on auth.users; drop function public.stall_cleanup();'));

      const afterKill = await withDb(project, async (inspect) => ({
        remaining: await count(inspect, 'select count(*)::int as n from auth.users'),
        run: (await inspect.query<{ status: string; deleted: number; batches: number }>('select status, deleted, batches from auth.foyer_cleanup_runs'))[0],
        audited: await count(inspect, `select count(*)::int as n from auth.audit_log_entries where payload ->> 'action' = 'user_deleted'`),
      }));
      // Nothing half-done: the run's counters, the audit log and the users agree batch by batch.
      assert.equal(afterKill.run.status, 'running');
      assert.equal(afterKill.run.batches, 2);
      assert.equal(afterKill.run.deleted, 2 * batch);
      assert.equal(afterKill.remaining, total - afterKill.run.deleted);
      assert.equal(afterKill.audited, afterKill.run.deleted);

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
