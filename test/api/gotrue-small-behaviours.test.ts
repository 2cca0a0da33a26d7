/**
 * Small GoTrue behaviours Foyer matches: GoTrue's email format on every route that takes an address,
 * /signup's order of checks, /verify's phone format check, /resend for a phone with nothing to send,
 * and the answers of SAML (not implemented) and Web3 (off unless GOTRUE_EXTERNAL_WEB3_*_ENABLED) as GoTrue gives them turned off.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestProject, versionHeaders, type TestProject } from '../helpers/project.js';

const send = (t: TestProject, method: 'POST' | 'PUT', url: string, payload: unknown, bearer?: string) =>
  t.app.inject({
    method,
    url,
    headers: { ...versionHeaders, ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    payload: JSON.stringify(payload),
  });

const assertError = (response: { statusCode: number; body: string; json(): { code?: string; message?: string; msg?: string } }, status: number, code: string, message: string) => {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.json().code, code, response.body);
  assert.equal(response.json().message ?? response.json().msg, message, response.body);
};

/** An address GoTrue refuses although it has an `@` and a dotted host. */
const malformed = 'xx:;x@x.x';

for (const engine of engines) {
  describe(`GoTrue's small behaviours (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, {
        GOTRUE_EXTERNAL_PHONE_ENABLED: 'true',
        GOTRUE_SMS_AUTOCONFIRM: 'true',
        GOTRUE_RATE_LIMIT_EMAIL_SENT: '100000',
        GOTRUE_RATE_LIMIT_OTP: '100000',
        GOTRUE_RATE_LIMIT_VERIFY: '100000',
      });
    });
    after(() => t.close());

    it(`refuses ${malformed} with "invalid format" everywhere GoTrue checks an address`, async () => {
      const admin = t.serviceRoleKey;
      const created = await send(t, 'POST', '/auth/v1/admin/users', { email: 'format-check@example.com' }, admin);
      assert.equal(created.statusCode, 200, created.body);
      const userId = created.json().id as string;
      const attempts: ReadonlyArray<readonly [string, 'POST' | 'PUT', string, unknown, string | undefined]> = [
        ['admin create', 'POST', '/auth/v1/admin/users', { email: malformed }, admin],
        ['admin update', 'PUT', `/auth/v1/admin/users/${userId}`, { email: malformed }, admin],
        ['invite', 'POST', '/auth/v1/invite', { email: malformed }, admin],
        ['generate_link', 'POST', '/auth/v1/admin/generate_link', { type: 'magiclink', email: malformed }, admin],
        ['signup', 'POST', '/auth/v1/signup', { email: malformed, password: 'long-enough-password' }, undefined],
        ['otp', 'POST', '/auth/v1/otp', { email: malformed }, undefined],
        ['magiclink', 'POST', '/auth/v1/magiclink', { email: malformed }, undefined],
        ['recover', 'POST', '/auth/v1/recover', { email: malformed }, undefined],
        ['resend', 'POST', '/auth/v1/resend', { type: 'signup', email: malformed }, undefined],
      ];
      for (const [name, method, url, payload, bearer] of attempts) {
        const response = await send(t, method, url, payload, bearer);
        assert.equal(response.statusCode, 400, `${name}: ${response.body}`);
        assert.equal(response.json().code, 'validation_failed', name);
        assert.equal(response.json().msg ?? response.json().message, 'Unable to validate email address: invalid format', name);
      }
      const users = await t.database.db.query<{ n: number }>(`select count(*)::int as n from auth.users where email = $1`, [malformed]);
      assert.equal(users[0].n, 0, 'no user has the malformed address');
    });

    it('accepts what GoTrue accepts: a host without a dot, and the special characters of a local part', async () => {
      for (const email of ['someone@localhost', "o'brien+tag!#$%&*/=?^_`{|}~-@Example.com"]) {
        const response = await send(t, 'POST', '/auth/v1/admin/users', { email }, t.serviceRoleKey);
        assert.equal(response.statusCode, 200, `${email}: ${response.body}`);
        assert.equal(response.json().email, email.toLowerCase());
      }
    });

    it('refuses an address longer than 255 characters with GoTrue\'s own message', async () => {
      const email = `${'a'.repeat(250)}@example.com`;
      const response = await send(t, 'POST', '/auth/v1/admin/users', { email }, t.serviceRoleKey);
      assertError(response, 400, 'validation_failed', 'An email address is too long');
    });

    it('POST /verify with a phone checks the number\'s format first', async () => {
      const badFormat = await send(t, 'POST', '/auth/v1/verify', { type: 'sms', phone: 'not-a-number', token: '123456' });
      assertError(badFormat, 400, 'validation_failed', 'Invalid phone number format (E.164 required)');
      const wellFormed = await send(t, 'POST', '/auth/v1/verify', { type: 'sms', phone: '+15555550123', token: '123456' });
      assertError(wellFormed, 403, 'otp_expired', 'Token has expired or is invalid');
      const badEmail = await send(t, 'POST', '/auth/v1/verify', { type: 'email', email: malformed, token: '123456' });
      assertError(badEmail, 422, 'validation_failed', 'Invalid email format');
    });

    it('POST /resend for a phone with nothing to send answers 200 {}', async () => {
      const unknown = await send(t, 'POST', '/auth/v1/resend', { type: 'sms', phone: '+15555550100' });
      assert.equal(unknown.statusCode, 200, unknown.body);
      assert.deepEqual(unknown.json(), {});
      const created = await send(t, 'POST', '/auth/v1/admin/users', { phone: '+15555550101', phone_confirm: true }, t.serviceRoleKey);
      assert.equal(created.statusCode, 200, created.body);
      const confirmed = await send(t, 'POST', '/auth/v1/resend', { type: 'sms', phone: '+1 555 555 0101' });
      assert.equal(confirmed.statusCode, 200, confirmed.body);
      assert.deepEqual(confirmed.json(), {});
      const noChange = await send(t, 'POST', '/auth/v1/resend', { type: 'phone_change', phone: '+15555550101' });
      assert.equal(noChange.statusCode, 200, noChange.body);
      assert.deepEqual(noChange.json(), {});
      const badFormat = await send(t, 'POST', '/auth/v1/resend', { type: 'sms', phone: 'not-a-number' });
      assertError(badFormat, 400, 'validation_failed', 'Invalid phone number format (E.164 required)');
      const both = await send(t, 'POST', '/auth/v1/resend', { type: 'sms', phone: '+15555550100', email: 'x@example.com' });
      assertError(both, 400, 'validation_failed', 'Only an email address or phone number should be provided.');
    });

    it('answers SAML and Web3 as GoTrue does with them turned off', async () => {
      const sso = await send(t, 'POST', '/auth/v1/sso', { domain: 'example.com' });
      assertError(sso, 404, 'saml_provider_disabled', 'SAML 2.0 is disabled');
      const metadata = await t.app.inject({ method: 'GET', url: '/auth/v1/sso/saml/metadata', headers: versionHeaders });
      assertError(metadata, 404, 'saml_provider_disabled', 'SAML 2.0 is disabled');
      const web3 = await send(t, 'POST', '/auth/v1/token?grant_type=web3', { chain: 'solana', message: 'm', signature: 's' });
      assertError(web3, 422, 'web3_provider_disabled', 'Web3 provider is disabled');
    });
  });

  describe(`/signup's order of checks (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_DISABLE_SIGNUP: 'true', GOTRUE_EXTERNAL_EMAIL_ENABLED: 'false' });
    });
    after(() => t.close());

    it('says sign-ups are disabled before it says the email provider is', async () => {
      const response = await send(t, 'POST', '/auth/v1/signup', { email: 'order@example.com', password: 'long-enough-password' });
      assertError(response, 422, 'signup_disabled', 'Signups not allowed for this instance');
    });
  });

  describe(`/resend for a phone with phone sign-in off (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine);
    });
    after(() => t.close());

    it('answers 400 phone_provider_disabled', async () => {
      const response = await send(t, 'POST', '/auth/v1/resend', { type: 'sms', phone: '+15555550100' });
      assertError(response, 400, 'phone_provider_disabled', 'Phone logins are disabled');
    });
  });
}
