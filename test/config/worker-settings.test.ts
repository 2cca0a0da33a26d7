/**
 * FOYER_WORKERS is validated like every setting, and a worker count Foyer cannot honour stops the
 * start naming what to change: several workers on the embedded database (one process owns it), or
 * with rate-limit counters each process keeps for itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { usableCpus } from '../../src/config/cpu-count.js';
import { loadConfig } from '../../src/config/load.js';
import { configError } from '../helpers/config-error.js';

const dropIn = { DATABASE_URL: 'postgres://supabase_auth_admin@db/postgres', GOTRUE_JWT_SECRET: 'x'.repeat(40) };

describe('FOYER_WORKERS', () => {
  it('is 1 unless set; takes a whole number or auto (one per core this process may use)', () => {
    assert.equal(loadConfig(dropIn).workers, 1);
    assert.equal(loadConfig({}).workers, 1);
    assert.equal(loadConfig({ ...dropIn, FOYER_WORKERS: '3' }).workers, 3);
    assert.equal(loadConfig({ ...dropIn, FOYER_WORKERS: ' 2 ' }).workers, 2);
    assert.equal(loadConfig({ ...dropIn, FOYER_WORKERS: 'AUTO' }).workers, usableCpus(), 'the cores, capped by a CPU quota (cpu-count.test.ts)');
    assert.equal(loadConfig({ FOYER_WORKERS: '1' }).workers, 1, 'one worker is what the embedded database has anyway');
  });

  it('refuses anything else, naming the variable and what it accepts', () => {
    for (const raw of ['0', '-1', '1.5', 'two', '2 workers']) {
      assert.match(configError({ ...dropIn, FOYER_WORKERS: raw }), /FOYER_WORKERS must be (a whole number of processes \(1 to 256\) or auto|at least 1)/, raw);
    }
    assert.match(configError({ ...dropIn, FOYER_WORKERS: '257' }), /FOYER_WORKERS must be at most 256 \(or auto: one per CPU core\), got 257/);
  });

  it('more than one needs DATABASE_URL: the embedded database belongs to one process', () => {
    assert.match(
      configError({ FOYER_WORKERS: '2' }),
      /FOYER_WORKERS=2 needs DATABASE_URL: the embedded database \(PGlite\) runs inside one process and cannot be shared by several/,
    );
  });

  it('more than one needs rate-limit counters every worker shares', () => {
    assert.match(
      configError({ ...dropIn, FOYER_WORKERS: '2', FOYER_RATE_LIMIT_STORE: 'memory' }),
      /FOYER_RATE_LIMIT_STORE=memory cannot be used with FOYER_WORKERS=2: each worker would count on its own and admit each limit 2 times; use postgres/,
    );
    assert.equal(loadConfig({ ...dropIn, FOYER_WORKERS: '2' }).rateLimitStore, 'postgres');
    assert.equal(loadConfig({ ...dropIn, FOYER_WORKERS: '2', FOYER_RATE_LIMIT_STORE: 'redis', REDIS_URL: 'redis://127.0.0.1:6379' }).workers, 2);
  });
});
