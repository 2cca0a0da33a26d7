/**
 * The drop-in listener settings: FOYER_ADMIN_PORT / FOYER_ADMIN_HOST / FOYER_REST_DATABASE_URL are
 * validated like every setting, and the listener layout follows the mode (one port embedded; the auth
 * listener and, unless off, the admin listener with a DATABASE_URL).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planListeners } from '../../src/cli/listeners.js';
import { loadConfig } from '../../src/config/load.js';
import { configError } from '../helpers/config-error.js';

const dropIn = { DATABASE_URL: 'postgres://supabase_auth_admin@db/postgres', GOTRUE_JWT_SECRET: 'x'.repeat(40) };

describe('listener settings', () => {
  it('defaults: admin listener on 127.0.0.1:8082, no Data API login', () => {
    const config = loadConfig(dropIn);
    assert.equal(config.adminPort, 8082);
    assert.equal(config.adminHost, '127.0.0.1');
    assert.equal(config.restDatabaseUrl, undefined);
  });

  it('FOYER_ADMIN_PORT: a port, or 0 / off for none; anything else names the variable', () => {
    assert.equal(loadConfig({ ...dropIn, FOYER_ADMIN_PORT: '9100' }).adminPort, 9100);
    assert.equal(loadConfig({ ...dropIn, FOYER_ADMIN_PORT: 'off' }).adminPort, undefined);
    assert.equal(loadConfig({ ...dropIn, FOYER_ADMIN_PORT: 'OFF' }).adminPort, undefined);
    assert.equal(loadConfig({ ...dropIn, FOYER_ADMIN_PORT: '0' }).adminPort, undefined);
    assert.match(configError({ ...dropIn, FOYER_ADMIN_PORT: 'eighty' }), /FOYER_ADMIN_PORT must be a whole number, got "eighty"/);
    assert.match(configError({ ...dropIn, FOYER_ADMIN_PORT: '70000' }), /FOYER_ADMIN_PORT must be a TCP port \(1 to 65535\), or 0 or off/);
  });

  it('FOYER_REST_DATABASE_URL must be a PostgreSQL URL, and needs DATABASE_URL', () => {
    const url = 'postgres://foyer_rest:pw@db/postgres';
    assert.equal(loadConfig({ ...dropIn, FOYER_REST_DATABASE_URL: url }).restDatabaseUrl, url);
    assert.match(configError({ ...dropIn, FOYER_REST_DATABASE_URL: 'mysql://x' }), /FOYER_REST_DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/);
    assert.match(configError({ FOYER_REST_DATABASE_URL: url }), /FOYER_REST_DATABASE_URL needs DATABASE_URL/);
  });

  it('embedded: one listener on PORT serves everything, whatever FOYER_ADMIN_PORT says', () => {
    const plans = planListeners(loadConfig({ PORT: '8081', FOYER_ADMIN_PORT: '8081' }));
    assert.deepEqual(plans.map(({ role, serves, host, port }) => ({ role, serves, host, port })), [
      { role: 'single', serves: 'everything', host: '127.0.0.1', port: 8081 },
    ]);
  });

  it('drop-in: the auth listener serves GoTrue only, the admin listener everything; off leaves the auth listener alone', () => {
    const plans = planListeners(loadConfig({ ...dropIn, GOTRUE_API_PORT: '9999', FOYER_ADMIN_HOST: '0.0.0.0' }));
    assert.deepEqual(plans.map(({ role, serves, host, port }) => ({ role, serves, host, port })), [
      { role: 'auth', serves: 'gotrue', host: '0.0.0.0', port: 9999 },
      { role: 'admin', serves: 'everything', host: '0.0.0.0', port: 8082 },
    ]);
    assert.deepEqual(planListeners(loadConfig({ ...dropIn, FOYER_ADMIN_PORT: 'off' })).map((plan) => plan.role), ['auth']);
    assert.throws(() => planListeners(loadConfig({ ...dropIn, PORT: '8082' })), /FOYER_ADMIN_PORT must differ from PORT \(both 8082\)/);
  });
});
