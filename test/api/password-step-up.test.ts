/**
 * PUT /user under GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION: a session older than 24 hours
 * changes its password only with the nonce GET /reauthenticate mailed; the nonce works once, for its own
 * user, within GOTRUE_MAILER_OTP_EXP, and is spent with the password change (not by a failed one).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { engines } from '../helpers/engines.js';
import { createTestProject, decodeJwt, TEST_JWT_SECRET, type TestProject } from '../helpers/project.js';
import { startMailingProject, type MailingProject, type SmtpServer } from '../helpers/smtp.js';
import {
  ageSession,
  assertError,
  freshEmail,
  lastMailTo,
  nonceOf,
  putUser,
  reauthenticate,
  signInWithPassword,
  signUpWithPassword,
  type SignedIn,
} from '../helpers/step-up.js';

const OLD = 'first-password-123';
const NEW = 'second-password-456';
const OTP_EXP_SECONDS = 600;

for (const engine of engines) {
  describe(`PUT /user with a nonce, reauthentication required (${engine})`, () => {
    let mailing: MailingProject;
    let t: TestProject;
    let smtp: SmtpServer;
    before(async () => {
      mailing = await startMailingProject(engine, {
        GOTRUE_MAILER_AUTOCONFIRM: 'true',
        GOTRUE_RATE_LIMIT_EMAIL_SENT: '1000',
        GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION: 'true',
        GOTRUE_MAILER_OTP_EXP: String(OTP_EXP_SECONDS),
        // Sign-ups and PUT /user count against it; its own test is below.
        GOTRUE_RATE_LIMIT_OTP: '100000',
      });
      ({ t, smtp } = mailing);
    });
    after(() => mailing.close());

    /** A user whose session began 25 hours ago. */
    async function oldSession(label: string): Promise<SignedIn> {
      const user = await signUpWithPassword(t, freshEmail(label), OLD);
      await ageSession(t, user.sessionId, '25 hours');
      return user;
    }

    async function mailedNonce(user: SignedIn): Promise<string> {
      const response = await reauthenticate(t, user.accessToken);
      assert.equal(response.statusCode, 200, response.body);
      return nonceOf(lastMailTo(smtp.mails, user.email));
    }

    const pendingToken = async (userId: string) =>
      (await t.database.db.query<{ token: string | null; sent: string | null }>(
        'select reauthentication_token as token, reauthentication_sent_at as sent from auth.users where id = $1',
        [userId],
      ))[0];

    it('refuses a password change without a nonce: 400 reauthentication_needed', async () => {
      const user = await oldSession('needed');
      assertError(await putUser(t, user.accessToken, { password: NEW }), 400, 'reauthentication_needed', 'Password update requires reauthentication');
      assertError(await putUser(t, user.accessToken, { password: NEW, nonce: '' }), 400, 'reauthentication_needed');
      assertError(await putUser(t, user.accessToken, { password: NEW, nonce: null }), 400, 'reauthentication_needed');
      assert.equal((await signInWithPassword(t, user.email, OLD)).statusCode, 200, 'the password is unchanged');
    });

    it('changes the password with the mailed nonce, spends it, and the new password signs in', async () => {
      const user = await oldSession('works');
      const nonce = await mailedNonce(user);
      const response = await putUser(t, user.accessToken, { password: NEW, nonce });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().reauthentication_sent_at, undefined, 'spent: nothing pending');
      const row = await pendingToken(user.userId);
      assert.ok(!row.token);
      assert.equal(row.sent, null);
      const tokens = await t.database.db.query(`select 1 from auth.one_time_tokens where user_id = $1 and token_type = 'reauthentication_token'`, [user.userId]);
      assert.equal(tokens.length, 0);
      assert.equal((await signInWithPassword(t, user.email, NEW)).statusCode, 200);
      assertError(await signInWithPassword(t, user.email, OLD), 400, 'invalid_credentials');
    });

    it('refuses a replayed nonce: 422 reauthentication_not_valid', async () => {
      const user = await oldSession('replay');
      const nonce = await mailedNonce(user);
      assert.equal((await putUser(t, user.accessToken, { password: NEW, nonce })).statusCode, 200);
      assertError(await putUser(t, user.accessToken, { password: 'third-password-789', nonce }), 422, 'reauthentication_not_valid', 'Nonce has expired or is invalid');
      assert.equal((await signInWithPassword(t, user.email, NEW)).statusCode, 200);
    });

    it('refuses a wrong nonce, and the right one still works afterwards', async () => {
      const user = await oldSession('wrong');
      const nonce = await mailedNonce(user);
      const wrong = nonce === '000000' ? '000001' : '000000';
      for (const attempt of [wrong, `${nonce}0`, nonce.slice(0, 5), ` ${nonce}`, 'x'.repeat(5000), 'é🙂', `${nonce}' or '1'='1`]) {
        assertError(await putUser(t, user.accessToken, { password: NEW, nonce: attempt }), 422, 'reauthentication_not_valid');
      }
      assert.equal((await signInWithPassword(t, user.email, OLD)).statusCode, 200);
      assert.equal((await putUser(t, user.accessToken, { password: NEW, nonce })).statusCode, 200);
    });

    it('changes a phone-only user\'s password with the texted nonce, which lives GOTRUE_SMS_OTP_EXP (60 s) and works once', async () => {
      const user = await oldSession('texted');
      const phone = `1555${String(process.pid).slice(-3).padStart(3, '0')}${engine === 'pglite' ? '3' : '4'}222`;
      await t.database.db.query(`update auth.users set email = null, phone = $2, phone_confirmed_at = now() where id = $1`, [user.userId, phone]);
      const textedNonce = async () => {
        assert.equal((await reauthenticate(t, user.accessToken)).statusCode, 200);
        const outbox = await t.app.inject({ method: 'GET', url: `/auth/v1/admin/sms/outbox?phone=${phone}`, headers: { authorization: `Bearer ${t.serviceRoleKey}` } });
        return /(\d{6})/.exec((outbox.json() as { messages: { body: string }[] }).messages[0]?.body ?? '')?.[1] ?? 'missing';
      };
      const stale = await textedNonce();
      await t.database.db.query(`update auth.users set reauthentication_sent_at = now() - interval '61 seconds' where id = $1`, [user.userId]);
      assertError(await putUser(t, user.accessToken, { password: NEW, nonce: stale }), 422, 'reauthentication_not_valid', 'Nonce has expired or is invalid');
      const nonce = await textedNonce();
      assert.equal((await putUser(t, user.accessToken, { password: NEW, nonce })).statusCode, 200);
      assertError(await putUser(t, user.accessToken, { password: 'third-password-789', nonce }), 422, 'reauthentication_not_valid');
    });

    it('refuses a nonce when none was sent', async () => {
      const user = await oldSession('none');
      assertError(await putUser(t, user.accessToken, { password: NEW, nonce: '123456' }), 422, 'reauthentication_not_valid');
    });

    it('refuses another user\'s nonce', async () => {
      const alice = await oldSession('alice');
      const bob = await oldSession('bob');
      const aliceNonce = await mailedNonce(alice);
      await mailedNonce(bob);
      assertError(await putUser(t, bob.accessToken, { password: NEW, nonce: aliceNonce }), 422, 'reauthentication_not_valid');
      assert.equal((await putUser(t, alice.accessToken, { password: NEW, nonce: aliceNonce })).statusCode, 200);
    });

    it('refuses a nonce older than GOTRUE_MAILER_OTP_EXP; one just within it works', async () => {
      const expired = await oldSession('expired');
      const expiredNonce = await mailedNonce(expired);
      await t.database.db.query(`update auth.users set reauthentication_sent_at = now() - make_interval(secs => $2) where id = $1`, [expired.userId, OTP_EXP_SECONDS + 2]);
      assertError(await putUser(t, expired.accessToken, { password: NEW, nonce: expiredNonce }), 422, 'reauthentication_not_valid');

      const fresh = await oldSession('within');
      const freshNonce = await mailedNonce(fresh);
      await t.database.db.query(`update auth.users set reauthentication_sent_at = now() - make_interval(secs => $2) where id = $1`, [fresh.userId, OTP_EXP_SECONDS - 30]);
      assert.equal((await putUser(t, fresh.accessToken, { password: NEW, nonce: freshNonce })).statusCode, 200);
    });

    it('no longer accepts a nonce once the address it was mailed to has changed', async () => {
      const user = await oldSession('moved');
      const nonce = await mailedNonce(user);
      await t.database.db.query(`update auth.users set email = $2 where id = $1`, [user.userId, freshEmail('moved-to')]);
      assertError(await putUser(t, user.accessToken, { password: NEW, nonce }), 422, 'reauthentication_not_valid');
    });

    it('keeps the nonce when the change it allowed fails (same password), so it can be used for a real one', async () => {
      const user = await oldSession('same');
      const nonce = await mailedNonce(user);
      assertError(await putUser(t, user.accessToken, { password: OLD, nonce }), 422, 'same_password');
      assert.ok((await pendingToken(user.userId)).token, 'still pending');
      assert.equal((await putUser(t, user.accessToken, { password: NEW, nonce })).statusCode, 200);
    });

    it('lets exactly one of two concurrent changes spend a nonce', async () => {
      const user = await oldSession('concurrent');
      const nonce = await mailedNonce(user);
      const answers = await Promise.all([
        putUser(t, user.accessToken, { password: 'concurrent-one-111', nonce }),
        putUser(t, user.accessToken, { password: 'concurrent-two-222', nonce }),
      ]);
      assert.deepEqual(answers.map((answer) => answer.statusCode).sort(), [200, 422], answers.map((answer) => answer.body).join('\n'));
    });

    it('exempts a session that began within 24 hours (GoTrue measures from the session\'s start), and ignores its nonce', async () => {
      const user = await signUpWithPassword(t, freshEmail('recent'), OLD);
      await ageSession(t, user.sessionId, '23 hours 59 minutes');
      assert.equal((await putUser(t, user.accessToken, { password: NEW, nonce: 'not-even-a-code' })).statusCode, 200);

      const later = await signUpWithPassword(t, freshEmail('just-old'), OLD);
      await ageSession(t, later.sessionId, '24 hours 1 minute');
      assertError(await putUser(t, later.accessToken, { password: NEW }), 400, 'reauthentication_needed');
    });

    it('asks a token without a session for the nonce, however new the token', async () => {
      const user = await signUpWithPassword(t, freshEmail('sessionless'), OLD);
      const claims = decodeJwt(user.accessToken);
      delete claims.session_id;
      const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(TEST_JWT_SECRET));
      assertError(await putUser(t, token, { password: NEW }), 400, 'reauthentication_needed');
      const nonce = await mailedNonce(user);
      assert.equal((await putUser(t, token, { password: NEW, nonce })).statusCode, 200);
    });

    it('a refreshed token keeps its session\'s start: refreshing does not make an old session recent', async () => {
      const signedUp = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/signup',
        headers: { 'content-type': 'application/json' },
        payload: { email: freshEmail('refreshed'), password: OLD },
      });
      const session = signedUp.json() as { refresh_token: string; access_token: string };
      const user = await t.database.db.query<{ session_id: string }>(`select session_id from auth.refresh_tokens where token = $1`, [session.refresh_token]);
      await ageSession(t, user[0].session_id, '25 hours');
      const refreshed = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=refresh_token',
        headers: { 'content-type': 'application/json' },
        payload: { refresh_token: session.refresh_token },
      });
      assert.equal(refreshed.statusCode, 200, refreshed.body);
      assertError(await putUser(t, refreshed.json().access_token, { password: NEW }), 400, 'reauthentication_needed');
    });

    it('asks no nonce for changes other than the password', async () => {
      const user = await oldSession('metadata');
      const response = await putUser(t, user.accessToken, { data: { theme: 'dark' } });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().user_metadata.theme, 'dark');
    });

    it('answers malformed bodies with 400, never 500', async () => {
      const user = await oldSession('malformed');
      for (const payload of [{ password: NEW, nonce: 123456 }, { password: NEW, nonce: ['123456'] }, { password: NEW, nonce: { code: 1 } }, { password: NEW, current_password: 5 }]) {
        assertError(await putUser(t, user.accessToken, payload), 400, 'validation_failed');
      }
      assertError(await putUser(t, user.accessToken, '{"password": "x", "nonce": '), 400, 'bad_json');
      assertError(await putUser(t, user.accessToken, { password: NEW, nonce: 'a\u0000b' }), 400, 'validation_failed');
    });
  });

  describe(`PUT /user guesses bounded by GOTRUE_RATE_LIMIT_OTP (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, {
        GOTRUE_MAILER_AUTOCONFIRM: 'true',
        GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION: 'true',
        GOTRUE_RATE_LIMIT_OTP: '4/5m',
      });
    });
    after(() => t.close());

    it('answers 429 over_request_rate_limit once the client\'s PUT /user budget is spent', async () => {
      const user = await signUpWithPassword(t, freshEmail('guesser'), OLD);
      await ageSession(t, user.sessionId, '25 hours');
      for (const guess of ['000000', '000001', '000002']) {
        assertError(await putUser(t, user.accessToken, { password: NEW, nonce: guess }), 422, 'reauthentication_not_valid');
      }
      const refused = await putUser(t, user.accessToken, { password: NEW, nonce: '000003' });
      assertError(refused, 429, 'over_request_rate_limit');
      assert.ok(Number(refused.headers['retry-after']) > 0);
    });
  });

  describe(`PUT /user password, reauthentication not required (default) (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_MAILER_AUTOCONFIRM: 'true' });
    });
    after(() => t.close());

    it('changes the password of an old session without a nonce, ignoring one given', async () => {
      assert.equal(t.project.deps.config.updatePasswordRequireReauthentication, false);
      const user = await signUpWithPassword(t, freshEmail('off'), OLD);
      await ageSession(t, user.sessionId, '30 days');
      assert.equal((await putUser(t, user.accessToken, { password: NEW, nonce: '999999' })).statusCode, 200);
      assert.equal((await signInWithPassword(t, user.email, NEW)).statusCode, 200);
    });
  });
}
