/**
 * Where a hot path's batches run (`Db.batchLane`): on PostgreSQL a connection of its own per path, outside
 * the pool, with a second batch sent behind the one running; on the embedded engine the database itself,
 * one batch at a time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openPostgres } from '../../src/store/postgres.js';
import { createPostgresDatabase, engines, openTestDatabase, type TestDatabase } from '../helpers/engines.js';

type PidRow = { pid: number; finished_at: string };
const PID_AFTER = (seconds: number) => `select pg_backend_pid() as pid, clock_timestamp()::text as finished_at from pg_sleep(${seconds})`;

for (const engine of engines) {
  describe(`batch lanes (${engine})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await openTestDatabase(engine);
    });
    after(() => database.close());

    it('gives the same lane for the same path, and runs statements on it', async () => {
      const lane = database.db.batchLane('anonymous_sign_in');
      assert.equal(database.db.batchLane('anonymous_sign_in'), lane);
      assert.deepEqual([...(await lane.db.query('select 1 + 1 as two'))], [{ two: 2 }]);
      assert.equal(lane.batchesInFlight, engine === 'postgres' ? 2 : 1);
    });

    if (engine !== 'postgres') return;

    it("queues a path's statements on one connection of its own, in order, outside the pool", async () => {
      const lane = database.db.batchLane('refresh_rotation').db;
      // Sent together: the second waits behind the first on the same backend instead of taking another.
      const [first, second] = await Promise.all([lane.query<PidRow>(PID_AFTER(0.2)), lane.query<PidRow>(PID_AFTER(0))]);
      assert.equal(first[0].pid, second[0].pid);
      assert.ok(second[0].finished_at > first[0].finished_at, 'the second statement ran after the first');
      const pooled = await Promise.all(Array.from({ length: 5 }, () => database.db.query<PidRow>(PID_AFTER(0.1))));
      assert.ok(!pooled.some(([row]) => row.pid === first[0].pid), 'no pooled statement ran on the lane');
      const [other] = await database.db.batchLane('another_path').db.query<PidRow>(PID_AFTER(0));
      assert.notEqual(other.pid, first[0].pid, 'each path has its own connection');
    });

    // The statement after the loss goes to a new connection, never behind the lost one: a single
    // postgres.js connection reconnecting by itself was seen to leave a statement waiting for good.
    it('connects again after its connection is lost', async () => {
      const lane = database.db.batchLane('refresh_rotation').db;
      const [{ pid }] = await lane.query<PidRow>(PID_AFTER(0));
      const [{ ended }] = await database.db.query<{ ended: boolean }>('select pg_terminate_backend($1) as ended', [pid]);
      assert.equal(ended, true);
      // A statement caught by the lost connection fails; the one after it runs on a new connection.
      const again = () => lane.query<PidRow>(PID_AFTER(0)).then(([row]) => row.pid);
      const next = await again().catch(again);
      assert.notEqual(next, pid);
    });

    it("closes the lanes' connections with the database", async () => {
      const { url, drop } = await createPostgresDatabase();
      try {
        const db = await openPostgres({ url, poolSize: 2, applicationName: 'foyer-lane-test' });
        const [{ pid }] = await db.batchLane('anonymous_sign_in').db.query<PidRow>(PID_AFTER(0));
        await db.close();
        const open = await database.db.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where pid = $1', [pid]);
        assert.equal(open[0].n, 0);
      } finally {
        await drop();
      }
    });
  });
}
