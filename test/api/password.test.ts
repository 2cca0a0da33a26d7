import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestProject, decodeJwt, versionHeaders, type TestProject } from '../helpers/project.js';

type Injected = Awaited<ReturnType<TestProject['app']['inject']>>;

const signup = (t: TestProject, payload: unknown) =>
  t.app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: JSON.stringify(payload) });

const passwordGrant = (t: TestProject, payload: unknown) =>
  t.app.inject({ method: 'POST', url: '/auth/v1/token?grant_type=password', headers: versionHeaders, payload: JSON.stringify(payload) });

function assertError(response: Injected, status: number, code: string): void {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.json().code, code, response.body);
  assert.equal(response.headers['x-sb-error-code'], code);
}

const usersWithEmail = async (t: TestProject, email: string) =>
  (await t.database.db.query<{ n: number }>('select count(*)::int as n from auth.users where lower(email) = $1', [email]))[0].n;

for (const engine of engines) {
  describe(`email + password, autoconfirm on (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_MAILER_AUTOCONFIRM: 'true' });
    });
    after(() => t.close());

    it('signs up with a session: provider email, one email identity, not anonymous', async () => {
      const response = await signup(t, { email: 'Alice@Example.com', password: 'alice-password', data: { name: 'Alice' } });
      assert.equal(response.statusCode, 200, response.body);
      const session = response.json();
      assert.equal(session.token_type, 'bearer');
      assert.match(session.refresh_token, /^[a-z2-7]{12}$/);
      const user = session.user;
      assert.equal(user.email, 'alice@example.com');
      assert.equal(user.is_anonymous, false);
      assert.deepEqual(user.app_metadata, { provider: 'email', providers: ['email'] });
      assert.deepEqual(user.user_metadata, { name: 'Alice' });
      assert.ok(user.email_confirmed_at);
      assert.ok(user.last_sign_in_at);
      assert.equal(user.identities.length, 1);
      assert.equal(user.identities[0].provider, 'email');
      assert.equal(user.identities[0].id, user.id);
      assert.equal(user.identities[0].identity_data.email, 'alice@example.com');
      assert.equal(user.identities[0].identity_data.sub, user.id);
      assert.equal(user.encrypted_password, undefined);
      const rfc3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/;
      for (const value of [user.created_at, user.updated_at, user.email_confirmed_at, user.last_sign_in_at, user.confirmed_at]) {
        assert.match(value, rfc3339);
      }
      for (const value of [user.identities[0].created_at, user.identities[0].updated_at, user.identities[0].last_sign_in_at]) {
        assert.match(value, rfc3339);
      }

      const claims = decodeJwt(session.access_token);
      assert.equal(claims.sub, user.id);
      assert.equal(claims.email, 'alice@example.com');
      assert.equal(claims.is_anonymous, false);
      assert.deepEqual(claims.app_metadata, { provider: 'email', providers: ['email'] });
      assert.deepEqual((claims.amr as { method: string }[]).map((entry) => entry.method), ['password']);

      const [row] = await t.database.db.query<{ hash: string; anonymous: boolean; identities: number; sessions: number }>(
        `select encrypted_password as hash, is_anonymous as anonymous,
                (select count(*)::int from auth.identities i where i.user_id = u.id) as identities,
                (select count(*)::int from auth.sessions s where s.user_id = u.id) as sessions
           from auth.users u where id = $1`,
        [user.id],
      );
      assert.match(row.hash, /^\$2[aby]\$10\$/);
      assert.equal(row.anonymous, false);
      assert.equal(row.identities, 1);
      assert.equal(row.sessions, 1);
    });

    it('refuses a weak password with 422 weak_password and its reasons, creating nothing', async () => {
      const response = await signup(t, { email: 'weak@example.com', password: 'abc' });
      assertError(response, 422, 'weak_password');
      assert.deepEqual(response.json().weak_password, { reasons: ['length'] });
      assert.equal(typeof response.json().message, 'string');
      assert.equal(await usersWithEmail(t, 'weak@example.com'), 0);
      assertError(await signup(t, { email: 'weak@example.com', password: 'x'.repeat(73) }), 400, 'validation_failed');
      assertError(await signup(t, { email: 'weak@example.com' }), 400, 'validation_failed');
      assert.equal(await usersWithEmail(t, 'weak@example.com'), 0);
    });

    it('refuses an invalid email with 400 validation_failed', async () => {
      // GoTrue's format: `a@b` (a host without a dot) is valid there, `xx:;x@x.x` is not.
      for (const email of ['not-an-email', 'xx:;x@x.x', 'two@@example.com', 'a@-b.example.com']) {
        assertError(await signup(t, { email, password: 'a-good-password' }), 400, 'validation_failed');
      }
    });

    it('answers 422 user_already_exists for a registered email, whatever its case', async () => {
      assert.equal((await signup(t, { email: 'bob@example.com', password: 'bob-password' })).statusCode, 200);
      for (const email of ['bob@example.com', 'BOB@example.com']) {
        assertError(await signup(t, { email, password: 'another-password' }), 422, 'user_already_exists');
      }
      assert.equal(await usersWithEmail(t, 'bob@example.com'), 1);
      // The existing password is unchanged.
      assert.equal((await passwordGrant(t, { email: 'bob@example.com', password: 'bob-password' })).statusCode, 200);
    });

    it('lets only one of two simultaneous sign-ups of one address win', async () => {
      const responses = await Promise.all([0, 1, 2].map(() => signup(t, { email: 'race@example.com', password: 'race-password' })));
      const statuses = responses.map((response) => response.statusCode).sort();
      assert.deepEqual(statuses, [200, 422, 422], responses.map((response) => response.body).join('\n'));
      for (const response of responses.filter((r) => r.statusCode === 422)) assert.equal(response.json().code, 'user_already_exists');
      assert.equal(await usersWithEmail(t, 'race@example.com'), 1);
    });

    it('signs in with the password grant: a new session with amr password', async () => {
      const created = (await signup(t, { email: 'carol@example.com', password: 'carol-password' })).json();
      const response = await passwordGrant(t, { email: 'Carol@Example.com', password: 'carol-password', gotrue_meta_security: {} });
      assert.equal(response.statusCode, 200, response.body);
      const session = response.json();
      assert.equal(session.user.id, created.user.id);
      assert.equal(session.user.identities.length, 1);
      const claims = decodeJwt(session.access_token);
      assert.deepEqual((claims.amr as { method: string }[]).map((entry) => entry.method), ['password']);
      assert.notEqual(claims.session_id, decodeJwt(created.access_token).session_id);
      const sessions = await t.database.db.query<{ n: number }>('select count(*)::int as n from auth.sessions where user_id = $1', [created.user.id]);
      assert.equal(sessions[0].n, 2);
      const me = await t.app.inject({ method: 'GET', url: '/auth/v1/user', headers: { ...versionHeaders, authorization: `Bearer ${session.access_token}` } });
      assert.equal(me.statusCode, 200, me.body);
      assert.equal(me.json().email, 'carol@example.com');
    });

    it('answers 400 invalid_credentials for a wrong password, an unknown email or a missing password', async () => {
      await signup(t, { email: 'dave@example.com', password: 'dave-password' });
      const cases = [
        { email: 'dave@example.com', password: 'wrong-password' },
        { email: 'dave@example.com', password: '' },
        { email: 'dave@example.com' },
        { email: 'nobody@example.com', password: 'dave-password' },
        { email: 'not-an-email', password: 'dave-password' },
        { password: 'dave-password' },
      ];
      for (const body of cases) {
        const response = await passwordGrant(t, body);
        assertError(response, 400, 'invalid_credentials');
        assert.equal(response.json().message, 'Invalid login credentials');
      }
    });
  });

  describe(`email + password, autoconfirm off (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine);
    });
    after(() => t.close());

    it('signs up without a session and refuses sign-in with 400 email_not_confirmed until confirmed', async () => {
      const response = await signup(t, { email: 'eve@example.com', password: 'eve-password' });
      assert.equal(response.statusCode, 200, response.body);
      const user = response.json();
      assert.equal(user.access_token, undefined);
      assert.equal(user.refresh_token, undefined);
      assert.equal(user.email, 'eve@example.com');
      assert.equal(user.email_confirmed_at, undefined);
      assert.equal(user.is_anonymous, false);
      const sessions = await t.database.db.query<{ n: number }>('select count(*)::int as n from auth.sessions where user_id = $1', [user.id]);
      assert.equal(sessions[0].n, 0);

      assertError(await passwordGrant(t, { email: 'eve@example.com', password: 'eve-password' }), 400, 'email_not_confirmed');
      // A wrong password never reveals that the address exists but is unconfirmed.
      assertError(await passwordGrant(t, { email: 'eve@example.com', password: 'not-her-password' }), 400, 'invalid_credentials');

      await t.database.db.query('update auth.users set email_confirmed_at = now() where id = $1', [user.id]);
      assert.equal((await passwordGrant(t, { email: 'eve@example.com', password: 'eve-password' })).statusCode, 200);
    });

    it('answers a sign-up of a registered address like a new one, so addresses cannot be enumerated', async () => {
      const first = await signup(t, { email: 'taken@example.com', password: 'first-password' });
      assert.equal(first.statusCode, 200, first.body);
      const again = await signup(t, { email: 'taken@example.com', password: 'other-password' });
      assert.equal(again.statusCode, 200, again.body);
      const disguised = again.json();
      assert.deepEqual(Object.keys(disguised).sort(), Object.keys(first.json()).sort());
      assert.notEqual(disguised.id, first.json().id);
      assert.equal(await usersWithEmail(t, 'taken@example.com'), 1);
      const stored = await t.database.db.query<{ id: string }>('select id from auth.users where email = $1', ['taken@example.com']);
      assert.equal(stored[0].id, first.json().id, 'the existing account is untouched');
    });

    it('refuses a banned user with 400 user_banned', async () => {
      const user = (await signup(t, { email: 'mallory@example.com', password: 'mallory-password' })).json();
      await t.database.db.query(`update auth.users set email_confirmed_at = now(), banned_until = now() + interval '1 hour' where id = $1`, [user.id]);
      assertError(await passwordGrant(t, { email: 'mallory@example.com', password: 'mallory-password' }), 400, 'user_banned');
    });
  });

  describe(`email provider disabled (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_EXTERNAL_EMAIL_ENABLED: 'false', GOTRUE_MAILER_AUTOCONFIRM: 'true' });
    });
    after(() => t.close());

    it('answers email_provider_disabled to sign-up (400, as GoTrue) and sign-in (422), and still allows anonymous sign-ins', async () => {
      assertError(await signup(t, { email: 'frank@example.com', password: 'frank-password' }), 400, 'email_provider_disabled');
      assert.equal(await usersWithEmail(t, 'frank@example.com'), 0);
      // An existing, confirmed user (admins can still create one) cannot sign in either; nor can an unknown one.
      const created = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/admin/users',
        headers: { ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}` },
        payload: { email: 'frank@example.com', password: 'frank-password', email_confirm: true },
      });
      assert.equal(created.statusCode, 200, created.body);
      assertError(await passwordGrant(t, { email: 'nobody@example.com', password: 'frank-password' }), 422, 'email_provider_disabled');
      assertError(await passwordGrant(t, { email: 'frank@example.com', password: 'frank-password' }), 422, 'email_provider_disabled');
      const anon = await t.app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: { data: {} } });
      assert.equal(anon.statusCode, 200, anon.body);
    });
  });
}
