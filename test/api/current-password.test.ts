/**
 * PUT /user under GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_CURRENT_PASSWORD: a user who has a password
 * gives it as current_password to set a new one, unless the session began with a mailed link or code
 * (GoTrue's "recovery" sessions: otp, magiclink, recovery).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { engines } from '../helpers/engines.js';
import { decodeJwt, TEST_JWT_SECRET, versionHeaders, type TestProject } from '../helpers/project.js';
import { startMailingProject, verifyLinkOf, type MailingProject, type SmtpServer } from '../helpers/smtp.js';
import { assertError, freshEmail, lastMailTo, putUser, signInWithPassword, signUpWithPassword } from '../helpers/step-up.js';

const OLD = 'first-password-123';
const NEW = 'second-password-456';

for (const engine of engines) {
  describe(`PUT /user with current_password required (${engine})`, () => {
    let mailing: MailingProject;
    let t: TestProject;
    let smtp: SmtpServer;
    before(async () => {
      mailing = await startMailingProject(engine, {
        GOTRUE_MAILER_AUTOCONFIRM: 'true',
        GOTRUE_RATE_LIMIT_EMAIL_SENT: '1000',
        GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_CURRENT_PASSWORD: 'true',
      });
      ({ t, smtp } = mailing);
    });
    after(() => mailing.close());

    it('refuses a new password without current_password: 400 current_password_required', async () => {
      const user = await signUpWithPassword(t, freshEmail('missing'), OLD);
      const message = 'Current password required when setting new password.';
      assertError(await putUser(t, user.accessToken, { password: NEW }), 400, 'current_password_required', message);
      assertError(await putUser(t, user.accessToken, { password: NEW, current_password: '' }), 400, 'current_password_required', message);
      assertError(await putUser(t, user.accessToken, { password: NEW, current_password: null }), 400, 'current_password_required', message);
    });

    it('refuses a wrong current_password: 400 current_password_invalid, password unchanged', async () => {
      const user = await signUpWithPassword(t, freshEmail('wrong'), OLD);
      assertError(await putUser(t, user.accessToken, { password: NEW, current_password: 'not-the-password' }), 400, 'current_password_invalid', 'Current password required when setting new password.');
      assert.equal((await signInWithPassword(t, user.email, OLD)).statusCode, 200);
    });

    it('changes the password with the right current_password', async () => {
      const user = await signUpWithPassword(t, freshEmail('right'), OLD);
      assert.equal((await putUser(t, user.accessToken, { password: NEW, current_password: OLD })).statusCode, 200);
      assert.equal((await signInWithPassword(t, user.email, NEW)).statusCode, 200);
    });

    it('asks none in a session that began with a recovery link (the password is forgotten)', async () => {
      const email = freshEmail('recovery');
      await signUpWithPassword(t, email, OLD);
      const recover = await t.app.inject({ method: 'POST', url: '/auth/v1/recover', headers: versionHeaders, payload: { email } });
      assert.equal(recover.statusCode, 200, recover.body);
      const link = verifyLinkOf(lastMailTo(smtp.mails, email).raw);
      const verified = await t.app.inject({ method: 'GET', url: `/auth/v1/verify${link.search}` });
      assert.equal(verified.statusCode, 303, verified.body);
      const fragment = new URLSearchParams(new URL(verified.headers.location as string).hash.slice(1));
      const accessToken = fragment.get('access_token') as string;
      assert.ok(accessToken);
      assert.equal((await putUser(t, accessToken, { password: NEW })).statusCode, 200);
      assert.equal((await signInWithPassword(t, email, NEW)).statusCode, 200);
    });

    it('asks none of a user who has no password', async () => {
      const user = await signUpWithPassword(t, freshEmail('passwordless'), OLD);
      await t.database.db.query(`update auth.users set encrypted_password = '' where id = $1`, [user.userId]);
      assert.equal((await putUser(t, user.accessToken, { password: NEW })).statusCode, 200);
    });

    it('asks it of a token without a session', async () => {
      const user = await signUpWithPassword(t, freshEmail('sessionless'), OLD);
      const claims = decodeJwt(user.accessToken);
      delete claims.session_id;
      const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(TEST_JWT_SECRET));
      assertError(await putUser(t, token, { password: NEW }), 400, 'current_password_required');
      assert.equal((await putUser(t, token, { password: NEW, current_password: OLD })).statusCode, 200);
    });

    it('asks none for changes other than the password', async () => {
      const user = await signUpWithPassword(t, freshEmail('metadata'), OLD);
      assert.equal((await putUser(t, user.accessToken, { data: { a: 1 }, current_password: 'ignored' })).statusCode, 200);
    });
  });
}
