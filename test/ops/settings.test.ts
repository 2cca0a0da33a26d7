import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.js';

const secret = 'x'.repeat(40);
const base = { DATABASE_URL: 'postgres://u@h/db', GOTRUE_JWT_SECRET: secret };

function problems(env: Record<string, string>): string {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  assert.fail('expected a ConfigError');
}

describe('operations settings', () => {
  it('has safe defaults: cleanup off, 30 days by inactivity, data owners kept', () => {
    const config = loadConfig(base);
    assert.equal(config.cleanupEnabled, false);
    assert.equal(config.cleanupInactiveDays, 30);
    assert.equal(config.cleanupKeepDataOwners, true);
    assert.equal(config.cleanupBatchSize, 500);
    assert.equal(config.cleanupPacePercent, 50);
    assert.equal(config.cleanupIntervalSeconds, 3600);
    assert.equal(config.dbCleanupEnabled, false);
    assert.equal(config.spikeThreshold, 3);
    assert.equal(config.spikeMinSignups, 20);
    assert.equal(config.spikeBaselineHours, 24);
    assert.equal(config.metricsAuth, 'service_role');
  });

  it('reads every variable', () => {
    const config = loadConfig({
      ...base,
      FOYER_ANONYMOUS_CLEANUP_ENABLED: 'true',
      FOYER_ANONYMOUS_CLEANUP_INACTIVE_DAYS: '7',
      FOYER_ANONYMOUS_CLEANUP_KEEP_DATA_OWNERS: 'false',
      FOYER_ANONYMOUS_CLEANUP_BATCH_SIZE: '100',
      FOYER_ANONYMOUS_CLEANUP_PACE_PERCENT: '25',
      FOYER_ANONYMOUS_CLEANUP_INTERVAL: '15m',
      GOTRUE_DB_CLEANUP_ENABLED: 'true',
      FOYER_ANONYMOUS_SPIKE_THRESHOLD: '2.5',
      FOYER_ANONYMOUS_SPIKE_MIN_SIGNUPS: '50',
      FOYER_ANONYMOUS_SPIKE_BASELINE_HOURS: '168',
      FOYER_METRICS_AUTH: 'none',
    });
    assert.deepEqual(
      [config.cleanupEnabled, config.cleanupInactiveDays, config.cleanupKeepDataOwners, config.cleanupBatchSize, config.cleanupPacePercent, config.cleanupIntervalSeconds],
      [true, 7, false, 100, 25, 900],
    );
    assert.deepEqual([config.dbCleanupEnabled, config.spikeThreshold, config.spikeMinSignups, config.spikeBaselineHours, config.metricsAuth], [true, 2.5, 50, 168, 'none']);
  });

  it('GOTRUE_DB_CLEANUP_ENABLED alone never turns on the deletion of users', () => {
    const config = loadConfig({ ...base, GOTRUE_DB_CLEANUP_ENABLED: 'true' });
    assert.equal(config.dbCleanupEnabled, true);
    assert.equal(config.cleanupEnabled, false);
  });

  it('rejects impossible values, each with its variable and what it accepts, all at once', () => {
    const message = problems({
      FOYER_ANONYMOUS_CLEANUP_INACTIVE_DAYS: '-5',
      FOYER_ANONYMOUS_CLEANUP_BATCH_SIZE: '0',
      FOYER_ANONYMOUS_CLEANUP_INTERVAL: '0s',
      FOYER_ANONYMOUS_SPIKE_THRESHOLD: '1',
      FOYER_ANONYMOUS_CLEANUP_KEEP_DATA_OWNERS: 'maybe',
      FOYER_METRICS_AUTH: 'open',
    });
    for (const expected of [
      'FOYER_ANONYMOUS_CLEANUP_INACTIVE_DAYS must be at least 1, got -5',
      'FOYER_ANONYMOUS_CLEANUP_BATCH_SIZE must be at least 1, got 0',
      'FOYER_ANONYMOUS_CLEANUP_INTERVAL must be at least 60s, got "0s"',
      'FOYER_ANONYMOUS_SPIKE_THRESHOLD must be a number greater than 1',
      'FOYER_ANONYMOUS_CLEANUP_KEEP_DATA_OWNERS must be true or false, got "maybe"',
      'FOYER_METRICS_AUTH must be one of service_role, none, got "open"',
    ]) {
      assert.ok(message.includes(expected), `${expected}\n---\n${message}`);
    }
  });

  it('rejects other nonsense', () => {
    assert.match(problems({ FOYER_ANONYMOUS_CLEANUP_INACTIVE_DAYS: '0' }), /INACTIVE_DAYS must be at least 1, got 0/);
    assert.match(problems({ FOYER_ANONYMOUS_CLEANUP_INACTIVE_DAYS: 'thirty' }), /INACTIVE_DAYS must be a whole number, got "thirty"/);
    assert.match(problems({ FOYER_ANONYMOUS_CLEANUP_BATCH_SIZE: '1000000' }), /BATCH_SIZE must be at most 10000, got 1000000/);
    assert.match(problems({ FOYER_ANONYMOUS_CLEANUP_PACE_PERCENT: '0' }), /PACE_PERCENT must be at least 1, got 0/);
    assert.match(problems({ FOYER_ANONYMOUS_CLEANUP_PACE_PERCENT: '150' }), /PACE_PERCENT must be at most 100, got 150/);
    assert.match(problems({ FOYER_ANONYMOUS_CLEANUP_INTERVAL: 'hourly' }), /INTERVAL must be a duration such as 10s/);
    assert.match(problems({ FOYER_ANONYMOUS_SPIKE_THRESHOLD: 'x' }), /SPIKE_THRESHOLD must be a number, got "x"/);
    assert.match(problems({ FOYER_ANONYMOUS_SPIKE_MIN_SIGNUPS: '0' }), /SPIKE_MIN_SIGNUPS must be at least 1, got 0/);
    assert.match(problems({ GOTRUE_DB_CLEANUP_ENABLED: 'yes' }), /GOTRUE_DB_CLEANUP_ENABLED must be true or false, got "yes"/);
  });
});
