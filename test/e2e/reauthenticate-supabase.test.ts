/**
 * Secure password change end to end with the real client and a real SMTP server: supabase-js's
 * updateUser is refused without a nonce once the session is older than a day, reauthenticate() mails
 * one, and updateUser({password, nonce}) (with current_password too, when required) changes the
 * password; the new password signs in and the nonce does not work twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { decodeJwt, type TestProject } from '../helpers/project.js';
import { makeClient } from '../helpers/server.js';
import { startMailingProject, type MailingProject, type SmtpServer } from '../helpers/smtp.js';
import { ageSession, freshEmail, lastMailTo, nonceOf } from '../helpers/step-up.js';

for (const engine of engines) {
  describe(`secure password change with supabase-js (${engine})`, () => {
    let mailing: MailingProject;
    let t: TestProject;
    let smtp: SmtpServer;
    let url: string;
    before(async () => {
      mailing = await startMailingProject(engine, {
        GOTRUE_MAILER_AUTOCONFIRM: 'true',
        GOTRUE_RATE_LIMIT_EMAIL_SENT: '1000',
        GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION: 'true',
        GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_CURRENT_PASSWORD: 'true',
      });
      ({ t, smtp, url } = mailing);
    });
    after(() => mailing.close());

    it('reauthenticate() mails a nonce and updateUser({password, nonce, current_password}) uses it once', async () => {
      const supabase = makeClient(url, t.anonKey);
      const email = freshEmail('e2e');
      const signedUp = await supabase.auth.signUp({ email, password: 'first-password-123' });
      assert.equal(signedUp.error, null);
      const session = signedUp.data.session;
      assert.ok(session);
      await ageSession(t, String(decodeJwt(session.access_token).session_id), '2 days');

      const refused = await supabase.auth.updateUser({ password: 'second-password-456', current_password: 'first-password-123' });
      assert.equal(refused.error?.code, 'reauthentication_needed');
      assert.equal(refused.error?.status, 400);

      const mailsBefore = smtp.mails.length;
      const reauthenticated = await supabase.auth.reauthenticate();
      assert.equal(reauthenticated.error, null);
      assert.equal(smtp.mails.length, mailsBefore + 1);
      const nonce = nonceOf(lastMailTo(smtp.mails, email));

      const wrongCurrent = await supabase.auth.updateUser({ password: 'second-password-456', nonce, current_password: 'not-it' });
      assert.equal(wrongCurrent.error?.code, 'current_password_invalid');

      const updated = await supabase.auth.updateUser({ password: 'second-password-456', nonce, current_password: 'first-password-123' });
      assert.equal(updated.error, null);
      assert.equal(updated.data.user?.email, email);

      const replayed = await supabase.auth.updateUser({ password: 'third-password-789', nonce, current_password: 'second-password-456' });
      assert.equal(replayed.error?.code, 'reauthentication_not_valid');
      assert.equal(replayed.error?.status, 422);

      const fresh = makeClient(url, t.anonKey);
      const signedIn = await fresh.auth.signInWithPassword({ email, password: 'second-password-456' });
      assert.equal(signedIn.error, null);
      const old = await fresh.auth.signInWithPassword({ email, password: 'first-password-123' });
      assert.equal(old.error?.code, 'invalid_credentials');
    });

    it('reauthenticate() of an anonymous user returns GoTrue\'s validation_failed', async () => {
      const supabase = makeClient(url, t.anonKey);
      assert.equal((await supabase.auth.signInAnonymously()).error, null);
      const { error } = await supabase.auth.reauthenticate();
      assert.equal(error?.code, 'validation_failed');
      assert.equal(error?.message, 'Reauthentication requires the user to have an email or a phone number');
    });
  });
}
