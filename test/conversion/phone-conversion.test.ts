/**
 * PUT /user {phone}: GoTrue's phone change for permanent and anonymous users, with codes in the outbox
 * (no provider) or applied at once under GOTRUE_SMS_AUTOCONFIRM; the number taken before or after the
 * request; resending the change's code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestProject, signUpAnonymously, type TestProject } from '../helpers/project.js';

const json = { 'content-type': 'application/json' };

const post = (t: TestProject, url: string, payload: object) => t.app.inject({ method: 'POST', url: `/auth/v1${url}`, headers: json, payload });
const putUser = (t: TestProject, token: string, payload: object) =>
  t.app.inject({ method: 'PUT', url: '/auth/v1/user', headers: { ...json, authorization: `Bearer ${token}` }, payload });

async function lastCode(t: TestProject, phone: string): Promise<{ kind: string; code: string; count: number }> {
  const response = await t.app.inject({ method: 'GET', url: `/auth/v1/admin/sms/outbox?phone=${phone}`, headers: { authorization: `Bearer ${t.serviceRoleKey}` } });
  const messages = (response.json() as { messages: { kind: string; body: string }[] }).messages;
  return { kind: messages[0]?.kind ?? 'none', code: /(\d{6})/.exec(messages[0]?.body ?? '')?.[1] ?? 'missing', count: messages.length };
}

/** A permanent user with an email and a password, signed in. */
async function emailUser(t: TestProject, email: string): Promise<{ id: string; token: string }> {
  const created = await t.app.inject({
    method: 'POST',
    url: '/auth/v1/admin/users',
    headers: { ...json, authorization: `Bearer ${t.serviceRoleKey}` },
    payload: { email, password: 'correct horse battery', email_confirm: true },
  });
  assert.equal(created.statusCode, 200, created.body);
  const login = await post(t, '/token?grant_type=password', { email, password: 'correct horse battery' });
  return { id: created.json().id, token: login.json().access_token };
}

for (const engine of engines) {
  describe(`phone change with SMS codes (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_EXTERNAL_PHONE_ENABLED: 'true', GOTRUE_SMS_MAX_FREQUENCY: '1ms' });
    });
    after(() => t.close());

    it('a permanent user adds a phone: a code to the new number, the number only after verification', async () => {
      const { id, token } = await emailUser(t, 'owner@example.com');
      const requested = await putUser(t, token, { phone: '+1 555 444 0001' });
      assert.equal(requested.statusCode, 200, requested.body);
      assert.equal(requested.json().phone, '');
      assert.equal(requested.json().new_phone, '15554440001');
      assert.ok(requested.json().phone_change_sent_at);
      const sms = await lastCode(t, '15554440001');
      assert.equal(sms.kind, 'phone_change');

      // The code answers only for the number it was sent to, and only as a phone_change.
      const asSignIn = await post(t, '/verify', { type: 'sms', phone: '15554440001', token: sms.code });
      assert.equal(asSignIn.statusCode, 403, asSignIn.body);

      const resent = await post(t, '/resend', { type: 'phone_change', email: 'owner@example.com' });
      assert.equal(resent.statusCode, 200, resent.body);
      const second = await lastCode(t, '15554440001');
      assert.equal(second.count, 2);

      const verified = await post(t, '/verify', { type: 'phone_change', phone: '+15554440001', token: second.code });
      assert.equal(verified.statusCode, 200, verified.body);
      const user = verified.json().user;
      assert.equal(user.id, id);
      assert.equal(user.email, 'owner@example.com');
      assert.equal(user.phone, '15554440001');
      assert.ok(user.phone_confirmed_at);
      assert.deepEqual(user.identities.map((identity: { provider: string }) => identity.provider).sort(), ['email', 'phone']);
      assert.deepEqual(user.app_metadata.providers, ['email', 'phone']);

      const byPhone = await post(t, '/token?grant_type=password', { phone: '15554440001', password: 'correct horse battery' });
      assert.equal(byPhone.statusCode, 200, byPhone.body);
    });

    it('moves a confirmed phone to a new number; resend by the current number reaches the new one', async () => {
      const login = await post(t, '/token?grant_type=password', { phone: '15554440001', password: 'correct horse battery' });
      const token = login.json().access_token as string;
      assert.equal((await putUser(t, token, { phone: '15554440002' })).statusCode, 200);
      const resent = await post(t, '/resend', { type: 'phone_change', phone: '15554440001' });
      assert.equal(resent.statusCode, 200, resent.body);
      const sms = await lastCode(t, '15554440002');
      assert.equal(sms.count, 2);
      const verified = await post(t, '/verify', { type: 'phone_change', phone: '15554440002', token: sms.code });
      assert.equal(verified.statusCode, 200, verified.body);
      assert.equal(verified.json().user.phone, '15554440002');
      const identity = verified.json().user.identities.find((entry: { provider: string }) => entry.provider === 'phone');
      assert.equal(identity.identity_data.phone, '15554440002');
      const old = await post(t, '/token?grant_type=password', { phone: '15554440001', password: 'correct horse battery' });
      assert.equal(old.statusCode, 400, 'the old number is no longer anyone’s');
    });

    it('refuses a number another user has, at the request and at the confirmation', async () => {
      const other = await emailUser(t, 'other@example.com');
      const taken = await putUser(t, other.token, { phone: '15554440002' });
      assert.equal(taken.statusCode, 422, taken.body);
      assert.equal(taken.json().error_code, 'phone_exists');

      const anon = await signUpAnonymously(t.app);
      assert.equal((await putUser(t, anon.access_token, { phone: '15554440003' })).statusCode, 200);
      const anonCode = (await lastCode(t, '15554440003')).code;
      assert.equal((await putUser(t, other.token, { phone: '15554440003' })).statusCode, 200, 'a pending change does not hold the number');
      const otherCode = await lastCode(t, '15554440003');
      const won = await post(t, '/verify', { type: 'phone_change', phone: '15554440003', token: otherCode.code });
      assert.equal(won.statusCode, 200, won.body);
      assert.equal(won.json().user.id, other.id, 'the latest change for a number is the one its code confirms');

      const lost = await post(t, '/verify', { type: 'phone_change', phone: '15554440003', token: anonCode });
      assert.equal(lost.statusCode, 422, lost.body);
      assert.equal(lost.json().error_code, 'phone_exists');
      const anonymousStill = await t.database.db.query<{ is_anonymous: boolean; phone: string | null }>(
        'select is_anonymous, phone from auth.users where id = $1',
        [anon.user.id],
      );
      assert.deepEqual({ ...anonymousStill[0] }, { is_anonymous: true, phone: null });
    });

    it('refuses whatsapp without Twilio, and a phone change answers 400 for it before anything is written', async () => {
      const anon = await signUpAnonymously(t.app);
      const refused = await putUser(t, anon.access_token, { phone: '15554440009', channel: 'whatsapp', data: { a: 1 } });
      assert.equal(refused.statusCode, 400, refused.body);
      assert.equal(refused.json().error_code, 'validation_failed');
      const meta = await t.database.db.query<{ meta: unknown }>('select raw_user_meta_data as meta from auth.users where id = $1', [anon.user.id]);
      assert.deepEqual(meta[0].meta, {});
    });
  });

  describe(`phone change under GOTRUE_SMS_AUTOCONFIRM (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_EXTERNAL_PHONE_ENABLED: 'true', GOTRUE_SMS_AUTOCONFIRM: 'true' });
    });
    after(() => t.close());

    it('applies the number at once, for permanent and anonymous users alike (GoTrue), without an SMS', async () => {
      const permanent = await emailUser(t, 'auto@example.com');
      const changed = await putUser(t, permanent.token, { phone: '15554450001' });
      assert.equal(changed.statusCode, 200, changed.body);
      assert.equal(changed.json().phone, '15554450001');
      assert.ok(changed.json().phone_confirmed_at);
      assert.deepEqual(changed.json().app_metadata.providers, ['email', 'phone']);

      const anon = await signUpAnonymously(t.app);
      const converted = await putUser(t, anon.access_token, { phone: '15554450002' });
      assert.equal(converted.statusCode, 200, converted.body);
      assert.equal(converted.json().id, anon.user.id);
      assert.equal(converted.json().is_anonymous, false);
      assert.equal(converted.json().phone, '15554450002');
      assert.equal((await lastCode(t, '15554450002')).count, 0);

      const otp = await post(t, '/otp', { phone: '15554450003' });
      assert.equal(otp.statusCode, 200, otp.body);
      assert.match(otp.json().message_id, /^[0-9a-f-]{36}$/, 'autoconfirmed at sign-up, then sent a sign-in code');
      const sms = await lastCode(t, '15554450003');
      assert.equal(sms.count, 1);
      const verified = await post(t, '/verify', { type: 'sms', phone: '15554450003', token: sms.code });
      assert.equal(verified.statusCode, 200, verified.body);
    });
  });
}
