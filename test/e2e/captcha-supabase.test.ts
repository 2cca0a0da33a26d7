/**
 * CAPTCHA as an app meets it: @supabase/supabase-js `signInAnonymously()` against a listening Foyer
 * whose CAPTCHA provider is a local server speaking the siteverify protocol.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestProject, type TestProject } from '../helpers/project.js';
import { makeClient } from '../helpers/server.js';
import { startSiteverifyServer, type SiteverifyServer } from '../helpers/siteverify.js';

const SECRET = 'e2e-captcha-secret';

for (const engine of engines) {
  describe(`supabase-js signInAnonymously with CAPTCHA (${engine})`, () => {
    let provider: SiteverifyServer;
    let t: TestProject;
    let url: string;
    before(async () => {
      provider = await startSiteverifyServer();
      t = await createTestProject(engine, {
        GOTRUE_SECURITY_CAPTCHA_ENABLED: 'true',
        GOTRUE_SECURITY_CAPTCHA_PROVIDER: 'hcaptcha',
        GOTRUE_SECURITY_CAPTCHA_SECRET: SECRET,
        GOTRUE_SECURITY_CAPTCHA_TIMEOUT: '2s',
        FOYER_SECURITY_CAPTCHA_VERIFY_URL: provider.url,
      });
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    });
    after(async () => {
      await t.close();
      await provider.close();
    });
    beforeEach(() => {
      provider.mode = { kind: 'pass' };
      provider.received.length = 0;
    });

    it('without a token: captcha_failed, no session', async () => {
      const client = makeClient(url, t.anonKey);
      const { data, error } = await client.auth.signInAnonymously();
      assert.ok(error, 'an error');
      assert.equal(error.code, 'captcha_failed');
      assert.equal(error.status, 400);
      assert.equal(error.message, 'captcha protection: request disallowed (no captcha_token found)');
      assert.equal(data.session, null);
      assert.equal(provider.received.length, 0);
    });

    it('with a token the provider accepts: a session, and the provider saw secret, response and remoteip', async () => {
      const client = makeClient(url, t.anonKey);
      const { data, error } = await client.auth.signInAnonymously({ options: { captchaToken: 'widget-token-123', data: { from: 'e2e' } } });
      assert.equal(error, null);
      assert.ok(data.session?.access_token);
      assert.equal(data.user?.is_anonymous, true);
      assert.deepEqual(data.user?.user_metadata, { from: 'e2e' });
      assert.equal(provider.received.length, 1);
      assert.deepEqual(provider.received[0].form, { secret: SECRET, response: 'widget-token-123', remoteip: '127.0.0.1' });
    });

    it('with a token the provider rejects: captcha_failed with the provider’s reason', async () => {
      provider.mode = { kind: 'fail', codes: ['invalid-or-already-seen-response'] };
      const { data, error } = await makeClient(url, t.anonKey).auth.signInAnonymously({ options: { captchaToken: 'used-token' } });
      assert.equal(error?.code, 'captcha_failed');
      assert.equal(error?.message, 'captcha protection: request disallowed (invalid-or-already-seen-response)');
      assert.equal(data.session, null);
    });

    it('provider down or hanging: fails closed, no session', async () => {
      for (const mode of [{ kind: 'status', status: 503 }, { kind: 'hang' }] as const) {
        provider.mode = mode;
        const { data, error } = await makeClient(url, t.anonKey).auth.signInAnonymously({ options: { captchaToken: 'widget-token-456' } });
        assert.ok(error, `${mode.kind}: an error`);
        assert.equal(error.status, 500);
        assert.equal(data.session, null);
      }
      const rows = await t.database.db.query<{ n: number }>('select count(*)::int as n from auth.users');
      assert.equal(rows[0].n, 1, 'only the accepted sign-in created a user');
    });
  });
}
