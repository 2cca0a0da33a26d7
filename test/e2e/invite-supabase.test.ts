/**
 * Invitations end to end with the real client and a real SMTP server: `auth.admin.inviteUserByEmail`
 * mails a link; following it confirms the address and signs the person in; they set a password and sign
 * in with it. Plus what an invitation refuses, and two invitations of one address at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { versionHeaders, type TestProject } from '../helpers/project.js';
import { makeClient } from '../helpers/server.js';
import { startMailingProject, verifyLinkOf, type MailingProject, type SmtpServer } from '../helpers/smtp.js';

for (const engine of engines) {
  describe(`invitations with supabase-js and real mail (${engine})`, () => {
    let t: TestProject;
    let smtp: SmtpServer;
    let url: string;
    const invite = (key: string, body: string) =>
      fetch(`${url}/auth/v1/invite`, { method: 'POST', headers: { ...versionHeaders, apikey: key, authorization: `Bearer ${key}` }, body });
    const usersWith = async (email: string) =>
      (await t.database.db.query<{ id: string }>(`select id::text as id from auth.users where email = $1`, [email])).map((row) => row.id);

    let mailing: MailingProject;
    before(async () => {
      mailing = await startMailingProject(engine, { GOTRUE_RATE_LIMIT_EMAIL_SENT: '1000' });
      ({ t, smtp, url } = mailing);
    });
    after(() => mailing.close());

    it('invites by email; the link confirms the address and signs in; a password set then works', async () => {
      const admin = makeClient(url, t.serviceRoleKey);
      const email = `invitee-${engine}@example.com`;
      const { data, error } = await admin.auth.admin.inviteUserByEmail(email, { data: { team: 'blue' }, redirectTo: 'http://app.test/welcome' });
      assert.equal(error, null);
      const invited = data.user!;
      assert.equal(invited.email, email);
      assert.ok(invited.invited_at && invited.confirmation_sent_at);
      assert.equal(invited.email_confirmed_at, undefined);
      assert.equal(invited.is_anonymous, false);
      assert.equal(invited.user_metadata.team, 'blue');
      assert.deepEqual(invited.identities?.map((identity) => identity.provider), ['email']);
      const [audit] = await t.database.db.query<{ traits: Record<string, unknown> }>(
        `select payload -> 'traits' as traits from auth.audit_log_entries where payload ->> 'action' = 'user_invited'`,
      );
      assert.deepEqual(audit.traits, { user_id: invited.id, user_email: email });

      const mail = smtp.mails.find((received) => received.to.includes(email));
      assert.ok(mail, 'the invitation was mailed');
      assert.match(mail.raw, /Subject: You have been invited/);
      const link = verifyLinkOf(mail.raw);
      assert.equal(link.searchParams.get('type'), 'invite');
      const followed = await fetch(`${url}/auth/v1/verify${link.search}`, { redirect: 'manual' });
      assert.equal(followed.status, 303);
      const landing = new URL(followed.headers.get('location')!);
      assert.equal(`${landing.origin}${landing.pathname}`, 'http://app.test/welcome');
      const fragment = new URLSearchParams(landing.hash.slice(1));
      assert.equal(fragment.get('type'), 'invite');

      const person = makeClient(url, t.anonKey);
      const session = await person.auth.setSession({ access_token: fragment.get('access_token')!, refresh_token: fragment.get('refresh_token')! });
      assert.equal(session.error, null);
      assert.equal(session.data.user?.id, invited.id);
      assert.ok(session.data.user?.email_confirmed_at, 'following the invitation confirms the address');
      const withPassword = await person.auth.updateUser({ password: 'a password of their own' });
      assert.equal(withPassword.error, null);
      const login = await makeClient(url, t.anonKey).auth.signInWithPassword({ email, password: 'a password of their own' });
      assert.equal(login.error, null);
      assert.equal(login.data.user?.id, invited.id);

      const again = await admin.auth.admin.inviteUserByEmail(email);
      assert.equal(again.error?.code, 'email_exists');
      assert.equal(again.error?.status, 422);
    });

    it('invites an address that has not confirmed yet again: same user, and only the newest link works', async () => {
      const admin = makeClient(url, t.serviceRoleKey);
      const email = `twice-${engine}@example.com`;
      const first = await admin.auth.admin.inviteUserByEmail(email);
      const firstLink = verifyLinkOf(smtp.mails.filter((mail) => mail.to.includes(email))[0].raw);
      const second = await admin.auth.admin.inviteUserByEmail(email);
      assert.equal(second.error, null);
      assert.equal(second.data.user?.id, first.data.user?.id);
      const mails = smtp.mails.filter((mail) => mail.to.includes(email));
      assert.equal(mails.length, 2);
      const stale = await fetch(`${url}/auth/v1/verify`, {
        method: 'POST',
        headers: { ...versionHeaders, apikey: t.anonKey },
        body: JSON.stringify({ type: 'invite', token_hash: firstLink.searchParams.get('token') }),
      });
      assert.equal(stale.status, 403);
      assert.equal(((await stale.json()) as { code: string }).code, 'otp_expired');
      const fresh = await makeClient(url, t.anonKey).auth.verifyOtp({ type: 'invite', token_hash: verifyLinkOf(mails[1].raw).searchParams.get('token')! });
      assert.equal(fresh.error, null);
      assert.equal(fresh.data.user?.id, first.data.user?.id);
    });

    it('refuses callers without an admin role and bad bodies with GoTrue\'s codes, never a 500', async () => {
      const notAdmin = await makeClient(url, t.anonKey).auth.admin.inviteUserByEmail('someone@example.com');
      assert.equal(notAdmin.error?.code, 'not_admin');
      assert.equal(notAdmin.error?.status, 403);
      const cases: [string, number, string][] = [
        ['{"email": ', 400, 'bad_json'],
        ['', 400, 'bad_json'],
        ['{}', 400, 'validation_failed'],
        ['{"email": 42}', 400, 'validation_failed'],
        ['{"email": "not-an-address"}', 400, 'validation_failed'],
        ['{"email": "x@example.com", "data": "not an object"}', 400, 'validation_failed'],
      ];
      for (const [body, status, code] of cases) {
        const response = await invite(t.serviceRoleKey, body);
        assert.equal(response.status, status, body);
        assert.equal(((await response.json()) as { code: string }).code, code, body);
      }
      assert.deepEqual(await usersWith('x@example.com'), []);
    });

    it('two invitations of a new address at once make one user; the other answers 200 or email_exists', async () => {
      const email = `race-${engine}@example.com`;
      const body = JSON.stringify({ email });
      const answers = await Promise.all([invite(t.serviceRoleKey, body), invite(t.serviceRoleKey, body)]);
      const statuses = answers.map((answer) => answer.status).sort();
      assert.ok(statuses[0] === 200 && (statuses[1] === 200 || statuses[1] === 422), statuses.join(','));
      assert.equal((await usersWith(email)).length, 1);
    });
  });
}
