/**
 * The console's login throttle on PostgreSQL counts in the database, so several Foyer processes (the
 * workers of FOYER_WORKERS, or servers behind a balancer) allow 10 attempts per address and IP between
 * them: attempts are counted before the password is checked, so concurrent ones cannot all slip through.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSharedLoginLimiter } from '../../src/platform/login-limiter.js';
import { migrate } from '../../src/store/migrate.js';
import { engines, openTestDatabase, type TestDatabase } from '../helpers/engines.js';

for (const engine of engines) {
  describe(`console login throttle in the database (${engine})`, () => {
    let t: TestDatabase;
    before(async () => {
      t = await openTestDatabase(engine);
      await migrate(t.db);
    });
    after(() => t.close());

    it('lets exactly 10 of 25 concurrent attempts through, from two limiters on one database', async () => {
      const first = createSharedLoginLimiter(t.db, 'foyer');
      const second = createSharedLoginLimiter(t.db, 'foyer');
      const waits = await Promise.all(Array.from({ length: 25 }, (_, i) => (i % 2 ? first : second).retryAfter('127.0.0.1|a@example.com')));
      assert.equal(waits.filter((wait) => wait === 0).length, 10);
      for (const wait of waits.filter((wait) => wait > 0)) assert.ok(wait > 800 && wait <= 900, String(wait));
      assert.equal(await first.retryAfter('127.0.0.1|b@example.com'), 0, 'another address has its own count');
      assert.equal(await createSharedLoginLimiter(t.db, 'other').retryAfter('127.0.0.1|a@example.com'), 0, 'another key prefix counts apart');
    });

    it('starts over after the right password', async () => {
      const limiter = createSharedLoginLimiter(t.db, 'foyer');
      for (let i = 0; i < 10; i += 1) assert.equal(await limiter.retryAfter('10.0.0.1|c@example.com'), 0);
      await limiter.succeed('10.0.0.1|c@example.com');
      assert.equal(await limiter.retryAfter('10.0.0.1|c@example.com'), 0);
    });
  });
}
