/**
 * Phone sign-up and sign-in with codes, as GoTrue does them, with SMS kept in the outbox (no provider):
 * sign-up confirmation, sign-in codes, verification and its refusals (wrong, expired, replayed, brute
 * forced), GOTRUE_SMS_* settings, GOTRUE_SMS_TEST_OTP, the per-user frequency and the instance-wide
 * GOTRUE_RATE_LIMIT_SMS_SENT, and numbers in wrong shapes on every phone endpoint.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestProject, type TestProject } from '../helpers/project.js';

const json = { 'content-type': 'application/json' };

interface OutboxSms {
  kind: string;
  recipient: string;
  channel: string;
  body: string;
}

const post = (t: TestProject, url: string, payload: object) => t.app.inject({ method: 'POST', url: `/auth/v1${url}`, headers: json, payload });

async function outbox(t: TestProject, phone?: string): Promise<OutboxSms[]> {
  const query = phone ? `?phone=${encodeURIComponent(phone)}` : '';
  const response = await t.app.inject({ method: 'GET', url: `/auth/v1/admin/sms/outbox${query}`, headers: { authorization: `Bearer ${t.serviceRoleKey}` } });
  assert.equal(response.statusCode, 200, response.body);
  return (response.json() as { messages: OutboxSms[] }).messages;
}

const codeOf = (sms: OutboxSms | undefined): string => /(\d{6,10})/.exec(sms?.body ?? '')?.[1] ?? 'missing';

const verifySms = (t: TestProject, phone: string, token: string, type = 'sms') => post(t, '/verify', { type, phone, token });

function assertError(response: { statusCode: number; body: string }, status: number, code: string, msg?: string | RegExp) {
  assert.equal(response.statusCode, status, response.body);
  const body = JSON.parse(response.body) as { error_code: string; msg: string };
  assert.equal(body.error_code, code, response.body);
  if (typeof msg === 'string') assert.equal(body.msg, msg);
  else if (msg) assert.match(body.msg, msg);
}

/** Moves the user's last code back in time, as if `seconds` had passed. */
const age = (t: TestProject, phone: string, seconds: number) =>
  t.database.db.query(
    `with u as (update auth.users set confirmation_sent_at = confirmation_sent_at - make_interval(secs => $2),
                  phone_change_sent_at = phone_change_sent_at - make_interval(secs => $2)
                 where phone = $1 or phone_change = $1 returning id)
     update auth.one_time_tokens set created_at = created_at - make_interval(secs => $2) where user_id in (select id from u)`,
    [phone, seconds],
  );

for (const engine of engines) {
  describe(`phone sign-up and sign-in with codes (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_EXTERNAL_PHONE_ENABLED: 'true', GOTRUE_RATE_LIMIT_VERIFY: '1000', GOTRUE_RATE_LIMIT_OTP: '1000' });
    });
    after(() => t.close());

    it('signUp({phone, password}) texts a confirmation code; verifying it confirms the phone and signs in', async () => {
      const signup = await post(t, '/signup', { phone: '+1 555 000 0001', password: 'correct horse battery', data: { nick: 'p1' } });
      assert.equal(signup.statusCode, 200, signup.body);
      const user = signup.json();
      assert.equal(user.phone, '15550000001');
      assert.equal(user.phone_confirmed_at, undefined);
      assert.ok(user.confirmation_sent_at);
      const texts = await outbox(t, '+15550000001');
      assert.equal(texts.length, 1);
      const { kind, recipient, channel } = texts[0];
      assert.deepEqual({ kind, recipient, channel }, { kind: 'confirmation', recipient: '15550000001', channel: 'sms' });
      assert.match(texts[0].body, /^Your code is \d{6}$/);

      const early = await post(t, '/token?grant_type=password', { phone: '15550000001', password: 'correct horse battery' });
      assertError(early, 400, 'phone_not_confirmed', 'Phone not confirmed');

      const verified = await verifySms(t, '+15550000001', codeOf(texts[0]));
      assert.equal(verified.statusCode, 200, verified.body);
      assert.equal(verified.json().user.id, user.id);
      assert.ok(verified.json().user.phone_confirmed_at);
      assert.equal(verified.json().user.identities[0].identity_data.phone_verified, true);

      const login = await post(t, '/token?grant_type=password', { phone: '+15550000001', password: 'correct horse battery' });
      assert.equal(login.statusCode, 200, login.body);
      assertError(await verifySms(t, '15550000001', codeOf(texts[0])), 403, 'otp_expired', 'Token has expired or is invalid');
    });

    it('a second sign-up of the number: a confirmed one looks sent, an unconfirmed one gets a new code', async () => {
      const again = await post(t, '/signup', { phone: '15550000001', password: 'another password' });
      assert.equal(again.statusCode, 200, again.body);
      assert.notEqual(again.json().id, undefined);
      assert.equal((await outbox(t, '15550000001')).length, 1, 'no SMS to a confirmed number');

      const first = await post(t, '/signup', { phone: '15550000002', password: 'correct horse battery' });
      const tooSoon = await post(t, '/signup', { phone: '15550000002', password: 'correct horse battery' });
      assertError(tooSoon, 429, 'over_sms_send_rate_limit', /^For security purposes, you can only request this after (59|60) seconds\.$/);
      await age(t, '15550000002', 61);
      const resent = await post(t, '/signup', { phone: '15550000002', password: 'someone else' });
      assert.equal(resent.statusCode, 200, resent.body);
      assert.notEqual(resent.json().id, first.json().id, 'the answer does not reveal the account');
      const texts = await outbox(t, '15550000002');
      assert.equal(texts.length, 2);
      if (codeOf(texts[1]) !== codeOf(texts[0])) {
        // A new code replaces the old one.
        assertError(await verifySms(t, '15550000002', codeOf(texts[1])), 403, 'otp_expired', 'Token has expired or is invalid');
      }
      const verified = await verifySms(t, '15550000002', codeOf(texts[0]));
      assert.equal(verified.statusCode, 200, verified.body);
      assert.equal(verified.json().user.id, first.json().id);
    });

    it('signInWithOtp: a new number signs up ({}), a confirmed one gets a sign-in code (message_id)', async () => {
      const signUp = await post(t, '/otp', { phone: '+15550000003', data: { from: 'otp' } });
      assert.equal(signUp.statusCode, 200, signUp.body);
      assert.deepEqual(signUp.json(), {});
      const [confirmation] = await outbox(t, '15550000003');
      const first = await verifySms(t, '15550000003', codeOf(confirmation));
      assert.equal(first.statusCode, 200, first.body);
      assert.deepEqual(first.json().user.user_metadata, { from: 'otp' });

      // GOTRUE_SMS_MAX_FREQUENCY counts from the confirmation code, as in GoTrue.
      assertError(await post(t, '/otp', { phone: '15550000003' }), 429, 'over_sms_send_rate_limit');
      await age(t, '15550000003', 61);
      const signIn = await post(t, '/otp', { phone: '15550000003', create_user: false });
      assert.equal(signIn.statusCode, 200, signIn.body);
      assert.match(signIn.json().message_id, /^[0-9a-f-]{36}$/, 'the outbox row is the message');
      const [code] = await outbox(t, '15550000003');
      const second = await verifySms(t, '15550000003', codeOf(code));
      assert.equal(second.statusCode, 200, second.body);
      assert.equal(second.json().user.id, first.json().user.id);
      assert.equal(second.json().user.last_sign_in_at !== undefined, true);
    });

    it('refuses what GoTrue refuses before anything is sent', async () => {
      assertError(await post(t, '/otp', { phone: '15550000099', create_user: false }), 422, 'otp_disabled', 'Signups not allowed for otp');
      assertError(await post(t, '/otp', { phone: '15550000099', email: 'a@example.com' }), 400, 'validation_failed', 'Only an email address or phone number should be provided');
      assertError(await post(t, '/otp', { email: 'a@example.com', channel: 'sms' }), 400, 'validation_failed', 'Channel should only be specified with Phone OTP');
      assertError(await post(t, '/magiclink', { phone: '15550000099' }), 422, 'validation_failed', 'Password recovery requires an email');
      for (const channel of ['whatsapp', 'telegram']) {
        assertError(await post(t, '/otp', { phone: '15550000099', channel }), 400, 'validation_failed', /^Invalid channel, supported values are 'sms' or 'whatsapp'/);
        assertError(await post(t, '/signup', { phone: '15550000099', password: 'correct horse battery', channel }), 400, 'validation_failed', /^Invalid channel/);
      }
      const challenge = 'a'.repeat(43);
      assertError(
        await post(t, '/signup', { phone: '15550000099', password: 'correct horse battery', code_challenge: challenge, code_challenge_method: 's256' }),
        400,
        'validation_failed',
        'PKCE not supported for phone signups',
      );
      assertError(await post(t, '/verify', { type: 'sms', token_hash: 'abc' }), 400, 'validation_failed', 'Invalid email verification type');
      assertError(await post(t, '/verify', { type: 'signup', phone: '15550000001', token: '123456' }), 403, 'otp_expired');
      const users = await t.database.db.query<{ n: number }>(`select count(*)::int as n from auth.users where phone = '15550000099'`);
      assert.equal(users[0].n, 0);
      assert.equal((await outbox(t, '15550000099')).length, 0);
    });

    it('answers numbers in wrong shapes with GoTrue’s 400 on every phone endpoint', async () => {
      const anon = await post(t, '/signup', {});
      const token = anon.json().access_token as string;
      for (const phone of ['abc', '+0123456789', '1234567890123456', '+1 (555) 000-0001', '+', '1', '٣٣٣٣٣٣']) {
        const message = 'Invalid phone number format (E.164 required)';
        assertError(await post(t, '/otp', { phone }), 400, 'validation_failed', message);
        assertError(await post(t, '/signup', { phone, password: 'correct horse battery' }), 400, 'validation_failed', message);
        assertError(await post(t, '/verify', { type: 'sms', phone, token: '123456' }), 400, 'validation_failed', message);
        assertError(await post(t, '/resend', { type: 'sms', phone }), 400, 'validation_failed', message);
        const put = await t.app.inject({ method: 'PUT', url: '/auth/v1/user', headers: { ...json, authorization: `Bearer ${token}` }, payload: { phone } });
        assertError(put, 400, 'validation_failed', message);
      }
      assert.equal((await outbox(t)).filter((sms) => !/^1555/.test(sms.recipient)).length, 0, 'nothing sent');
    });

    it('refuses an expired code (GOTRUE_SMS_OTP_EXP, 60 s by default)', async () => {
      await post(t, '/otp', { phone: '15550000004' });
      const [sms] = await outbox(t, '15550000004');
      await age(t, '15550000004', 61);
      assertError(await verifySms(t, '15550000004', codeOf(sms)), 403, 'otp_expired', 'Token has expired or is invalid');
    });

    it('resend: a new confirmation code for an unconfirmed number, nothing for a confirmed one', async () => {
      await post(t, '/otp', { phone: '15550000005' });
      await age(t, '15550000005', 61);
      const resent = await post(t, '/resend', { type: 'sms', phone: '+15550000005' });
      assert.equal(resent.statusCode, 200, resent.body);
      assert.match(resent.json().message_id, /^[0-9a-f-]{36}$/);
      const texts = await outbox(t, '15550000005');
      assert.equal(texts.length, 2);
      assert.equal((await verifySms(t, '15550000005', codeOf(texts[0]))).statusCode, 200);
      await age(t, '15550000005', 61);
      const confirmed = await post(t, '/resend', { type: 'sms', phone: '15550000005' });
      assert.deepEqual(confirmed.json(), {});
      assert.equal((await outbox(t, '15550000005')).length, 2);
    });

    it('GET /settings names the provider (none: "")', async () => {
      const settings = await t.app.inject({ method: 'GET', url: '/auth/v1/settings' });
      assert.equal(settings.json().sms_provider, '');
      assert.equal(settings.json().external.phone, true);
    });
  });

  describe(`phone codes under limits (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, {
        GOTRUE_EXTERNAL_PHONE_ENABLED: 'true',
        GOTRUE_RATE_LIMIT_VERIFY: '5',
        GOTRUE_RATE_LIMIT_SMS_SENT: '3',
        GOTRUE_RATE_LIMIT_OTP: '1000',
        // Counters in the database on both engines: on the embedded one the SMS budget is then counted
        // inside the request's transaction, which holds its only connection.
        FOYER_RATE_LIMIT_STORE: 'postgres',
        GOTRUE_SMS_TEMPLATE: 'Foyer: {{.Code}} is your code',
        GOTRUE_SMS_OTP_LENGTH: '8',
        GOTRUE_SMS_TEST_OTP: '+1 555 111 0001:424242, 15551110002:131313',
      });
    });
    after(() => t.close());

    it('GOTRUE_SMS_TEMPLATE and GOTRUE_SMS_OTP_LENGTH shape the text', async () => {
      assert.equal((await post(t, '/otp', { phone: '15552220001' })).statusCode, 200);
      const [sms] = await outbox(t, '15552220001');
      assert.match(sms.body, /^Foyer: \d{8} is your code$/);
    });

    it('GOTRUE_SMS_TEST_OTP: no SMS, message_id test-otp, the fixed code verifies (again and again)', async () => {
      const sent = await post(t, '/otp', { phone: '+15551110001' });
      assert.equal(sent.statusCode, 200, sent.body);
      assert.deepEqual(sent.json(), {}, 'a sign-up answers {}');
      assert.equal((await outbox(t, '15551110001')).length, 0);
      assertError(await verifySms(t, '15551110001', '000000'), 403, 'otp_expired');
      const first = await verifySms(t, '15551110001', '424242');
      assert.equal(first.statusCode, 200, first.body);
      await age(t, '15551110001', 61);
      const again = await post(t, '/otp', { phone: '15551110001' });
      assert.deepEqual(again.json(), { message_id: 'test-otp' });
      const second = await verifySms(t, '15551110001', '424242');
      assert.equal(second.statusCode, 200, second.body);
      assert.equal(second.json().user.id, first.json().user.id);
    });

    it('GOTRUE_RATE_LIMIT_SMS_SENT caps SMS for the instance (test numbers aside); over it nothing is made', async () => {
      // The template test above sent one; two more fill the budget of 3.
      assert.equal((await post(t, '/otp', { phone: '15552220002' })).statusCode, 200);
      assert.equal((await post(t, '/otp', { phone: '15552220003' })).statusCode, 200);
      const over = await post(t, '/otp', { phone: '15552220004' });
      assertError(over, 429, 'over_sms_send_rate_limit', 'SMS rate limit exceeded');
      const users = await t.database.db.query<{ n: number }>(`select count(*)::int as n from auth.users where phone = '15552220004'`);
      assert.equal(users[0].n, 0, 'the sign-up rolled back');
      assert.equal((await post(t, '/otp', { phone: '15551110002' })).statusCode, 200, 'test numbers send nothing, so count nothing');
    });

  });

  describe(`guessing codes (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_EXTERNAL_PHONE_ENABLED: 'true', GOTRUE_RATE_LIMIT_VERIFY: '5' });
    });
    after(() => t.close());

    it('GOTRUE_RATE_LIMIT_VERIFY stops guessing: five wrong codes, then even the right one is refused', async () => {
      assert.equal((await post(t, '/otp', { phone: '15552220009' })).statusCode, 200);
      const code = codeOf((await outbox(t, '15552220009'))[0]);
      const wrong = code === '000000' ? '111111' : '000000';
      for (let attempt = 0; attempt < 5; attempt += 1) {
        assertError(await verifySms(t, '15552220009', wrong), 403, 'otp_expired', 'Token has expired or is invalid');
      }
      const limited = await verifySms(t, '15552220009', code);
      assertError(limited, 429, 'over_request_rate_limit', 'Request rate limit reached');
      assert.ok(Number(limited.headers['retry-after']) > 0);
      const rows = await t.database.db.query<{ confirmed: boolean }>(`select phone_confirmed_at is not null as confirmed from auth.users where phone = '15552220009'`);
      assert.deepEqual([...rows], [{ confirmed: false }]);
    });
  });

  describe(`GOTRUE_SMS_TEST_OTP after GOTRUE_SMS_TEST_OTP_VALID_UNTIL (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, {
        GOTRUE_EXTERNAL_PHONE_ENABLED: 'true',
        GOTRUE_SMS_TEST_OTP: '15551110003:424242',
        GOTRUE_SMS_TEST_OTP_VALID_UNTIL: '2020-01-01T00:00:00Z',
      });
    });
    after(() => t.close());

    it('the number is an ordinary one again: a real code is sent, the fixed one is refused', async () => {
      assert.equal((await post(t, '/otp', { phone: '15551110003' })).statusCode, 200);
      const [sms] = await outbox(t, '15551110003');
      assert.ok(sms, 'a real SMS');
      if (codeOf(sms) !== '424242') assertError(await verifySms(t, '15551110003', '424242'), 403, 'otp_expired');
      assert.equal((await verifySms(t, '15551110003', codeOf(sms))).statusCode, 200);
    });
  });

  describe(`phone sign-in with sign-ups off, or phone off (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_EXTERNAL_PHONE_ENABLED: 'true', GOTRUE_DISABLE_SIGNUP: 'true' });
    });
    after(() => t.close());

    it('refuses a new number, and phone endpoints say when phone sign-in is off', async () => {
      assertError(await post(t, '/otp', { phone: '15553330001' }), 422, 'signup_disabled', 'Signups not allowed for this instance');
      assert.equal((await outbox(t)).length, 0);
    });
  });
}
