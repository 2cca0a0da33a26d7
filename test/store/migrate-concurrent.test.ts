/**
 * Roles are shared by every database of a PostgreSQL cluster. Several Foyer projects (or processes)
 * migrating their own databases at the same moment all create and alter the same API roles; none of
 * them may fail for it. PGlite has no cluster to share.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migrate, MIGRATION_LOCK_KEY } from '../../src/store/migrate.js';
import { openPostgres } from '../../src/store/postgres.js';
import { createPostgresDatabase, engines } from '../helpers/engines.js';

const DATABASES = 6;

if (engines.includes('postgres')) {
  describe('migrations of several databases at once (postgres)', () => {
    it(`migrates ${DATABASES} fresh databases of one cluster concurrently, twice over`, async () => {
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const databases = await Promise.all(Array.from({ length: DATABASES }, () => createPostgresDatabase()));
        try {
          const outcomes = await Promise.allSettled(
            databases.map(async ({ url }) => {
              const db = await openPostgres({ url, poolSize: 1 });
              try {
                return (await migrate(db)).applied.length;
              } finally {
                await db.close();
              }
            }),
          );
          const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [String(outcome.reason)] : []));
          assert.deepEqual(failures, [], 'every migration succeeds');
          const applied = outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : 0));
          assert.ok(applied.every((count) => count > 0 && count === applied[0]), `each applied every migration: ${applied.join(', ')}`);
        } finally {
          await Promise.all(databases.map(({ drop }) => drop()));
        }
      }
    });
  });

  describe('a database another process is migrating (postgres)', () => {
    it('waits for its lock, then says who holds it and how to end a stuck one', async () => {
      const { url, drop } = await createPostgresDatabase();
      const holder = await openPostgres({ url, poolSize: 1 });
      const db = await openPostgres({ url, poolSize: 1 });
      try {
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        const holding = holder.withAdvisoryLock(MIGRATION_LOCK_KEY, () => held);
        await new Promise((resolve) => setTimeout(resolve, 200));
        const started = Date.now();
        await assert.rejects(migrate(db, { lockWaitMs: 600 }), /held Foyer's migration lock on this database[\s\S]*pg_terminate_backend/);
        assert.ok(Date.now() - started >= 600, 'it waited');
        const [schema] = await db.query<{ present: boolean }>(`select to_regnamespace('auth') is not null as present`);
        assert.equal(schema.present, false, 'nothing was changed');
        release();
        await holding;
        assert.ok((await migrate(db, { lockWaitMs: 600 })).applied.length > 0, 'once released, it migrates');
      } finally {
        await holder.close();
        await db.close();
        await drop();
      }
    });
  });
}
