/**
 * `auth.admin.generateLink` with the real client: every link type gives a link, a code and a hashed
 * token that /verify accepts, without a mail being sent; and what it refuses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { versionHeaders, type TestProject } from '../helpers/project.js';
import { makeClient } from '../helpers/server.js';
import { startMailingProject, type MailingProject, type SmtpServer } from '../helpers/smtp.js';

for (const engine of engines) {
  describe(`generated links with supabase-js (${engine})`, () => {
    let t: TestProject;
    let smtp: SmtpServer;
    let url: string;
    const admin = () => makeClient(url, t.serviceRoleKey).auth.admin;
    const anon = () => makeClient(url, t.anonKey).auth;

    let mailing: MailingProject;
    before(async () => {
      mailing = await startMailingProject(engine);
      ({ t, smtp, url } = mailing);
    });
    after(() => mailing.close());

    it('signup: a link and a code for a new user with a password; the code confirms and signs in; nothing is mailed', async () => {
      const email = `generated-${engine}@example.com`;
      const { data, error } = await admin().generateLink({
        type: 'signup',
        email,
        password: 'a generated password',
        options: { data: { plan: 'pro' }, redirectTo: 'http://app.test/welcome' },
      });
      assert.equal(error, null);
      const { properties, user } = data;
      assert.equal(properties.verification_type, 'signup');
      assert.equal(properties.redirect_to, 'http://app.test/welcome');
      assert.match(properties.email_otp, /^\d{6}$/);
      assert.match(properties.hashed_token, /^[0-9a-f]{56}$/);
      const link = new URL(properties.action_link);
      // Resolved against API_EXTERNAL_URL, as mailed links are (GOTRUE_MAILER_URLPATHS_*).
      assert.equal(link.pathname, '/verify');
      assert.deepEqual(
        [link.searchParams.get('token'), link.searchParams.get('type'), link.searchParams.get('redirect_to')],
        [properties.hashed_token, 'signup', 'http://app.test/welcome'],
      );
      assert.equal(user.email, email);
      assert.equal(user.email_confirmed_at, undefined);
      assert.equal(user.user_metadata.plan, 'pro');
      assert.equal(smtp.mails.length, 0, 'generate_link sends no mail');

      const verified = await anon().verifyOtp({ email, token: properties.email_otp, type: 'signup' });
      assert.equal(verified.error, null);
      assert.equal(verified.data.user?.id, user.id);
      assert.ok(verified.data.user?.email_confirmed_at);
      const login = await anon().signInWithPassword({ email, password: 'a generated password' });
      assert.equal(login.error, null);

      const again = await admin().generateLink({ type: 'signup', email, password: 'another password' });
      assert.equal(again.error?.code, 'email_exists');
    });

    it('magiclink and recovery for a known user: following the link signs in; recovery for an unknown address is 404', async () => {
      const email = `generated-${engine}@example.com`;
      const magic = await admin().generateLink({ type: 'magiclink', email });
      assert.equal(magic.error, null);
      assert.equal(magic.data.properties.verification_type, 'magiclink');
      const followed = await fetch(`${url}/auth/v1/verify${new URL(magic.data.properties.action_link).search}`, { redirect: 'manual' });
      assert.equal(followed.status, 303);
      const fragment = new URLSearchParams(new URL(followed.headers.get('location')!).hash.slice(1));
      assert.ok(fragment.get('access_token'), followed.headers.get('location') ?? '');

      const recovery = await admin().generateLink({ type: 'recovery', email });
      assert.equal(recovery.error, null);
      const recovered = await anon().verifyOtp({ type: 'recovery', token_hash: recovery.data.properties.hashed_token });
      assert.equal(recovered.error, null);
      assert.equal(recovered.data.user?.email, email);

      const unknown = await admin().generateLink({ type: 'recovery', email: 'nobody@example.com' });
      assert.equal(unknown.error?.code, 'user_not_found');
      assert.equal(unknown.error?.status, 404);
      // A magic link for a new address is a sign-up link (GoTrue), for a user with a password nobody knows.
      const newcomer = await admin().generateLink({ type: 'magiclink', email: `newcomer-${engine}@example.com` });
      assert.equal(newcomer.error, null);
      assert.equal(newcomer.data.properties.verification_type, 'signup');
      assert.equal(newcomer.data.user.email_confirmed_at, undefined);
    });

    it('invite: an invited user whose hashed token confirms and signs in', async () => {
      const email = `link-invitee-${engine}@example.com`;
      const invited = await admin().generateLink({ type: 'invite', email, options: { data: { team: 'red' } } });
      assert.equal(invited.error, null);
      assert.ok(invited.data.user.invited_at);
      assert.equal(invited.data.user.user_metadata.team, 'red');
      const verified = await anon().verifyOtp({ type: 'invite', token_hash: invited.data.properties.hashed_token });
      assert.equal(verified.error, null);
      assert.equal(verified.data.user?.id, invited.data.user.id);
    });

    it('email_change_current and email_change_new: confirming both moves the address', async () => {
      const email = `generated-${engine}@example.com`;
      const newEmail = `moved-${engine}@example.com`;
      const current = await admin().generateLink({ type: 'email_change_current', email, newEmail });
      assert.equal(current.error, null);
      const next = await admin().generateLink({ type: 'email_change_new', email, newEmail });
      assert.equal(next.error, null);
      assert.equal(next.data.user.new_email, newEmail);
      const first = await anon().verifyOtp({ type: 'email_change', token_hash: current.data.properties.hashed_token });
      assert.equal(first.error, null);
      const second = await anon().verifyOtp({ type: 'email_change', token_hash: next.data.properties.hashed_token });
      assert.equal(second.error, null);
      const [row] = await t.database.db.query<{ email: string }>(`select email from auth.users where id = $1`, [next.data.user.id]);
      assert.equal(row.email, newEmail);
      const taken = await admin().generateLink({ type: 'email_change_new', email: newEmail, newEmail: `link-invitee-${engine}@example.com` });
      assert.equal(taken.error?.code, 'email_exists');
    });

    it('refuses unknown types, bad bodies and callers without an admin role', async () => {
      const call = (key: string, body: string) =>
        fetch(`${url}/auth/v1/admin/generate_link`, { method: 'POST', headers: { ...versionHeaders, apikey: key, authorization: `Bearer ${key}` }, body });
      const cases: [string, number, string][] = [
        ['{"type": "teleport", "email": "a@example.com"}', 400, 'validation_failed'],
        ['{"type": "signup"}', 400, 'validation_failed'],
        ['{"type": "signup", "email": "a@example.com"}', 400, 'validation_failed'],
        ['{"type": "email_change_new", "email": "a@example.com", "new_email": "nope"}', 400, 'validation_failed'],
        ['{"type": 7, "email": "a@example.com"}', 400, 'validation_failed'],
        ['{"type": "signup", ', 400, 'bad_json'],
      ];
      for (const [body, status, code] of cases) {
        const response = await call(t.serviceRoleKey, body);
        assert.equal(response.status, status, body);
        assert.equal(((await response.json()) as { code: string }).code, code, body);
      }
      const notAdmin = await call(t.anonKey, '{"type": "signup", "email": "a@example.com", "password": "long enough password"}');
      assert.equal(notAdmin.status, 403);
      const users = await t.database.db.query(`select 1 from auth.users where email = 'a@example.com'`);
      assert.equal(users.length, 0);
    });
  });
}
