/**
 * The admin API's support additions (issue 19): users by kind (a pending conversion, an invitation not
 * accepted), by identity provider and sorted; a stuck conversion mailed again or confirmed by an
 * administrator; magic link / recovery / invitation sent to a user; when and how a user converted; and
 * the same kinds in GET /admin/stats and /metrics.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestProject, decodeJwt, signUpAnonymously, versionHeaders, type TestProject } from '../helpers/project.js';

interface User {
  id: string;
  email: string;
  new_email?: string;
  email_change_sent_at?: string;
  is_anonymous: boolean;
}

function admin(t: TestProject, method: 'GET' | 'POST', url: string, payload?: unknown) {
  return t.app.inject({
    method,
    url: `/auth/v1${url}`,
    headers: { authorization: `Bearer ${t.serviceRoleKey}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
  });
}

async function list(t: TestProject, query: string): Promise<{ ids: string[]; emails: string[]; total: number }> {
  const response = await admin(t, 'GET', `/admin/users?${query}`);
  assert.equal(response.statusCode, 200, response.body);
  const users = (response.json() as { users: User[] }).users;
  return { ids: users.map((u) => u.id), emails: users.map((u) => u.email), total: Number(response.headers['x-total-count']) };
}

async function outbox(t: TestProject, email: string): Promise<{ kind: string; text_body: string }[]> {
  const response = await admin(t, 'GET', `/admin/mail/outbox?email=${encodeURIComponent(email)}`);
  return (response.json() as { messages: { kind: string; text_body: string }[] }).messages;
}

const linkIn = (text: string): URL => new URL(/https?:\/\/\S+/.exec(text)?.[0] ?? 'missing:');

/** An anonymous user who asked to convert to `email` and has not confirmed. */
async function pendingConversion(t: TestProject, email: string) {
  const anon = await signUpAnonymously(t.app);
  const requested = await t.app.inject({
    method: 'PUT',
    url: '/auth/v1/user',
    headers: { ...versionHeaders, authorization: `Bearer ${anon.access_token}` },
    payload: { email, password: 'correct horse battery' },
  });
  assert.equal(requested.statusCode, 200, requested.body);
  return anon;
}

async function stats(t: TestProject) {
  const response = await admin(t, 'GET', '/admin/stats');
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as { totals: { users: Record<string, number>; conversions: { total: number; by_method: Record<string, number> } } };
}

for (const engine of engines) {
  describe(`admin support: users by kind, pending conversions, mails (${engine})`, () => {
    let t: TestProject;
    let stuck: string;
    let plainAnonymous: string;
    before(async () => {
      // A resend interval of a minute, GoTrue's default: the administrator's resend is not held to it.
      t = await createTestProject(engine, { GOTRUE_SMTP_MAX_FREQUENCY: '60s', API_EXTERNAL_URL: 'http://localhost:9999/auth/v1' });
      plainAnonymous = (await signUpAnonymously(t.app)).user.id;
      stuck = (await pendingConversion(t, 'stuck@example.com')).user.id;
      const invited = await admin(t, 'POST', '/invite', { email: 'invitee@example.com' });
      assert.equal(invited.statusCode, 200, invited.body);
      const created = await admin(t, 'POST', '/admin/users', { email: 'aaron@example.com', email_confirm: true, password: 'a long password here' });
      assert.equal(created.statusCode, 200, created.body);
    });
    after(() => t.close());

    it('lists each kind on its own: anonymous, pending_conversion, invited, permanent', async () => {
      assert.deepEqual((await list(t, 'kind=anonymous')).ids, [plainAnonymous]);
      assert.deepEqual((await list(t, 'kind=pending_conversion')).ids, [stuck]);
      assert.deepEqual((await list(t, 'kind=invited')).emails, ['invitee@example.com']);
      assert.deepEqual((await list(t, 'kind=permanent')).emails, ['aaron@example.com']);
      // GoTrue's is_anonymous keeps its meaning: the pending conversion is still anonymous.
      assert.equal((await list(t, 'is_anonymous=true')).total, 2);
      const bad = await admin(t, 'GET', '/admin/users?kind=robots');
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error_code, 'validation_failed');
    });

    it('finds a pending conversion by its id prefix and by the address awaiting confirmation', async () => {
      assert.deepEqual((await list(t, `filter=${stuck.slice(0, 8)}`)).ids, [stuck]);
      assert.deepEqual((await list(t, 'filter=stuck@')).ids, [stuck]);
    });

    it('filters by identity provider and sorts by email, last sign-in or creation; refuses other sort fields', async () => {
      assert.deepEqual((await list(t, 'provider=email&sort=email%20asc')).emails, ['aaron@example.com', 'invitee@example.com']);
      assert.deepEqual((await list(t, 'provider=email&sort=email%20desc')).emails, ['invitee@example.com', 'aaron@example.com']);
      assert.equal((await list(t, 'provider=google')).total, 0);
      const oldest = await list(t, 'sort=created_at%20asc');
      assert.equal(oldest.ids[0], plainAnonymous);
      assert.equal((await list(t, 'sort=last_sign_in_at')).total, 4);
      for (const sort of ['password', 'email%20sideways', 'email%20asc%20more']) {
        const response = await admin(t, 'GET', `/admin/users?sort=${sort}`);
        assert.equal(response.statusCode, 400, sort);
        assert.equal(response.json().error_code, 'validation_failed');
        assert.match(response.json().msg, /Bad Sort Parameters/);
      }
      // The filters survive in the Link header, as supabase-js pages on.
      const paged = await admin(t, 'GET', '/admin/users?per_page=1&kind=invited&sort=email%20asc');
      assert.match(String(paged.headers.link), /kind=invited&sort=email\+asc/);
    });

    it('counts the kinds in the stats and /metrics', async () => {
      const { totals } = await stats(t);
      assert.deepEqual(totals.users, { anonymous: 1, pending_conversion: 1, permanent: 1, invited: 1 });
      const metrics = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${t.serviceRoleKey}` } });
      for (const kind of ['anonymous', 'pending_conversion', 'permanent', 'invited']) {
        assert.match(metrics.body, new RegExp(`foyer_users\\{[^}]*kind="${kind}"[^}]*\\} 1`), kind);
      }
    });

    it('mails the pending address again at once; the new link converts the user; the first link no longer works', async () => {
      const first = (await outbox(t, 'stuck@example.com')).at(0);
      assert.equal(first?.kind, 'email_change');
      const resent = await admin(t, 'POST', `/admin/users/${stuck}/pending_email/resend`);
      assert.equal(resent.statusCode, 200, resent.body);
      assert.equal(resent.json().new_email, 'stuck@example.com');
      const mails = await outbox(t, 'stuck@example.com');
      assert.equal(mails.length, 2);
      const stale = await t.app.inject({ method: 'GET', url: `/auth/v1/verify${linkIn(first!.text_body).search}` });
      assert.match(String(stale.headers.location), /error/, 'the first link stopped working');
      const latest = mails.find((mail) => mail.text_body !== first!.text_body)!;
      const followed = await t.app.inject({ method: 'GET', url: `/auth/v1/verify${linkIn(latest.text_body).search}` });
      assert.equal(followed.statusCode, 303);
      const token = new URLSearchParams(new URL(String(followed.headers.location)).hash.slice(1)).get('access_token');
      assert.equal(decodeJwt(token!).is_anonymous, false);
      const conversion = await admin(t, 'GET', `/admin/users/${stuck}/conversion`);
      assert.equal(conversion.json().method, 'email');
      assert.ok(Date.parse(conversion.json().converted_at) > 0);
      assert.equal((await stats(t)).totals.users.pending_conversion, 0);
    });

    it('confirms a pending address as the administrator: permanent, method admin, audited', async () => {
      const anon = await pendingConversion(t, 'confirm-me@example.com');
      const confirmed = await admin(t, 'POST', `/admin/users/${anon.user.id}/pending_email/confirm`);
      assert.equal(confirmed.statusCode, 200, confirmed.body);
      const user = confirmed.json() as User & { email_confirmed_at?: string; new_email?: string };
      assert.equal(user.email, 'confirm-me@example.com');
      assert.equal(user.is_anonymous, false);
      assert.ok(user.email_confirmed_at);
      assert.equal(user.new_email, undefined);
      assert.equal((await admin(t, 'GET', `/admin/users/${anon.user.id}/conversion`)).json().method, 'admin');
      const audited = await t.database.db.query<{ n: number }>(
        `select count(*)::int as n from auth.audit_log_entries where payload->>'action' = 'pending_email_confirmed' and payload->'traits'->>'user_id' = $1`,
        [anon.user.id],
      );
      assert.equal(audited[0].n, 1);
      // The user signs in with the password they chose when asking to convert.
      const signIn = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=password',
        headers: versionHeaders,
        payload: { email: 'confirm-me@example.com', password: 'correct horse battery' },
      });
      assert.equal(signIn.statusCode, 200, signIn.body);
    });

    it('refuses a user with nothing pending (400), an unknown or malformed id (404), and an address taken meanwhile (422 email_exists)', async () => {
      for (const action of ['resend', 'confirm']) {
        const none = await admin(t, 'POST', `/admin/users/${plainAnonymous}/pending_email/${action}`);
        assert.equal(none.statusCode, 400, none.body);
        assert.equal(none.json().error_code, 'validation_failed');
        for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
          const missing = await admin(t, 'POST', `/admin/users/${id}/pending_email/${action}`);
          assert.equal(missing.statusCode, 404);
          assert.equal(missing.json().error_code, 'user_not_found');
        }
      }
      const anon = await pendingConversion(t, 'contested@example.com');
      await admin(t, 'POST', '/admin/users', { email: 'contested@example.com', email_confirm: true });
      const taken = await admin(t, 'POST', `/admin/users/${anon.user.id}/pending_email/confirm`);
      assert.equal(taken.statusCode, 422);
      assert.equal(taken.json().error_code, 'email_exists');
    });

    it('sends a magic link, a recovery and an invitation to a user, and refuses other types or a user without an address', async () => {
      const aaron = (await list(t, 'filter=aaron')).ids[0];
      const before = (await outbox(t, 'aaron@example.com')).length;
      const magic = await admin(t, 'POST', `/admin/users/${aaron}/mail`, { type: 'magiclink' });
      assert.equal(magic.statusCode, 200, magic.body);
      assert.deepEqual(magic.json(), { sent_to: 'aaron@example.com' });
      assert.equal((await outbox(t, 'aaron@example.com')).length, before + 1);
      const invitee = (await list(t, 'kind=invited')).ids[0];
      // An invitation not accepted can be sent again (the resend interval counts from the first).
      const reinvite = await admin(t, 'POST', `/admin/users/${invitee}/mail`, { type: 'invite' });
      assert.ok([200, 429].includes(reinvite.statusCode), reinvite.body);
      for (const type of ['signup', 'email_change', '']) {
        const bad = await admin(t, 'POST', `/admin/users/${aaron}/mail`, { type });
        assert.equal(bad.statusCode, 400, type);
        assert.equal(bad.json().error_code, 'validation_failed');
      }
      const noAddress = await admin(t, 'POST', `/admin/users/${plainAnonymous}/mail`, { type: 'recovery' });
      assert.equal(noAddress.statusCode, 400);
      const anonKey = await t.app.inject({
        method: 'POST',
        url: `/auth/v1/admin/users/${aaron}/mail`,
        headers: { authorization: `Bearer ${t.anonKey}`, 'content-type': 'application/json' },
        payload: { type: 'magiclink' },
      });
      assert.equal(anonKey.statusCode, 403, 'the anon key cannot send mail as the administrator');
    });
  });
}
