import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createKeyring } from '../../src/security/jwt.js';
import { count, createCliProject, runCli, withDb, type CliProject } from '../helpers/cli.js';
import { engines } from '../helpers/engines.js';
import { addCartRow, convert, createCartTable, seedMany } from '../helpers/ops.js';
import { TEST_JWT_SECRET } from '../helpers/project.js';

/** The project's database, migrated; close it before running `foyer` (an embedded database has one owner). */

for (const engine of engines) {
  describe(`foyer keys, users, stats, cleanup (${engine})`, () => {
    let project: CliProject;
    const seeded = { stale: [] as string[], owners: [] as string[], fresh: [] as string[] };
    before(async () => {
      project = await createCliProject(engine);
      await withDb(project, async (db) => {
        await createCartTable(db);
        seeded.stale = await seedMany(db, 4, { daysAgo: 40 });
        seeded.owners = await seedMany(db, 1, { daysAgo: 40 });
        await addCartRow(db, seeded.owners[0]);
        seeded.fresh = await seedMany(db, 2);
        const [converted] = await seedMany(db, 1, { daysAgo: 40 });
        await convert(db, converted);
      });
    });
    after(() => project.close());

    it('foyer keys prints the anon and service_role keys', async () => {
      const result = await runCli(project, ['keys', '--json']);
      assert.equal(result.code, 0, result.stderr);
      const keys = JSON.parse(result.stdout);
      const secret = engine === 'postgres' ? TEST_JWT_SECRET : readFileSync(join(project.dataDir!, 'jwt-secret'), 'utf8').trim();
      const keyring = createKeyring({ secret });
      assert.equal(keyring.verify(keys.anon_key).role, 'anon');
      assert.equal(keyring.verify(keys.service_role_key).role, 'service_role');
      const text = await runCli(project, ['keys']);
      assert.ok(text.stdout.includes(keys.anon_key) && text.stdout.includes(keys.service_role_key));
    });

    it('foyer users --anonymous lists anonymous users; --stale those the cleanup would consider', async () => {
      const anonymous = await runCli(project, ['users', '--anonymous', '--json']);
      assert.equal(anonymous.code, 0, anonymous.stderr);
      const listed = JSON.parse(anonymous.stdout);
      assert.equal(listed.total, 7);
      assert.ok(listed.users.every((user: { is_anonymous: boolean }) => user.is_anonymous));
      const stale = await runCli(project, ['users', '--stale']);
      assert.equal(stale.code, 0, stale.stderr);
      assert.match(stale.stdout, /^5 stale anonymous users \(inactive 30 days\)/);
      for (const id of [...seeded.stale, ...seeded.owners]) assert.ok(stale.stdout.includes(id));
      const bad = await runCli(project, ['users', '--limit', '0']);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /--limit must be a whole number/);
    });

    it('foyer stats agrees with the database', async () => {
      const result = await runCli(project, ['stats', '--json', '--bucket', 'day', '--buckets', '60']);
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout);
      assert.deepEqual(report.totals.users, { anonymous: 7, pending_conversion: 0, permanent: 1, invited: 0 });
      assert.equal(report.totals.anonymous_signups, 8);
      assert.deepEqual(report.totals.conversions.by_method, { email: 1 });
      const text = await runCli(project, ['stats']);
      assert.match(text.stdout, /users: +7 anonymous, 0 pending conversion, 0 invited \(not accepted\), 1 permanent/);
      assert.match(text.stdout, /spike: +none/);
    });

    it('foyer cleanup --dry-run prints counts, sample ids and the data owners kept, changing nothing', async () => {
      const result = await runCli(project, ['cleanup', '--dry-run']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /for 30 days\): 5/);
      assert.match(result.stdout, /would delete: +4 \(first: /);
      assert.match(result.stdout, /kept \(own data\): +1 \(first: /);
      assert.match(result.stdout, /data table: +cart_items\.user_id \(on delete cascade\): 1 stale owner\(s\), kept/);
      for (const id of [...seeded.stale, ...seeded.owners]) assert.ok(result.stdout.includes(id), id);
      const json = JSON.parse((await runCli(project, ['cleanup', '--dry-run', '--json', '--sample', '2'])).stdout);
      assert.equal(json.would_delete, 4);
      assert.equal(json.sample_ids.length, 2);
      assert.equal(await withDb(project, (db) => count(db, 'select count(*)::int as n from auth.users where is_anonymous')), 7);
    });

    it('foyer cleanup deletes them with a progress bar; a second run finds nothing', async () => {
      const result = await runCli(project, ['cleanup'], { FOYER_ANONYMOUS_CLEANUP_BATCH_SIZE: '2' });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /^cleanup: 0\/4 deleted$/m);
      assert.match(result.stderr, /^cleanup: 4\/4 deleted, 3 batches, 1 kept$/m);
      assert.match(result.stdout, /Done: deleted 4 stale anonymous user\(s\) in 3 batch\(es\) \(run 1\); kept 1 data owner\(s\)/);
      await withDb(project, async (db) => {
        assert.equal(await count(db, 'select count(*)::int as n from auth.users where id = any($1::uuid[])', [`{${seeded.stale.join(',')}}`]), 0);
        assert.equal(await count(db, 'select count(*)::int as n from auth.users where is_anonymous'), 3);
      });
      const again = await runCli(project, ['cleanup']);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /Done: deleted 0/);
    });

    it('rejects impossible settings, naming the variable', async () => {
      const result = await runCli(project, ['cleanup', '--dry-run'], {
        FOYER_ANONYMOUS_CLEANUP_INACTIVE_DAYS: '-3',
        FOYER_ANONYMOUS_CLEANUP_BATCH_SIZE: '0',
      });
      assert.equal(result.code, 2);
      assert.match(result.stderr, /FOYER_ANONYMOUS_CLEANUP_INACTIVE_DAYS must be at least 1, got -3/);
      assert.match(result.stderr, /FOYER_ANONYMOUS_CLEANUP_BATCH_SIZE must be at least 1, got 0/);
    });
  });
}
