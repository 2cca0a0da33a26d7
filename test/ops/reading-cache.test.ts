/** Readings over whole tables, exact on small tables and reused for a while on large ones (src/stats/reading-cache.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Queryable } from '../../src/store/db.js';
import { ReadingCache } from '../../src/stats/reading-cache.js';

/** A database whose tables hold `rows` rows by pg_class's estimate; the reading itself is counted. */
function fakeDatabase(rows: number) {
  const state = { rows, sizeQueries: 0 };
  const db: Queryable = {
    async query<Row>(text: string): Promise<Row[]> {
      assert.match(text, /pg_class/);
      state.sizeQueries += 1;
      return [{ rows: state.rows }] as Row[];
    },
  };
  return { db, state };
}

/** A reading that resolves when the test says so, numbered. */
function controlledReading() {
  const calls: Array<(value: number) => void> = [];
  const read = () => new Promise<number>((resolve) => calls.push(resolve));
  return { calls, read };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('ReadingCache', () => {
  it('reads small tables at every call, each call its own reading', async () => {
    const { db, state } = fakeDatabase(500);
    let readings = 0;
    const cache = new ReadingCache(async () => ++readings, { tables: ['auth.users'], largeRows: 1000 });
    assert.equal((await cache.get(db)).value, 1);
    assert.equal((await cache.get(db)).value, 2);
    assert.equal((await cache.get(db)).value, 3);
    assert.equal(state.sizeQueries, 1, 'the size is looked at once per refresh interval');
  });

  it('reuses a reading of large tables, refreshes it in the background after the interval, and waits when it is too old', async () => {
    const { db } = fakeDatabase(5000);
    let now = 1_000_000;
    const { calls, read } = controlledReading();
    const cache = new ReadingCache(read, { tables: ['auth.users'], largeRows: 1000, refreshMs: 60_000, maxAgeMs: 600_000, now: () => now });

    const first = cache.get(db);
    const alsoFirst = cache.get(db);
    await settled();
    assert.equal(calls.length, 1, 'concurrent first calls share one reading');
    calls[0](10);
    assert.deepEqual([(await first).value, (await alsoFirst).value], [10, 10]);
    assert.equal((await first).readAt.getTime(), 1_000_000);

    now += 30_000;
    assert.equal((await cache.get(db)).value, 10, 'within the interval: no reading');
    assert.equal(calls.length, 1);

    now += 40_000;
    assert.equal((await cache.get(db)).value, 10, 'past the interval: the last reading still, at once…');
    await settled();
    assert.equal(calls.length, 2, '…and the next one begins');
    assert.equal((await cache.get(db)).value, 10, 'one background reading at a time');
    assert.equal(calls.length, 2);
    calls[1](20);
    await settled();
    assert.equal((await cache.get(db)).value, 20);

    now += 700_000;
    const waited = cache.get(db);
    await settled();
    assert.equal(calls.length, 3, 'too old to serve: the call waits for a fresh reading');
    calls[2](30);
    assert.equal((await waited).value, 30);
  });

  it('keeps the last reading when a background one fails, and tries again on the next call', async () => {
    const { db } = fakeDatabase(5000);
    let now = 0;
    let fail = false;
    let readings = 0;
    const cache = new ReadingCache(
      async () => {
        readings += 1;
        if (fail) throw new Error('connection lost');
        return readings;
      },
      { tables: ['auth.users'], largeRows: 1000, refreshMs: 1000, now: () => now },
    );
    assert.equal((await cache.get(db)).value, 1);
    fail = true;
    now += 2000;
    assert.equal((await cache.get(db)).value, 1);
    await settled();
    fail = false;
    assert.equal((await cache.get(db)).value, 1, 'the failed reading left the last one');
    await settled();
    assert.equal((await cache.get(db)).value, 3);
  });

  it('keeps each reading\'s arguments apart, and looks at the size once per database', async () => {
    const { db, state } = fakeDatabase(5000);
    const cache = new ReadingCache(async (_db: Queryable, bucket: string, buckets: number) => `${bucket}×${buckets}`, { tables: ['auth.users'], largeRows: 1000 });
    assert.equal((await cache.get(db, 'hour', 48)).value, 'hour×48');
    assert.equal((await cache.get(db, 'day', 30)).value, 'day×30');
    assert.equal((await cache.get(db, 'hour', 48)).value, 'hour×48');
    assert.equal(state.sizeQueries, 1);
  });

  it('warms large tables only: a first reading in advance, none when there is one', async () => {
    const large = fakeDatabase(5000);
    const small = fakeDatabase(10);
    let readings = 0;
    const cache = new ReadingCache(async () => ++readings, { tables: ['auth.users'], largeRows: 1000 });
    await cache.warm(small.db);
    assert.equal(readings, 0, 'a small database is read at every call anyway');
    await cache.warm(large.db);
    assert.equal(readings, 1);
    await cache.warm(large.db);
    assert.equal(readings, 1);
    assert.equal((await cache.get(large.db)).value, 1, 'the first call gets the warm reading');
  });

  it('serves a newer reading offered from elsewhere on large tables, and ignores an older one', async () => {
    const { db } = fakeDatabase(5000);
    let now = 1_000_000;
    let readings = 0;
    const cache = new ReadingCache(async () => ++readings, { tables: ['auth.users'], largeRows: 1000, now: () => now });
    assert.equal((await cache.get(db)).value, 1);
    now += 30_000;
    cache.offer(db, { value: 100, readAt: new Date(now) });
    assert.deepEqual(await cache.get(db), { value: 100, readAt: new Date(now) });
    cache.offer(db, { value: 50, readAt: new Date(now - 10_000) });
    assert.equal((await cache.get(db)).value, 100, 'an older reading is not taken');
    now += 50_000;
    assert.equal((await cache.get(db)).value, 100, 'within the refresh interval of the offered reading: no reading of its own');
    assert.equal(readings, 1);

    const small = fakeDatabase(10);
    cache.offer(small.db, { value: 999, readAt: new Date(now + 1) });
    assert.equal((await cache.get(small.db)).value, 2, 'small tables are read at every call all the same');
  });

  it('keeps each database apart', async () => {
    const small = fakeDatabase(10);
    const large = fakeDatabase(10_000);
    const cache = new ReadingCache(async (db: Queryable) => (db === small.db ? 'small' : 'large'), { tables: ['auth.users'], largeRows: 1000 });
    assert.equal((await cache.get(small.db)).value, 'small');
    assert.equal((await cache.get(large.db)).value, 'large');
  });
});
