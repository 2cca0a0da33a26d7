/**
 * GET /reauthenticate as GoTrue serves it: a signed-in user with a confirmed address gets a mailed
 * nonce (GoTrue's subject and wording), a phone-only user a texted one, stored hashed as GoTrue stores
 * it; the per-user frequency limits, the project's mail budget, and GoTrue's answers for users who
 * cannot receive one; a texted nonce changes the password once, within GOTRUE_SMS_OTP_EXP.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestProject, decodeJwt, signUpAnonymously, type TestProject } from '../helpers/project.js';
import { startMailingProject, type MailingProject, type SmtpServer } from '../helpers/smtp.js';
import { freshPhone, lastSmsTo, smsCode } from '../helpers/mfa-phone.js';
import { ageSession, assertError, freshEmail, lastMailTo, nonceOf, putUser, reauthenticate, signUpWithPassword } from '../helpers/step-up.js';

const PASSWORD = 'first-password-123';

for (const engine of engines) {
  describe(`GET /reauthenticate (${engine})`, () => {
    let mailing: MailingProject;
    let t: TestProject;
    let smtp: SmtpServer;
    before(async () => {
      mailing = await startMailingProject(engine, { GOTRUE_MAILER_AUTOCONFIRM: 'true', GOTRUE_RATE_LIMIT_EMAIL_SENT: '1000', GOTRUE_RATE_LIMIT_OTP: '100000' });
      ({ t, smtp } = mailing);
    });
    after(() => mailing.close());

    it('mails a 6-digit nonce with GoTrue\'s subject and stores only its hash, as GoTrue does', async () => {
      const email = freshEmail('mailed');
      const user = await signUpWithPassword(t, email, PASSWORD);
      const before = smtp.mails.length;
      const response = await reauthenticate(t, user.accessToken);
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(response.json(), {});
      assert.equal(smtp.mails.length, before + 1, 'one mail');
      const mail = lastMailTo(smtp.mails, email);
      const nonce = nonceOf(mail);
      assert.match(mail.raw, /Your verification code/);
      assert.match(mail.raw, /Use the code below to verify your identity\. It expires shortly\./);

      const [row] = await t.database.db.query<{ token: string; sent: boolean }>(
        'select reauthentication_token as token, reauthentication_sent_at > now() - interval \'1 minute\' as sent from auth.users where id = $1',
        [user.userId],
      );
      assert.equal(row.token, createHash('sha224').update(email + nonce).digest('hex'), 'SHA-224 hex of address + code');
      assert.equal(row.sent, true);
      const tokens = await t.database.db.query<{ token_hash: string; relates_to: string }>(
        `select token_hash, relates_to from auth.one_time_tokens where user_id = $1 and token_type = 'reauthentication_token'`,
        [user.userId],
      );
      assert.deepEqual([...tokens], [{ token_hash: row.token, relates_to: email }]);
      const audit = await t.database.db.query<{ action: string; log_type: string }>(
        `select payload->>'action' as action, payload->>'log_type' as log_type from auth.audit_log_entries where payload->>'actor_id' = $1 and payload->>'action' = 'user_reauthenticate_requested'`,
        [user.userId],
      );
      assert.deepEqual([...audit], [{ action: 'user_reauthenticate_requested', log_type: 'user' }]);

      const me = await t.app.inject({ method: 'GET', url: '/auth/v1/user', headers: { authorization: `Bearer ${user.accessToken}` } });
      assert.ok(me.json().reauthentication_sent_at, 'GET /user shows when the nonce was sent');
    });

    it('answers at the root and per project too', async () => {
      const user = await signUpWithPassword(t, freshEmail('root'), PASSWORD);
      const response = await t.app.inject({ method: 'GET', url: '/reauthenticate', headers: { authorization: `Bearer ${user.accessToken}` } });
      assert.equal(response.statusCode, 200, response.body);
    });

    it('refuses a second nonce within GOTRUE_SMTP_MAX_FREQUENCY (60 s) and sends nothing; later a new one replaces the first', async () => {
      const email = freshEmail('frequent');
      const user = await signUpWithPassword(t, email, PASSWORD);
      assert.equal((await reauthenticate(t, user.accessToken)).statusCode, 200);
      const first = nonceOf(lastMailTo(smtp.mails, email));
      const mailsBefore = smtp.mails.length;
      assertError(await reauthenticate(t, user.accessToken), 429, 'over_email_send_rate_limit', /^For security purposes, you can only request this after (59|60) seconds\.$/);
      assert.equal(smtp.mails.length, mailsBefore, 'no mail');

      await t.database.db.query(`update auth.users set reauthentication_sent_at = now() - interval '61 seconds' where id = $1`, [user.userId]);
      assert.equal((await reauthenticate(t, user.accessToken)).statusCode, 200);
      const second = nonceOf(lastMailTo(smtp.mails, email));
      const [row] = await t.database.db.query<{ token: string }>('select reauthentication_token as token from auth.users where id = $1', [user.userId]);
      assert.equal(row.token, createHash('sha224').update(email + second).digest('hex'));
      if (first !== second) assert.notEqual(row.token, createHash('sha224').update(email + first).digest('hex'));
    });

    it('mails one nonce when two requests race', async () => {
      const email = freshEmail('race');
      const user = await signUpWithPassword(t, email, PASSWORD);
      const before = smtp.mails.length;
      const answers = await Promise.all([reauthenticate(t, user.accessToken), reauthenticate(t, user.accessToken)]);
      assert.deepEqual(answers.map((answer) => answer.statusCode).sort(), [200, 429]);
      assert.equal(smtp.mails.length, before + 1);
    });

    it('answers an anonymous user with GoTrue\'s 400 validation_failed', async () => {
      const session = await signUpAnonymously(t.app);
      assertError(await reauthenticate(t, session.access_token), 400, 'validation_failed', 'Reauthentication requires the user to have an email or a phone number');
    });

    it('answers an unconfirmed address with 422 email_not_confirmed', async () => {
      const user = await signUpWithPassword(t, freshEmail('unconfirmed'), PASSWORD);
      await t.database.db.query('update auth.users set email_confirmed_at = null where id = $1', [user.userId]);
      assertError(await reauthenticate(t, user.accessToken), 422, 'email_not_confirmed', 'Please verify your email first.');
    });

    it('answers a phone-only user: 422 phone_not_confirmed, or, confirmed, texts the nonce (no mail)', async () => {
      const user = await signUpWithPassword(t, freshEmail('phone'), PASSWORD);
      const phone = freshPhone();
      await t.database.db.query(`update auth.users set email = null, email_confirmed_at = null, phone = $2 where id = $1`, [user.userId, phone]);
      assertError(await reauthenticate(t, user.accessToken), 422, 'phone_not_confirmed', 'Please verify your phone first.');
      await t.database.db.query('update auth.users set phone_confirmed_at = now() where id = $1', [user.userId]);
      const before = smtp.mails.length;
      const response = await reauthenticate(t, user.accessToken);
      assert.equal(response.statusCode, 200, response.body);
      const sms = await lastSmsTo(t.database.db, phone);
      assert.equal(sms.kind, 'reauthentication');
      assert.match(sms.body, /^Your code is \d{6}$/);
      const [outbox] = await t.database.db.query<{ id: string }>('select id from auth.foyer_sms_outbox where recipient = $1', [phone]);
      assert.deepEqual(response.json(), { message_id: outbox.id }, 'GoTrue answers the message id of an SMS');
      assert.equal(smtp.mails.length, before, 'no mail');
      const [row] = await t.database.db.query<{ token: string }>('select reauthentication_token as token from auth.users where id = $1', [user.userId]);
      assert.equal(row.token, createHash('sha224').update(phone + smsCode(sms.body)).digest('hex'), 'SHA-224 hex of phone + code');
    });

    it('mails (and does not text) a user who has both a confirmed address and a phone, as GoTrue', async () => {
      const email = freshEmail('both');
      const user = await signUpWithPassword(t, email, PASSWORD);
      const phone = freshPhone();
      await t.database.db.query('update auth.users set phone = $2, phone_confirmed_at = now() where id = $1', [user.userId, phone]);
      assert.deepEqual((await reauthenticate(t, user.accessToken)).json(), {});
      nonceOf(lastMailTo(smtp.mails, email));
      assert.equal((await t.database.db.query('select 1 from auth.foyer_sms_outbox where recipient = $1', [phone])).length, 0);
    });

    it('needs a valid Bearer token', async () => {
      assertError(await reauthenticate(t), 401, 'no_authorization');
      assertError(await reauthenticate(t, 'not-a-jwt'), 403, 'bad_jwt');
    });
  });

  describe(`GET /reauthenticate over GOTRUE_RATE_LIMIT_EMAIL_SENT (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_MAILER_AUTOCONFIRM: 'true', GOTRUE_RATE_LIMIT_EMAIL_SENT: '1/1h' });
    });
    after(() => t.close());

    it('answers 429 over_email_send_rate_limit and keeps no nonce', async () => {
      const first = await signUpWithPassword(t, freshEmail('budget-a'), PASSWORD);
      const second = await signUpWithPassword(t, freshEmail('budget-b'), PASSWORD);
      assert.equal((await reauthenticate(t, first.accessToken)).statusCode, 200);
      assertError(await reauthenticate(t, second.accessToken), 429, 'over_email_send_rate_limit', 'Email rate limit exceeded');
      const [row] = await t.database.db.query<{ token: string | null; sent: string | null }>(
        'select reauthentication_token as token, reauthentication_sent_at as sent from auth.users where id = $1',
        [second.userId],
      );
      assert.ok(!row.token);
      assert.equal(row.sent, null);
    });
  });

  describe(`a texted nonce changes a phone-only user's password (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, {
        GOTRUE_EXTERNAL_PHONE_ENABLED: 'true',
        GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION: 'true',
        GOTRUE_RATE_LIMIT_OTP: '100000',
      });
    });
    after(() => t.close());

    const phoneUser = async () => {
      const phone = freshPhone();
      const created = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/admin/users',
        headers: { authorization: `Bearer ${t.serviceRoleKey}` },
        payload: { phone, password: PASSWORD, phone_confirm: true },
      });
      assert.equal(created.statusCode, 200, created.body);
      const signedIn = await t.app.inject({ method: 'POST', url: '/auth/v1/token?grant_type=password', payload: { phone, password: PASSWORD } });
      assert.equal(signedIn.statusCode, 200, signedIn.body);
      const accessToken = signedIn.json().access_token as string;
      await ageSession(t, String(decodeJwt(accessToken).session_id), '2 days');
      return { phone, userId: created.json().id as string, accessToken };
    };
    const signInWith = (phone: string, password: string) =>
      t.app.inject({ method: 'POST', url: '/auth/v1/token?grant_type=password', payload: { phone, password } });

    it('needs the nonce; a wrong one is refused; the texted one works once; the new password signs in', async () => {
      const { phone, userId, accessToken } = await phoneUser();
      assertError(await putUser(t, accessToken, { password: 'second-password-456' }), 400, 'reauthentication_needed');
      assert.equal((await reauthenticate(t, accessToken)).statusCode, 200);
      const nonce = smsCode((await lastSmsTo(t.database.db, phone)).body);
      const tokens = await t.database.db.query<{ relates_to: string }>(
        `select relates_to from auth.one_time_tokens where user_id = $1 and token_type = 'reauthentication_token'`,
        [userId],
      );
      assert.deepEqual([...tokens], [{ relates_to: phone }]);
      const wrong = nonce === '000000' ? '111111' : '000000';
      assertError(await putUser(t, accessToken, { password: 'second-password-456', nonce: wrong }), 422, 'reauthentication_not_valid', 'Nonce has expired or is invalid');
      const changed = await putUser(t, accessToken, { password: 'second-password-456', nonce });
      assert.equal(changed.statusCode, 200, changed.body);
      assertError(await putUser(t, accessToken, { password: 'third-password-789', nonce }), 422, 'reauthentication_not_valid');
      assert.equal((await signInWith(phone, 'second-password-456')).statusCode, 200);
      assert.equal((await signInWith(phone, PASSWORD)).statusCode, 400);
    });

    it('one SMS per GOTRUE_SMS_MAX_FREQUENCY (429 over_sms_send_rate_limit); a nonce older than GOTRUE_SMS_OTP_EXP (60 s) is refused', async () => {
      const { phone, userId, accessToken } = await phoneUser();
      assert.equal((await reauthenticate(t, accessToken)).statusCode, 200);
      assertError(await reauthenticate(t, accessToken), 429, 'over_sms_send_rate_limit', /^For security purposes, you can only request this after (59|60) seconds\.$/);
      assert.equal((await t.database.db.query('select 1 from auth.foyer_sms_outbox where recipient = $1', [phone])).length, 1);
      const nonce = smsCode((await lastSmsTo(t.database.db, phone)).body);
      await t.database.db.query(`update auth.users set reauthentication_sent_at = now() - interval '61 seconds' where id = $1`, [userId]);
      assertError(await putUser(t, accessToken, { password: 'second-password-456', nonce }), 422, 'reauthentication_not_valid');
    });
  });
}
