/**
 * GET /reauthenticate as GoTrue serves it: a signed-in user with a confirmed address gets a mailed
 * nonce (GoTrue's subject and wording), stored hashed as GoTrue stores it; the per-user frequency limit,
 * the project's mail budget, and GoTrue's answers for users who cannot receive one.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestProject, signUpAnonymously, type TestProject } from '../helpers/project.js';
import { startMailingProject, type MailingProject, type SmtpServer } from '../helpers/smtp.js';
import { assertError, freshEmail, lastMailTo, nonceOf, reauthenticate, signUpWithPassword } from '../helpers/step-up.js';

async function smsOutbox(t: TestProject, phone: string): Promise<{ id: string; kind: string; recipient: string; channel: string; body: string }[]> {
  const response = await t.app.inject({ method: 'GET', url: `/auth/v1/admin/sms/outbox?phone=${phone}`, headers: { authorization: `Bearer ${t.serviceRoleKey}` } });
  assert.equal(response.statusCode, 200, response.body);
  return (response.json() as { messages: { id: string; kind: string; recipient: string; channel: string; body: string }[] }).messages.map(
    ({ id, kind, recipient, channel, body }) => ({ id, kind, recipient, channel, body }),
  );
}

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

    it('texts a phone-only user the nonce, stored as GoTrue stores it (422 phone_not_confirmed before the phone is confirmed)', async () => {
      const user = await signUpWithPassword(t, freshEmail('phone'), PASSWORD);
      const phone = `1555${String(process.pid).slice(-3).padStart(3, '0')}${engine === 'pglite' ? '1' : '2'}111`;
      await t.database.db.query(`update auth.users set email = null, email_confirmed_at = null, phone = $2 where id = $1`, [user.userId, phone]);
      assertError(await reauthenticate(t, user.accessToken), 422, 'phone_not_confirmed', 'Please verify your phone first.');
      await t.database.db.query('update auth.users set phone_confirmed_at = now() where id = $1', [user.userId]);
      const mailsBefore = smtp.mails.length;
      const response = await reauthenticate(t, user.accessToken);
      assert.equal(response.statusCode, 200, response.body);
      const texts = await smsOutbox(t, phone);
      assert.equal(texts.length, 1, 'one SMS');
      assert.deepEqual({ ...texts[0], id: 'x', body: 'x' }, { id: 'x', kind: 'reauthentication', recipient: phone, channel: 'sms', body: 'x' });
      // Without a provider the outbox row's id is the message id, as for every texted code.
      assert.deepEqual(response.json(), { message_id: texts[0].id });
      assert.equal(smtp.mails.length, mailsBefore, 'no mail');
      const nonce = /(\d{6})/.exec(texts[0].body)?.[1] ?? 'missing';
      const [row] = await t.database.db.query<{ token: string; sent: boolean }>(
        `select reauthentication_token as token, reauthentication_sent_at > now() - interval '1 minute' as sent from auth.users where id = $1`,
        [user.userId],
      );
      assert.equal(row.token, createHash('sha224').update(phone + nonce).digest('hex'), 'SHA-224 hex of phone + code');
      assert.equal(row.sent, true);
      assertError(await reauthenticate(t, user.accessToken), 429, 'over_sms_send_rate_limit', /^For security purposes, you can only request this after \d+ seconds\.$/);
      assert.equal((await smsOutbox(t, phone)).length, 1, 'nothing more sent');
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
}
