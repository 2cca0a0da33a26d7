import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestProject, decodeJwt, signUpAnonymously, versionHeaders, type TestProject } from '../helpers/project.js';

interface OutboxMessage {
  recipient: string;
  subject: string;
  text_body: string;
  kind: string;
}

async function outbox(t: TestProject, email: string): Promise<OutboxMessage[]> {
  const response = await t.app.inject({
    method: 'GET',
    url: `/auth/v1/admin/mail/outbox?email=${encodeURIComponent(email)}`,
    headers: { authorization: `Bearer ${t.serviceRoleKey}` },
  });
  assert.equal(response.statusCode, 200, response.body);
  return (response.json() as { messages: OutboxMessage[] }).messages;
}

const linkIn = (text: string): URL => new URL(/https?:\/\/\S+/.exec(text)?.[0] ?? 'missing:');
const codeIn = (text: string): string => /code: (\d{6})/.exec(text)?.[1] ?? 'missing';

const putUser = (t: TestProject, token: string, payload: unknown, query = '') =>
  t.app.inject({ method: 'PUT', url: `/auth/v1/user${query}`, headers: { ...versionHeaders, authorization: `Bearer ${token}` }, payload: payload as object });

for (const engine of engines) {
  describe(`email conversion of anonymous users (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_SMTP_MAX_FREQUENCY: '0s', API_EXTERNAL_URL: 'http://localhost:9999/auth/v1' });
    });
    after(() => t.close());

    it('mails only the new address, then the link converts the same user id', async () => {
      const anon = await signUpAnonymously(t.app);
      const email = `keep-${anon.user.id.slice(0, 8)}@example.com`;
      const requested = await putUser(t, anon.access_token, { email, password: 'correct horse battery' });
      assert.equal(requested.statusCode, 200, requested.body);
      const pending = requested.json();
      assert.equal(pending.email, '');
      assert.equal(pending.new_email, email);
      assert.equal(pending.is_anonymous, true);

      const mails = await outbox(t, email);
      assert.equal(mails.length, 1);
      assert.equal(mails[0].kind, 'email_change');
      const link = linkIn(mails[0].text_body);
      assert.equal(link.pathname, '/verify');
      assert.equal(link.searchParams.get('type'), 'email_change');

      const followed = await t.app.inject({ method: 'GET', url: `/auth/v1/verify${link.search}` });
      assert.equal(followed.statusCode, 303);
      const location = new URL(followed.headers.location as string);
      assert.equal(location.origin, 'http://localhost:3000');
      const fragment = new URLSearchParams(location.hash.slice(1));
      const accessToken = fragment.get('access_token') as string;
      assert.ok(accessToken, location.toString());
      assert.equal(decodeJwt(accessToken).is_anonymous, false);
      assert.equal(decodeJwt(accessToken).sub, anon.user.id);

      const me = await t.app.inject({ method: 'GET', url: '/auth/v1/user', headers: { authorization: `Bearer ${accessToken}` } });
      const user = me.json();
      assert.equal(user.id, anon.user.id);
      assert.equal(user.email, email);
      assert.equal(user.is_anonymous, false);
      assert.ok(user.email_confirmed_at);
      assert.equal(user.identities.length, 1);
      assert.equal(user.identities[0].provider, 'email');
      assert.deepEqual(user.app_metadata, { provider: 'email', providers: ['email'] });

      // The old session still exists; its next refresh says the user is permanent now.
      const refreshed = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=refresh_token',
        headers: versionHeaders,
        payload: { refresh_token: anon.refresh_token },
      });
      assert.equal(refreshed.statusCode, 200, refreshed.body);
      assert.equal(decodeJwt(refreshed.json().access_token).is_anonymous, false);

      const login = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=password',
        headers: versionHeaders,
        payload: { email, password: 'correct horse battery' },
      });
      assert.equal(login.statusCode, 200, login.body);
      assert.equal(login.json().user.id, anon.user.id);

      const audit = await t.database.db.query<{ n: number }>(
        `select count(*)::int as n from auth.audit_log_entries where payload->>'action' = 'user_converted' and payload->>'actor_id' = $1`,
        [anon.user.id],
      );
      assert.equal(audit[0].n, 1);

      const reused = await t.app.inject({ method: 'GET', url: `/auth/v1/verify${link.search}` });
      assert.equal(new URL(reused.headers.location as string).searchParams.get('error_code'), 'otp_expired');
    });

    it('verifies the mailed code through POST /verify as well', async () => {
      const anon = await signUpAnonymously(t.app);
      const email = `code-${anon.user.id.slice(0, 8)}@example.com`;
      assert.equal((await putUser(t, anon.access_token, { email })).statusCode, 200);
      const code = codeIn((await outbox(t, email))[0].text_body);
      const wrong = await t.app.inject({
        method: 'POST', url: '/auth/v1/verify', headers: versionHeaders, payload: { type: 'email_change', email, token: code === '000000' ? '111111' : '000000' },
      });
      assert.equal(wrong.statusCode, 403);
      assert.equal(wrong.json().code, 'otp_expired');
      const verified = await t.app.inject({ method: 'POST', url: '/auth/v1/verify', headers: versionHeaders, payload: { type: 'email_change', email, token: code } });
      assert.equal(verified.statusCode, 200, verified.body);
      assert.equal(verified.json().user.id, anon.user.id);
      assert.equal(verified.json().user.is_anonymous, false);
    });

    it('refuses a password alone, a taken address, and an expired link', async () => {
      const anon = await signUpAnonymously(t.app);
      const alone = await putUser(t, anon.access_token, { password: 'only a password' });
      assert.equal(alone.statusCode, 422);
      assert.equal(alone.json().code, 'validation_failed');

      const owner = await t.app.inject({
        method: 'POST', url: '/auth/v1/admin/users', headers: { ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}` },
        payload: { email: `owner-${anon.user.id.slice(0, 8)}@example.com`, password: 'owner password', email_confirm: true },
      });
      assert.equal(owner.statusCode, 200, owner.body);
      const taken = await putUser(t, anon.access_token, { email: owner.json().email });
      assert.equal(taken.statusCode, 422);
      assert.equal(taken.json().code, 'email_exists');

      const email = `late-${anon.user.id.slice(0, 8)}@example.com`;
      assert.equal((await putUser(t, anon.access_token, { email })).statusCode, 200);
      await t.database.db.query(`update auth.one_time_tokens set created_at = created_at - interval '2 days' where user_id = $1`, [anon.user.id]);
      const link = linkIn((await outbox(t, email))[0].text_body);
      const late = await t.app.inject({ method: 'GET', url: `/auth/v1/verify${link.search}` });
      assert.equal(new URL(late.headers.location as string).searchParams.get('error_code'), 'otp_expired');
      const stillAnonymous = await t.database.db.query<{ is_anonymous: boolean }>('select is_anonymous from auth.users where id = $1', [anon.user.id]);
      assert.equal(stillAnonymous[0].is_anonymous, true);
    });

    it('lets exactly one of two anonymous users claim the same address; the other keeps its session', async () => {
      const [a, b] = await Promise.all([signUpAnonymously(t.app), signUpAnonymously(t.app)]);
      const email = `race-${a.user.id.slice(0, 8)}@example.com`;
      assert.equal((await putUser(t, a.access_token, { email })).statusCode, 200);
      assert.equal((await putUser(t, b.access_token, { email })).statusCode, 200);
      const links = (await outbox(t, email)).map((mail) => linkIn(mail.text_body));
      assert.equal(links.length, 2);
      const results = await Promise.all(links.map((link) => t.app.inject({ method: 'GET', url: `/auth/v1/verify${link.search}` })));
      const outcomes = results.map((r) => new URL(r.headers.location as string)).map((u) => u.searchParams.get('error_code') ?? 'converted');
      assert.deepEqual(outcomes.sort(), ['converted', 'email_exists']);
      const owners = await t.database.db.query<{ n: number }>('select count(*)::int as n from auth.users where email = $1', [email]);
      assert.equal(owners[0].n, 1);
      for (const session of [a, b]) {
        const me = await t.app.inject({ method: 'GET', url: '/auth/v1/user', headers: { authorization: `Bearer ${session.access_token}` } });
        assert.equal(me.statusCode, 200, 'both users keep working sessions');
      }
    });

    it('sends the browser to SITE_URL when redirect_to is not allowed', async () => {
      const anon = await signUpAnonymously(t.app);
      const email = `redir-${anon.user.id.slice(0, 8)}@example.com`;
      assert.equal((await putUser(t, anon.access_token, { email }, '?redirect_to=https://evil.example/steal')).statusCode, 200);
      const link = linkIn((await outbox(t, email))[0].text_body);
      assert.equal(link.searchParams.get('redirect_to'), 'http://localhost:3000');
      const forged = new URLSearchParams(link.search);
      forged.set('redirect_to', 'https://evil.example/steal');
      const followed = await t.app.inject({ method: 'GET', url: `/auth/v1/verify?${forged.toString()}` });
      assert.equal(new URL(followed.headers.location as string).origin, 'http://localhost:3000');
    });
  });

  // The database store counts on the embedded engine inside the request's transaction, which holds its
  // only connection: counted beside it, the first mail would wait for itself forever.
  for (const store of ['the engine’s default', 'postgres'] as const) describe(`project-wide mail limit, ${store} store (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_RATE_LIMIT_EMAIL_SENT: '1/1h', ...(store === 'postgres' ? { FOYER_RATE_LIMIT_STORE: 'postgres' } : {}) });
    });
    after(() => t.close());

    it('refuses mail over GOTRUE_RATE_LIMIT_EMAIL_SENT with 429 and changes nothing', async () => {
      const [a, b] = await Promise.all([signUpAnonymously(t.app), signUpAnonymously(t.app)]);
      assert.equal((await putUser(t, a.access_token, { email: 'first-mail@example.com' })).statusCode, 200);
      const refused = await putUser(t, b.access_token, { email: 'second-mail@example.com' });
      assert.equal(refused.statusCode, 429, refused.body);
      assert.equal(refused.json().code, 'over_email_send_rate_limit');
      const pending = await t.database.db.query<{ email_change: string | null }>('select email_change from auth.users where id = $1', [b.user.id]);
      assert.ok(!pending[0].email_change, 'the refused change rolled back');
      assert.equal((await outbox(t, 'second-mail@example.com')).length, 0);
    });
  });
}
