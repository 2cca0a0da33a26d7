/**
 * GOTRUE_EXTERNAL_EMAIL_MAGIC_LINK_ENABLED=false turns off magic links and emailed sign-in codes, as in
 * GoTrue (422 email_provider_disabled), while password recovery and email sign-ups keep working.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestProject, versionHeaders, type TestProject } from '../helpers/project.js';

const post = (t: TestProject, url: string, payload: unknown) =>
  t.app.inject({ method: 'POST', url, headers: versionHeaders, payload: JSON.stringify(payload) });

const mailCount = async (t: TestProject) => (await t.app.inject({
  method: 'GET',
  url: '/auth/v1/admin/mail/outbox',
  headers: { ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}` },
})).json();

for (const engine of engines) {
  describe(`magic links turned off (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_EXTERNAL_EMAIL_MAGIC_LINK_ENABLED: 'false' });
    });
    after(() => t.close());

    it('refuses POST /magiclink and POST /otp with an email: 422 email_provider_disabled, nothing mailed', async () => {
      const before = JSON.stringify(await mailCount(t));
      for (const url of ['/auth/v1/magiclink', '/auth/v1/otp']) {
        const response = await post(t, url, { email: 'magic@example.com' });
        assert.equal(response.statusCode, 422, response.body);
        assert.equal(response.json().code, 'email_provider_disabled');
        assert.equal(response.json().message, 'Login with magic link is disabled');
      }
      assert.equal(JSON.stringify(await mailCount(t)), before);
      const users = await t.database.db.query<{ n: number }>(`select count(*)::int as n from auth.users where email = 'magic@example.com'`);
      assert.equal(users[0].n, 0, 'no user is created either');
    });

    it('still signs up by email and sends password recovery mail', async () => {
      const signup = await post(t, '/auth/v1/signup', { email: 'still@example.com', password: 'long-enough-password' });
      assert.equal(signup.statusCode, 200, signup.body);
      const recover = await post(t, '/auth/v1/recover', { email: 'still@example.com' });
      assert.equal(recover.statusCode, 200, recover.body);
    });
  });
}
