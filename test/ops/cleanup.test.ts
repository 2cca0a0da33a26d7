import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cleanupSettings, pauseAfterBatchMs, previewCleanup, runCleanup, type CleanupOutcome } from '../../src/jobs/cleanup.js';
import { listCleanupRuns, type CleanupRun } from '../../src/store/cleanup-runs.js';
import { openPostgres } from '../../src/store/postgres.js';
import { engines } from '../helpers/engines.js';
import { addCartRow, convert, createCartTable, existing, metric, parseMetrics, seedAnonymous, seedMany } from '../helpers/ops.js';
import { createTestProject, versionHeaders, type TestProject } from '../helpers/project.js';

const completed = (outcome: CleanupOutcome) => {
  assert.notEqual(outcome.status, 'skipped');
  return outcome as Extract<CleanupOutcome, { run: unknown }>;
};

for (const engine of engines) {
  describe(`anonymous cleanup: acceptance (${engine})`, () => {
    let t: TestProject;
    const seeded = { stale: [] as string[], owners: [] as string[], converted: [] as string[], refreshed: [] as string[], fresh: [] as string[], permanent: '' };
    before(async () => {
      t = await createTestProject(engine, { FOYER_ANONYMOUS_CLEANUP_BATCH_SIZE: '2' });
      const { db } = t.database;
      await createCartTable(db);
      seeded.stale = await seedMany(db, 5, { daysAgo: 40 });
      seeded.owners = await seedMany(db, 2, { daysAgo: 45 });
      for (const id of seeded.owners) await addCartRow(db, id);
      seeded.converted = await seedMany(db, 2, { daysAgo: 50 });
      for (const id of seeded.converted) assert.equal(await convert(db, id), true);
      // Created long ago, but a token refresh two days ago: active (inactivity, not age).
      seeded.refreshed = await seedMany(db, 2, { daysAgo: 90, refreshedDaysAgo: 2 });
      seeded.fresh = await seedMany(db, 3, { daysAgo: 0 });
      const created = await t.app.inject({
        method: 'POST', url: '/auth/v1/admin/users', headers: { ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}` },
        payload: { email: 'old-customer@example.com', password: 'a-long-password', email_confirm: true },
      });
      seeded.permanent = created.json().id;
      await db.query(`update auth.users set created_at = now() - interval '300 days', last_sign_in_at = null where id = $1`, [seeded.permanent]);
    });
    after(() => t.close());

    const admin = () => ({ ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}` });

    it('dry run reports exactly the stale anonymous users without data, and the data owners kept', async () => {
      const response = await t.app.inject({ method: 'POST', url: '/auth/v1/admin/cleanup', headers: admin(), payload: { dry_run: true } });
      assert.equal(response.statusCode, 200);
      const plan = response.json();
      assert.equal(plan.dry_run, true);
      assert.equal(plan.stale, 7);
      assert.equal(plan.would_delete, 5);
      assert.equal(plan.kept_data_owners, 2);
      assert.deepEqual([...plan.sample_ids].sort(), [...seeded.stale].sort());
      assert.deepEqual([...plan.kept_sample_ids].sort(), [...seeded.owners].sort());
      assert.deepEqual(plan.data_tables, [
        { table: 'cart_items', column: 'user_id', on_delete: 'cascade', stale_owners: 2, owners_kept: true },
      ]);
      assert.deepEqual(plan.settings, { inactive_days: 30, keep_data_owners: true, batch_size: 2, pace_percent: 50 });
      // Nothing changed.
      assert.equal((await existing(t.database.db, seeded.stale)).size, 5);
      const preview = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/cleanup/preview?sample=2', headers: admin() });
      assert.equal(preview.json().sample_ids.length, 2);
    });

    it('the run deletes exactly those; converted users, data owners and active users remain', async () => {
      const response = await t.app.inject({ method: 'POST', url: '/auth/v1/admin/cleanup', headers: admin(), payload: { wait: true } });
      assert.equal(response.statusCode, 200, response.body);
      const { status, run } = response.json();
      assert.equal(status, 'completed');
      assert.equal(run.deleted, 5);
      assert.equal(run.kept_data_owners, 2);
      assert.equal(run.trigger, 'api');
      assert.equal(run.batches, 4);
      const { db } = t.database;
      assert.equal((await existing(db, seeded.stale)).size, 0);
      const survivors = [...seeded.owners, ...seeded.converted, ...seeded.refreshed, ...seeded.fresh, seeded.permanent];
      assert.equal((await existing(db, survivors)).size, survivors.length);
      const leftovers = await db.query<{ n: number }>(
        `select ((select count(*) from auth.sessions where user_id = any($1::uuid[]))
               + (select count(*) from auth.refresh_tokens where user_id = any($2::text[]))
               + (select count(*) from auth.identities where user_id = any($1::uuid[])))::int as n`,
        [seeded.stale, seeded.stale],
      );
      assert.equal(leftovers[0].n, 0);
      const converted = await db.query<{ is_anonymous: boolean }>(`select is_anonymous from auth.users where id = any($1::uuid[])`, [seeded.converted]);
      assert.deepEqual(converted.map((row) => row.is_anonymous), [false, false]);
      const cart = await db.query<{ n: number }>(`select count(*)::int as n from public.cart_items`);
      assert.equal(cart[0].n, 2);
    });

    it('writes one GoTrue-style user_deleted audit entry per deleted user and a run in the history', async () => {
      const audit = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/audit?action=user_deleted&per_page=50', headers: admin() });
      assert.equal(audit.statusCode, 200);
      const entries = audit.json() as { payload: { actor_id: string; action: string; log_type: string; traits: Record<string, unknown> } }[];
      assert.equal(entries.length, 5);
      assert.equal(audit.headers['x-total-count'], '5');
      assert.deepEqual(entries.map((entry) => entry.payload.traits.user_id).sort(), [...seeded.stale].sort());
      for (const { payload } of entries) {
        assert.equal(payload.action, 'user_deleted');
        assert.equal(payload.log_type, 'team');
        assert.equal(payload.actor_id, '00000000-0000-0000-0000-000000000000');
        assert.equal(payload.traits.reason, 'anonymous_cleanup');
        assert.equal(payload.traits.was_anonymous, true);
      }
      const history = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/cleanup/runs', headers: admin() });
      const runs = history.json().runs;
      assert.equal(runs.length, 1);
      assert.equal(runs[0].status, 'completed');
      const one = await t.app.inject({ method: 'GET', url: `/auth/v1/admin/cleanup/runs/${runs[0].id}`, headers: admin() });
      assert.equal(one.json().deleted, 5);
      const missing = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/cleanup/runs/999999', headers: admin() });
      assert.equal(missing.statusCode, 404);
    });

    it('counts in /metrics and the stats API match the database', async () => {
      const { db } = t.database;
      const [truth] = await db.query<{ anonymous: number; permanent: number }>(
        `select (count(*) filter (where is_anonymous))::int as anonymous, (count(*) filter (where not is_anonymous))::int as permanent from auth.users`,
      );
      assert.deepEqual(truth, { anonymous: 7, permanent: 3 });
      const scrape = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${t.serviceRoleKey}` } });
      assert.equal(scrape.statusCode, 200);
      assert.match(String(scrape.headers['content-type']), /^text\/plain/);
      const values = parseMetrics(scrape.body);
      assert.equal(metric(values, 'foyer_users', { kind: 'anonymous', project: 'default' }), truth.anonymous);
      assert.equal(metric(values, 'foyer_users', { kind: 'permanent' }), truth.permanent);
      // 5 deleted + 2 owners + 2 converted + 2 refreshed + 3 fresh
      assert.equal(metric(values, 'foyer_anonymous_signups_total'), 14);
      assert.equal(metric(values, 'foyer_conversions_total', { method: 'email' }), 2);
      assert.equal(metric(values, 'foyer_anonymous_cleanup_deleted_total'), 5);
      assert.equal(metric(values, 'foyer_anonymous_cleanup_runs_total', { status: 'completed' }), 1);
      assert.equal(metric(values, 'foyer_database_up'), 1);
      assert.ok((metric(values, 'foyer_http_request_duration_seconds_count', { route: '/auth/v1/admin/cleanup' }) ?? 0) >= 2);

      const stats = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/stats?bucket=day&buckets=120', headers: admin() });
      assert.equal(stats.statusCode, 200, stats.body);
      const report = stats.json();
      // No invitation is pending and every user signed in, so the permanent users are all of the non-anonymous ones.
      assert.deepEqual(report.totals.users, { anonymous: truth.anonymous, pending_conversion: 0, invited: 0, permanent: truth.permanent });
      assert.equal(report.totals.anonymous_signups, 14);
      assert.deepEqual(report.totals.conversions, { total: 2, by_method: { email: 2 } });
      assert.equal(report.totals.conversion_rate, Math.round((2 / 14) * 10000) / 10000);
      assert.equal(report.totals.cleanup.deleted, 5);
      assert.equal(report.series.points.length, 120);
      const sum = (key: string) => report.series.points.reduce((total: number, point: Record<string, number>) => total + point[key], 0);
      assert.equal(sum('anonymous_signups'), 14);
      assert.equal(sum('conversions'), 2);
      assert.equal(sum('cleaned_up'), 5);
      // Active: the 3 fresh and the 2 refreshed two days ago; the data owners are stale.
      assert.deepEqual(report.active_anonymous_users, { last_hour: 3, last_day: 3, last_7_days: 5, last_30_days: 5 });
      assert.equal(report.spike.firing, false);
    });

    it('refuses /metrics without an admin token (FOYER_METRICS_AUTH=service_role)', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(response.statusCode, 401);
      const anon = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${t.anonKey}` } });
      assert.equal(anon.statusCode, 403);
    });
  });

  describe(`anonymous cleanup: data owners opted in, races, interruptions (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { FOYER_ANONYMOUS_CLEANUP_KEEP_DATA_OWNERS: 'false', FOYER_ANONYMOUS_CLEANUP_BATCH_SIZE: '3' });
    });
    after(() => t.close());

    it('deletes data owners when opted in, except behind a RESTRICT foreign key', async () => {
      const { db } = t.database;
      await createCartTable(db, 'wishlist', 'cascade');
      await createCartTable(db, 'invoices', 'restrict');
      const [cascading, restricted] = [await seedAnonymous(db, { daysAgo: 40 }), await seedAnonymous(db, { daysAgo: 40 })];
      await addCartRow(db, cascading, 'wishlist');
      await addCartRow(db, restricted, 'invoices');
      const settings = cleanupSettings(t.project.deps.config);
      const plan = await previewCleanup(db, settings);
      assert.equal(plan.deletable, 1);
      assert.deepEqual(plan.sampleIds, [cascading]);
      assert.deepEqual(plan.keptSampleIds, [restricted]);
      const outcome = completed(await runCleanup(db, settings, { trigger: 'cli' }));
      assert.equal(outcome.run.deleted, 1);
      assert.deepEqual([...(await existing(db, [cascading, restricted]))], [restricted]);
      const rows = await db.query<{ n: number }>(`select count(*)::int as n from public.wishlist`);
      assert.equal(rows[0].n, 0);
      await db.query('drop table public.wishlist, public.invoices');
    });

    it('never deletes a user converted while the cleanup runs', async () => {
      const { db } = t.database;
      const ids = await seedMany(db, 12, { daysAgo: 40 });
      const settings = { ...cleanupSettings(t.project.deps.config), batchSize: 1 };
      // After each batch, convert the user the next batch is about to take: the conversion and the
      // cleanup's next select race for the same row (on PostgreSQL; PGlite runs one transaction at a time).
      const conversions: Promise<{ id: string; converted: boolean }>[] = [];
      const outcome = await runCleanup(db, settings, {
        trigger: 'cli',
        onProgress: ({ batches }) => {
          const id = ids[batches];
          if (!id || batches % 2 === 0) return;
          conversions.push(
            db.transaction(async (tx) => {
              const locked = await tx.query<{ id: string }>('select id from auth.users where id = $1 for update', [id]);
              return { id, converted: locked.length > 0 && (await convert(tx, id)) };
            }),
          );
        },
      });
      completed(outcome);
      const results = await Promise.all(conversions);
      assert.ok(results.length >= 5);
      const converted = results.filter((result) => result.converted).map((result) => result.id);
      const rows = await db.query<{ id: string; is_anonymous: boolean }>(`select id::text as id, is_anonymous from auth.users where id = any($1::uuid[])`, [ids]);
      const deletedIds = new Set((await db.query<{ id: string }>(
        `select (payload -> 'traits' ->> 'user_id') as id from auth.audit_log_entries where payload ->> 'action' = 'user_deleted'`,
      )).map((row) => row.id));
      // Every conversion that happened kept its user, permanent; every survivor is one of them; nobody is both.
      for (const id of converted) assert.ok(rows.some((row) => row.id === id && !row.is_anonymous), `converted ${id} survives`);
      assert.deepEqual(rows.map((row) => row.id).sort(), [...converted].sort());
      for (const id of converted) assert.equal(deletedIds.has(id), false);
      assert.equal(converted.length + ids.filter((id) => deletedIds.has(id)).length, ids.length);
      // A conversion that lost the race found no user: it did not half-happen.
      const converts = await db.query<{ n: number }>(
        `select count(*)::int as n from auth.audit_log_entries where payload ->> 'action' = 'user_converted' and payload ->> 'actor_id' = any($1::text[])`,
        [ids],
      );
      assert.equal(converts[0].n, converted.length);
    });

    if (engine === 'postgres') {
      it('skips a user whose conversion holds the row, and keeps it once converted (PostgreSQL)', async () => {
        const { db } = t.database;
        const [racing, other] = await seedMany(db, 2, { daysAgo: 40 });
        const settings = cleanupSettings(t.project.deps.config);
        let outcome: CleanupOutcome | undefined;
        await db.transaction(async (tx) => {
          // The conversion's transaction has flipped is_anonymous but not committed when the cleanup runs.
          assert.equal(await convert(tx, racing), true);
          outcome = await runCleanup(db, settings, { trigger: 'cli' });
        });
        assert.equal(completed(outcome!).run.deleted, 1);
        assert.deepEqual([...(await existing(db, [racing, other]))], [racing]);
      });

      it('lets one of two processes run the cleanup at a time (PostgreSQL, two pools)', async () => {
        const second = await openPostgres({ url: t.database.url!, poolSize: 3 });
        try {
          const ids = await seedMany(t.database.db, 4, { daysAgo: 40 });
          const settings = cleanupSettings(t.project.deps.config);
          // Another transaction holds one user's session row, so the first run's batch waits on it: the
          // second process tries while the first still holds the cleanup lock, however fast the machine.
          let release!: () => void;
          const released = new Promise<void>((resolve) => { release = resolve; });
          let sessionHeld!: () => void;
          const held = new Promise<void>((resolve) => { sessionHeld = resolve; });
          const holding = t.database.db.transaction(async (tx) => {
            await tx.query(`select id from auth.sessions where user_id = $1 for update`, [ids[0]]);
            sessionHeld();
            await released;
          });
          await held;
          let onStart!: (run: CleanupRun) => void;
          const started = new Promise<{ run: CleanupRun; concurrent: Promise<CleanupOutcome> }>((resolve) => {
            onStart = (run) => resolve({ run, concurrent: runCleanup(second, settings, { trigger: 'cli' }) });
          });
          const firstDone = runCleanup(t.database.db, settings, { trigger: 'cli', onStart });
          const { run, concurrent } = await started;
          const other = await concurrent;
          assert.equal(other.status, 'skipped');
          assert.equal(other.status === 'skipped' && other.holder?.id, run.id);
          release();
          await holding;
          const first = completed(await firstDone);
          assert.equal(first.run.id, run.id);
          assert.equal(first.run.deleted, 4);
          // Once the first is done, the second process may run (and finds nothing left).
          assert.equal(completed(await runCleanup(second, settings, { trigger: 'cli' })).run.deleted, 0);
        } finally {
          await second.close();
        }
      });
    }

    it('refuses a second cleanup in the same process while one runs', async () => {
      const { db } = t.database;
      await seedMany(db, 2, { daysAgo: 40 });
      const settings = cleanupSettings(t.project.deps.config);
      let concurrent: Promise<CleanupOutcome> | undefined;
      const first = await runCleanup(db, settings, { trigger: 'cli', onStart: () => { concurrent = runCleanup(db, settings, { trigger: 'api' }); } });
      assert.equal(completed(first).run.deleted, 2);
      assert.equal((await concurrent!).status, 'skipped');
      const busy = t.app.inject({ method: 'POST', url: '/auth/v1/admin/cleanup', headers: { ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}` } });
      const response = await busy;
      assert.equal(response.statusCode, 202, 'nothing else runs now: the API starts one');
    });

    it('an aborted run keeps its committed batches; the next run finishes without loss', async () => {
      const { db } = t.database;
      // Let any run started by the previous test finish first.
      for (let i = 0; i < 50 && (await listCleanupRuns(db, 1))[0]?.status === 'running'; i += 1) await new Promise((r) => setTimeout(r, 50));
      const ids = await seedMany(db, 10, { daysAgo: 40 });
      const settings = cleanupSettings(t.project.deps.config);
      const controller = new AbortController();
      const aborted = completed(await runCleanup(db, settings, {
        trigger: 'cli',
        signal: controller.signal,
        onProgress: (progress) => {
          if (progress.batches === 2) controller.abort();
        },
      }));
      assert.equal(aborted.status, 'aborted');
      assert.equal(aborted.run.deleted, 6);
      assert.equal((await existing(db, ids)).size, 4);
      const resumed = completed(await runCleanup(db, settings, { trigger: 'cli' }));
      assert.equal(resumed.status, 'completed');
      assert.equal(resumed.run.deleted, 4);
      assert.equal((await existing(db, ids)).size, 0);
      const audit = await db.query<{ id: string; n: number }>(
        `select payload -> 'traits' ->> 'user_id' as id, count(*)::int as n from auth.audit_log_entries
          where payload ->> 'action' = 'user_deleted' and payload -> 'traits' ->> 'user_id' = any($1::text[]) group by 1`,
        [ids],
      );
      assert.equal(audit.length, 10);
      assert.ok(audit.every((row) => row.n === 1));
    });

    it('waits between batches to keep its pace, and an abort cuts the wait short', async () => {
      const { db } = t.database;
      for (let i = 0; i < 50 && (await listCleanupRuns(db, 1))[0]?.status === 'running'; i += 1) await new Promise((r) => setTimeout(r, 50));
      const ids = await seedMany(db, 3, { daysAgo: 40 });
      // 1 %: after a batch of d ms the run waits 99·d ms (at most 5 s).
      const settings = { ...cleanupSettings(t.project.deps.config), batchSize: 1, pacePercent: 1 };
      const controller = new AbortController();
      const progressAtMs: number[] = [];
      const outcome = completed(await runCleanup(db, settings, {
        trigger: 'cli',
        signal: controller.signal,
        onProgress: (progress) => {
          progressAtMs.push(performance.now());
          if (progress.batches === 2) controller.abort();
        },
      }));
      const endedAtMs = performance.now();
      assert.equal(outcome.status, 'aborted');
      assert.equal(outcome.run.deleted, 2);
      assert.equal((await existing(db, ids)).size, 1);
      const gapMs = progressAtMs[1] - progressAtMs[0];
      // Without the wait the gap is one batch (a few ms); with it, a hundred times that.
      assert.ok(gapMs >= 90, `batches 1 and 2 were ${gapMs.toFixed(1)} ms apart`);
      // The wait after batch 2 would be as long again; the abort ends the run well before.
      assert.ok(endedAtMs - progressAtMs[1] < gapMs / 2, `the run ended ${(endedAtMs - progressAtMs[1]).toFixed(1)} ms after the abort (gap ${gapMs.toFixed(1)} ms)`);
      assert.equal(completed(await runCleanup(db, { ...settings, pacePercent: 100 }, { trigger: 'cli' })).run.deleted, 1);
    });

    it('marks a run left running by a dead process as interrupted, keeping its counts', async () => {
      const { db } = t.database;
      await db.query(
        `insert into auth.foyer_cleanup_runs (trigger, inactive_days, keep_data_owners, batch_size, cutoff, deleted, batches, pid)
         values ('cli', 30, true, 3, now(), 6, 2, 999999)`,
      );
      const outcome = completed(await runCleanup(db, cleanupSettings(t.project.deps.config), { trigger: 'cli' }));
      assert.equal(outcome.interruptedRunsMarked, 1);
      const [latest, dead] = await listCleanupRuns(db, 2);
      assert.equal(latest.id, outcome.run.id);
      assert.equal(dead.status, 'interrupted');
      assert.equal(dead.deleted, 6);
    });
  });
}

describe('anonymous cleanup: pace', () => {
  it('waits (100 − pace)/pace of each batch, never more than 5 s, and not at all at 100 %', () => {
    assert.equal(pauseAfterBatchMs(200, 50), 200);
    assert.equal(pauseAfterBatchMs(200, 25), 600);
    assert.equal(pauseAfterBatchMs(200, 80), 50);
    assert.equal(pauseAfterBatchMs(200, 100), 0);
    assert.equal(pauseAfterBatchMs(1_000, 1), 5_000);
    assert.equal(pauseAfterBatchMs(0, 50), 0);
  });
});
