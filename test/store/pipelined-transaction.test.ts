/**
 * Statements of one transaction sent without waiting for each other (on PostgreSQL, pipelined behind
 * BEGIN in one write: `pipelinedTransaction` in src/store/postgres.ts). Each statement gets its own
 * answer, a failure rolls the whole transaction back and fails the statements behind it, and the
 * connection comes back clean for the next transaction. Once a transaction has sent its last statement
 * and COMMIT, its connection serves the next transaction at once (its statements follow in the same
 * write), so each must keep its own outcome and nothing of one may run inside the other.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { StatementAfterLastError, type Db } from '../../src/store/db.js';
import { openPostgres } from '../../src/store/postgres.js';
import { engines, openTestDatabase, type TestDatabase } from '../helpers/engines.js';

const code = (error: unknown) => (error as { code?: string }).code;
/** Rows as plain arrays (postgres.js answers with its own array subclass). */
const rows = async (answer: Promise<readonly unknown[]>) => [...(await answer)];

for (const engine of engines) {
  describe(`transactions with statements in flight together (${engine})`, () => {
    let database: TestDatabase;
    let db: Db;
    before(async () => {
      database = await openTestDatabase(engine);
      // One connection: whatever a transaction leaves behind, the next one meets.
      db = engine === 'postgres' ? await openPostgres({ url: database.url!, poolSize: 1 }) : database.db;
      await db.query('create table probe (id int primary key, note text)');
    });
    after(async () => {
      if (db !== database.db) await db.close();
      await database.close();
    });

    it('answers each statement with its own rows and commits them together', async () => {
      const answers = await db.transaction(async (tx) => {
        const inserted = tx.query<{ id: number }>('insert into probe (id, note) values ($1, $2) returning id', [1, 'one']);
        const updated = tx.query<{ note: string }>('update probe set note = $2 where id = $1 returning note', [1, 'uno']);
        const counted = tx.query<{ n: number }>('select count(*)::int as n from probe where id = $1', [1], { last: true });
        return Promise.all([rows(inserted), rows(updated), rows(counted)]);
      });
      assert.deepEqual(answers, [[{ id: 1 }], [{ note: 'uno' }], [{ n: 1 }]]);
      assert.deepEqual(await rows(db.query('select id, note from probe')), [{ id: 1, note: 'uno' }]);
    });

    it('rolls back the statements before a failure, fails those behind it, and leaves the connection clean', async () => {
      let before: Promise<unknown> | undefined;
      let failing: Promise<unknown> | undefined;
      let behind: Promise<unknown> | undefined;
      await assert.rejects(
        db.transaction(async (tx) => {
          before = tx.query('insert into probe (id, note) values ($1, $2)', [2, 'two']);
          failing = tx.query('insert into probe (id, note) values ($1, $2)', [1, 'duplicate']);
          behind = tx.query('insert into probe (id, note) values ($1, $2)', [3, 'three'], { last: true });
          await Promise.allSettled([before, failing, behind]);
          return failing;
        }),
        (error) => code(error) === '23505',
      );
      await before;
      await assert.rejects(failing!, (error) => code(error) === '23505');
      await assert.rejects(behind!, (error) => code(error) === '25P02');
      assert.deepEqual(await rows(db.query('select id from probe order by id')), [{ id: 1 }]);
      // The same (only) connection takes a new transaction: nothing of the failed one is left on it.
      await db.transaction(async (tx) => tx.query('insert into probe (id, note) values ($1, $2)', [4, 'four'], { last: true }));
      assert.deepEqual(await rows(db.query('select id from probe order by id')), [{ id: 1 }, { id: 4 }]);
    });

    it('lets a statement wait for the answer of the one before it (nothing is held back for a pipeline)', async () => {
      const note = await db.transaction(async (tx) => {
        const [row] = await tx.query<{ id: number }>('select id from probe where id = $1', [4]);
        const [next] = await tx.query<{ note: string }>('update probe set note = $2 where id = $1 returning note', [row.id, 'cuatro']);
        return next.note;
      });
      assert.equal(note, 'cuatro');
    });

    it('fails the whole transaction when the last statement fails, and rolls it back', async () => {
      await assert.rejects(
        db.transaction(async (tx) => {
          const first = tx.query('insert into probe (id, note) values ($1, $2)', [5, 'five']);
          const last = tx.query('select 1 / (id - id) from probe where id = $1', [5], { last: true });
          await first;
          return last;
        }),
        (error) => code(error) === '22012',
      );
      assert.deepEqual(await rows(db.query('select id from probe where id = $1', [5])), []);
    });

    it('runs transactions queued behind each other on the one connection each with its own outcome', async () => {
      // Statements never prepared before (PostgreSQL describes them first, a round trip of their own):
      // what is queued behind them must still follow them, not overtake them into another transaction.
      const attempt = (id: number, fail: boolean) =>
        db.transaction(async (tx) => {
          const own = tx.query<{ id: number }>(`insert into probe (id, note) values ($1, $2) returning id /* queued ${id % 2} */`, [id, `note ${id}`]);
          const visible = tx.query<{ ids: number[] }>(`select array_agg(id order by id)::int[] as ids from probe where id >= $1 /* queued ${id % 2} */`, [100]);
          const last = fail ? tx.query('select 1 / (id - id) from probe where id = $1', [id], { last: true }) : tx.query('select $1::int as id', [id], { last: true });
          const [[inserted], [seen]] = await Promise.all([own, visible, last]);
          return { inserted: inserted.id, seen: seen.ids };
        });
      const outcomes = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => attempt(100 + i, i % 3 === 1)));
      outcomes.forEach((outcome, i) => {
        const id = 100 + i;
        if (i % 3 === 1) {
          assert.equal(outcome.status, 'rejected', `transaction ${id} divides by zero`);
          assert.equal(code((outcome as PromiseRejectedResult).reason), '22012');
          return;
        }
        assert.equal(outcome.status, 'fulfilled', `transaction ${id}: ${String((outcome as PromiseRejectedResult).reason)}`);
        const { inserted, seen } = (outcome as PromiseFulfilledResult<{ inserted: number; seen: number[] }>).value;
        assert.equal(inserted, id);
        // Its own row and those of the committed transactions before it: none of a failed one, none after it.
        const committedBefore = Array.from({ length: i }, (_, j) => 100 + j).filter((other) => (other - 100) % 3 !== 1);
        assert.deepEqual(seen, [...committedBefore, id]);
      });
      const kept = await db.query<{ id: number }>('select id from probe where id >= $1 order by id', [100]);
      assert.deepEqual(kept.map((row) => row.id), [100, 102, 103, 105, 106, 108, 109, 111]);
    });

    it('parses each statement after those before it ran: a search path they set applies to it', async () => {
      await db.query('create schema if not exists elsewhere');
      await db.query('create table if not exists elsewhere.only_there (id int)');
      await db.query('insert into elsewhere.only_there values (1), (2)');
      // Never prepared before: PostgreSQL parses it in the transaction, once the search path is set.
      const [row] = await db.transaction(async (tx) => {
        const set = tx.query(`select set_config('search_path', $1, true)`, ['elsewhere']);
        const counted = tx.query<{ n: number }>('select count(*)::int as n from only_there where id >= $1', [1], { last: true });
        await set;
        return counted;
      });
      assert.equal(row.n, 2);
    });

    it('fails the transaction on a statement that cannot be parsed, and leaves the connection clean', async () => {
      let first: Promise<unknown> | undefined;
      await assert.rejects(
        db.transaction(async (tx) => {
          first = tx.query('insert into probe (id, note) values ($1, $2)', [300, 'kept only if committed']);
          const broken = tx.query('select from from probe where id = $1', [300], { last: true });
          await Promise.allSettled([first, broken]);
          return broken;
        }),
        (error) => code(error) === '42601',
      );
      await first;
      assert.deepEqual(await rows(db.query('select id from probe where id = $1', [300])), []);
      const [row] = await db.transaction(async (tx) => tx.query<{ n: number }>('select $1::int + 1 as n', [1], { last: true }));
      assert.equal(row.n, 2);
    });

    it('fails the transaction when COMMIT finds a deferred constraint broken, and keeps nothing of it', async () => {
      await db.query('create table deferred_probe (id int, constraint deferred_probe_id unique (id) deferrable initially deferred)');
      await assert.rejects(
        db.transaction(async (tx) => {
          const one = tx.query('insert into deferred_probe (id) values ($1)', [1]);
          const again = tx.query('insert into deferred_probe (id) values ($1)', [1], { last: true });
          // Both statements succeed: only COMMIT checks the constraint.
          await Promise.all([one, again]);
          return again;
        }),
        (error) => code(error) === '23505',
      );
      assert.deepEqual(await rows(db.query('select id from deferred_probe')), []);
    });

    it('runs a statement prepared before its table changed, prepared anew', async () => {
      await db.query('create table changing (id int, note text)');
      await db.query(`insert into changing values (1, '41')`);
      const read = () => db.transaction(async (tx) => tx.query<{ note: unknown }>('select note from changing where id = $1', [1], { last: true }));
      assert.deepEqual(await rows(read()), [{ note: '41' }]);
      // The statement prepared on the (only) connection now returns another type: PostgreSQL refuses to
      // run it as prepared ("cached plan must not change result type"), and the transaction runs again.
      await db.query('alter table changing alter column note type int using note::int');
      assert.deepEqual(await rows(read()), [{ note: 41 }]);
    });

    it('refuses a statement after the one marked last', async () => {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('select $1::int as n', [1], { last: true });
          return tx.query('insert into probe (id, note) values ($1, $2)', [200, 'after the end']);
        }),
        (error) => error instanceof StatementAfterLastError,
      );
      assert.deepEqual(await rows(db.query('select id from probe where id = $1', [200])), []);
    });
  });
}
