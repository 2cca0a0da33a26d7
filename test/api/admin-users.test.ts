import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { engines } from '../helpers/engines.js';
import { createTestProject, decodeJwt, signUpAnonymously, versionHeaders, type TestProject } from '../helpers/project.js';

type Injected = Awaited<ReturnType<TestProject['app']['inject']>>;

function admin(t: TestProject, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, token = t.serviceRoleKey) {
  return t.app.inject({
    method,
    url: `/auth/v1${url}`,
    headers: { 'x-supabase-api-version': '2024-01-01', authorization: `Bearer ${token}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
  });
}

function assertError(response: Injected, status: number, code: string): void {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.json().code, code, response.body);
}

interface User {
  id: string;
  email: string;
  is_anonymous: boolean;
  identities: { provider: string; identity_data: Record<string, unknown> }[];
  user_metadata: Record<string, unknown>;
  app_metadata: Record<string, unknown>;
  email_confirmed_at?: string;
}

async function createUser(t: TestProject, body: Record<string, unknown>): Promise<User> {
  const response = await admin(t, 'POST', '/admin/users', body);
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as User;
}

const count = async (t: TestProject, sql: string, params: string[]) =>
  (await t.database.db.query<{ n: number }>(sql, params))[0].n;

const conversionAudits = (t: TestProject, userId: string) =>
  count(
    t,
    `select count(*)::int as n from auth.audit_log_entries
      where payload->>'action' = 'user_converted' and payload->>'actor_id' = $1 and payload->'traits'->>'method' = 'admin'`,
    [userId],
  );

for (const engine of engines) {
  describe(`admin users: who may call (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine);
    });
    after(() => t.close());

    it('answers 200 for the service_role key and 403 not_admin for the anon key or a user token', async () => {
      assert.equal((await admin(t, 'GET', '/admin/users')).statusCode, 200);
      const session = await signUpAnonymously(t.app);
      for (const token of [t.anonKey, session.access_token]) {
        assertError(await admin(t, 'GET', '/admin/users', undefined, token), 403, 'not_admin');
        assertError(await admin(t, 'POST', '/admin/users', { email: 'x@example.com' }, token), 403, 'not_admin');
        assertError(await admin(t, 'GET', `/admin/users/${session.user.id}`, undefined, token), 403, 'not_admin');
        assertError(await admin(t, 'PUT', `/admin/users/${session.user.id}`, { email_confirm: true }, token), 403, 'not_admin');
        assertError(await admin(t, 'DELETE', `/admin/users/${session.user.id}`, undefined, token), 403, 'not_admin');
      }
      assert.equal(await count(t, 'select count(*)::int as n from auth.users', []), 1, 'nothing was created or deleted');
    });

    it('refuses a service_role token signed with another secret (403 bad_jwt) and a missing token (401)', async () => {
      const forged = await new SignJWT({ role: 'service_role', iss: 'supabase' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode('some-other-secret-that-is-long-enough-0123456789'));
      assertError(await admin(t, 'GET', '/admin/users', undefined, forged), 403, 'bad_jwt');
      const response = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/users', headers: versionHeaders });
      assertError(response, 401, 'no_authorization');
    });
  });

  describe(`admin users: listing (${engine})`, () => {
    let t: TestProject;
    const created: string[] = []; // oldest first
    before(async () => {
      t = await createTestProject(engine);
      for (let i = 0; i < 5; i += 1) {
        if (i % 2 === 0) created.push((await signUpAnonymously(t.app)).user.id);
        else created.push((await createUser(t, { email: `member${i}@example.com`, user_metadata: { full_name: `Member_${i}` } })).id);
      }
    });
    after(() => t.close());

    it('lists newest first with X-Total-Count and GoTrue-style Link headers', async () => {
      const page1 = await admin(t, 'GET', '/admin/users?per_page=2');
      assert.equal(page1.statusCode, 200, page1.body);
      assert.equal(page1.json().aud, 'authenticated');
      assert.deepEqual(page1.json().users.map((u: User) => u.id), [created[4], created[3]]);
      assert.equal(page1.headers['x-total-count'], '5');
      assert.equal(page1.headers.link, '</admin/users?page=2&per_page=2>; rel="next", </admin/users?page=3&per_page=2>; rel="last"');

      const page3 = await admin(t, 'GET', '/admin/users?page=3&per_page=2');
      assert.deepEqual(page3.json().users.map((u: User) => u.id), [created[0]]);
      assert.equal(page3.headers.link, '</admin/users?page=3&per_page=2>; rel="last"');

      const beyond = await admin(t, 'GET', '/admin/users?page=9&per_page=2');
      assert.deepEqual(beyond.json().users, []);
      assert.equal(beyond.headers['x-total-count'], '5');

      const all = await admin(t, 'GET', '/admin/users');
      assert.deepEqual(all.json().users.map((u: User) => u.id), [...created].reverse());
      assert.equal(all.headers.link, '</admin/users?page=1&per_page=50>; rel="last"');
    });

    it('filters on is_anonymous, keeping the filter in the links', async () => {
      const anon = await admin(t, 'GET', '/admin/users?is_anonymous=true&per_page=2');
      assert.deepEqual(anon.json().users.map((u: User) => u.id), [created[4], created[2]]);
      assert.ok(anon.json().users.every((u: User) => u.is_anonymous));
      assert.equal(anon.headers['x-total-count'], '3');
      assert.equal(
        anon.headers.link,
        '</admin/users?page=2&per_page=2&is_anonymous=true>; rel="next", </admin/users?page=2&per_page=2&is_anonymous=true>; rel="last"',
      );
      const permanent = await admin(t, 'GET', '/admin/users?is_anonymous=false');
      assert.deepEqual(permanent.json().users.map((u: User) => u.id), [created[3], created[1]]);
      assert.equal(permanent.headers['x-total-count'], '2');
      assertError(await admin(t, 'GET', '/admin/users?is_anonymous=maybe'), 400, 'validation_failed');
    });

    it('filters by a substring of the email or name, treating % and _ literally', async () => {
      const byEmail = await admin(t, 'GET', '/admin/users?filter=MEMBER3');
      assert.deepEqual(byEmail.json().users.map((u: User) => u.email), ['member3@example.com']);
      assert.equal(byEmail.headers['x-total-count'], '1');
      assert.equal(byEmail.headers.link, '</admin/users?page=1&per_page=50&filter=MEMBER3>; rel="last"');
      const byDomain = await admin(t, 'GET', '/admin/users?filter=example.com');
      assert.equal(byDomain.headers['x-total-count'], '2');
      // One user a page: newest first, and past the last match the total still counts both.
      const second = await admin(t, 'GET', '/admin/users?filter=example.com&per_page=1&page=2');
      assert.deepEqual(second.json().users.map((u: User) => u.email), ['member1@example.com']);
      assert.equal(second.headers['x-total-count'], '2');
      const past = await admin(t, 'GET', '/admin/users?filter=example.com&per_page=1&page=3');
      assert.deepEqual(past.json().users, []);
      assert.equal(past.headers['x-total-count'], '2');
      const byName = await admin(t, 'GET', '/admin/users?filter=ber_1');
      assert.deepEqual(byName.json().users.map((u: User) => u.id), [created[1]]);
      for (const literal of ['%', 'ember_@', 'ber%3']) {
        const response = await admin(t, 'GET', `/admin/users?filter=${encodeURIComponent(literal)}`);
        assert.equal(response.headers['x-total-count'], '0', literal);
      }
    });

    it('finds an anonymous user by its whole id or by the first digits of it', async () => {
      const anonymousId = created[4];
      for (const filter of [anonymousId, anonymousId.toUpperCase(), anonymousId.slice(0, 8), anonymousId.slice(0, 13), ` ${anonymousId.slice(0, 6)} `]) {
        const found = await admin(t, 'GET', `/admin/users?filter=${encodeURIComponent(filter)}`);
        assert.equal(found.statusCode, 200, found.body);
        const ids = found.json().users.map((u: User) => u.id);
        assert.ok(ids.includes(anonymousId), filter);
        // Only users whose id starts with those digits (or whose email or name contains them).
        for (const user of found.json().users as User[]) {
          const digits = filter.trim().toLowerCase().replaceAll('-', '');
          assert.ok(user.id.replaceAll('-', '').startsWith(digits) || `${user.email}`.includes(filter.trim()), `${filter} matched ${user.id}`);
        }
      }
      // Too few digits, dashes out of place, or not hex: no id search (and no such email either).
      for (const filter of [anonymousId.slice(0, 3), `${anonymousId.slice(0, 4)}-${anonymousId.slice(4, 8)}`, `${anonymousId}0`, 'zz' + anonymousId.slice(2, 8)]) {
        const found = await admin(t, 'GET', `/admin/users?filter=${encodeURIComponent(filter)}`);
        assert.equal(found.statusCode, 200, found.body);
        const ids = found.json().users.map((u: User) => u.id);
        assert.ok(!ids.includes(anonymousId), filter);
      }
    });

    it('refuses bad paging parameters', async () => {
      for (const query of ['page=0', 'per_page=-1', 'page=abc']) {
        assertError(await admin(t, 'GET', `/admin/users?${query}`), 400, 'validation_failed');
      }
    });
  });

  describe(`admin users: create, read, update, delete (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine);
    });
    after(() => t.close());

    it('requires an email or a phone, so admins cannot create anonymous users', async () => {
      for (const body of [{}, { user_metadata: { a: 1 } }, { email: '', phone: '' }]) {
        assertError(await admin(t, 'POST', '/admin/users', body), 400, 'validation_failed');
      }
      assertError(await t.app.inject({
        method: 'POST',
        url: '/auth/v1/admin/users',
        headers: { ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}` },
        payload: '',
      }), 400, 'bad_json');
      assert.equal(await count(t, 'select count(*)::int as n from auth.users', []), 0);
    });

    it('creates a permanent email user with one identity; a confirmed one can sign in with its password', async () => {
      const user = await createUser(t, { email: 'Created@Example.com', password: 'a-good-password', email_confirm: true, user_metadata: { n: 1 } });
      assert.equal(user.email, 'created@example.com');
      assert.equal(user.is_anonymous, false);
      assert.deepEqual(user.app_metadata, { provider: 'email', providers: ['email'] });
      assert.deepEqual(user.user_metadata, { n: 1 });
      assert.equal(user.identities.length, 1);
      assert.equal(user.identities[0].provider, 'email');
      assert.ok(user.email_confirmed_at);
      const login = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=password',
        headers: versionHeaders,
        payload: { email: 'created@example.com', password: 'a-good-password' },
      });
      assert.equal(login.statusCode, 200, login.body);
      assert.equal(login.json().user.id, user.id);
    });

    it('answers 422 email_exists for a duplicate email, whatever its case', async () => {
      await createUser(t, { email: 'dup@example.com' });
      for (const email of ['dup@example.com', 'DUP@Example.COM']) {
        assertError(await admin(t, 'POST', '/admin/users', { email }), 422, 'email_exists');
      }
      assert.equal(await count(t, 'select count(*)::int as n from auth.users where lower(email) = $1', ['dup@example.com']), 1);
    });

    it('reads and updates a user by id; a bad or unknown id is 404 user_not_found', async () => {
      const user = await createUser(t, { email: 'crud@example.com', user_metadata: { a: 1, b: 2 } });
      const read = await admin(t, 'GET', `/admin/users/${user.id}`);
      assert.equal(read.statusCode, 200, read.body);
      assert.equal(read.json().email, 'crud@example.com');
      const updated = await admin(t, 'PUT', `/admin/users/${user.id}`, { user_metadata: { b: null, c: 3 }, app_metadata: { plan: 'pro' } });
      assert.equal(updated.statusCode, 200, updated.body);
      assert.deepEqual(updated.json().user_metadata, { a: 1, c: 3 });
      assert.deepEqual(updated.json().app_metadata, { provider: 'email', providers: ['email'], plan: 'pro' });
      const unknown = '2b7a1c44-0000-4000-8000-000000000000';
      for (const id of ['not-a-uuid', '123', unknown]) {
        assertError(await admin(t, 'GET', `/admin/users/${id}`), 404, 'user_not_found');
        assertError(await admin(t, 'PUT', `/admin/users/${id}`, { user_metadata: { x: 1 } }), 404, 'user_not_found');
        assertError(await admin(t, 'DELETE', `/admin/users/${id}`), 404, 'user_not_found');
      }
      const other = await createUser(t, { email: 'taken@example.com' });
      assertError(await admin(t, 'PUT', `/admin/users/${user.id}`, { email: 'Taken@example.com' }), 422, 'email_exists');
      assert.equal((await admin(t, 'GET', `/admin/users/${user.id}`)).json().email, 'crud@example.com');
      assert.equal((await admin(t, 'GET', `/admin/users/${other.id}`)).json().email, 'taken@example.com');
    });

    it('converts an anonymous user when the admin sets a confirmed email: one identity, an audit row', async () => {
      const session = await signUpAnonymously(t.app);
      const response = await admin(t, 'PUT', `/admin/users/${session.user.id}`, { email: 'converted@example.com', email_confirm: true });
      assert.equal(response.statusCode, 200, response.body);
      const user = response.json() as User;
      assert.equal(user.id, session.user.id);
      assert.equal(user.email, 'converted@example.com');
      assert.equal(user.is_anonymous, false);
      assert.equal(user.identities.length, 1);
      assert.equal(user.identities[0].provider, 'email');
      assert.equal(user.identities[0].identity_data.email, 'converted@example.com');
      assert.ok(user.email_confirmed_at);
      const [row] = await t.database.db.query<{ is_anonymous: boolean; confirmed: boolean }>(
        'select is_anonymous, email_confirmed_at is not null as confirmed from auth.users where id = $1',
        [session.user.id],
      );
      assert.deepEqual({ ...row }, { is_anonymous: false, confirmed: true });
      assert.equal(await conversionAudits(t, session.user.id), 1);
      // Confirming again changes nothing and writes no second conversion.
      assert.equal((await admin(t, 'PUT', `/admin/users/${session.user.id}`, { email_confirm: true })).statusCode, 200);
      assert.equal(await conversionAudits(t, session.user.id), 1);
    });

    // GoTrue flips the flag only when email and email_confirm:true come in one request; Foyer also
    // converts on a later confirmation of the address already set (a confirmed email is not anonymous).
    it('leaves the user anonymous when the email is not confirmed, until a later email_confirm:true', async () => {
      const session = await signUpAnonymously(t.app);
      const response = await admin(t, 'PUT', `/admin/users/${session.user.id}`, { email: 'pending@example.com', email_confirm: false });
      assert.equal(response.statusCode, 200, response.body);
      const user = response.json() as User;
      assert.equal(user.email, 'pending@example.com');
      assert.equal(user.is_anonymous, true);
      assert.equal(user.identities.length, 1);
      assert.equal(user.email_confirmed_at, undefined);
      assert.equal(await conversionAudits(t, session.user.id), 0);

      const confirmed = await admin(t, 'PUT', `/admin/users/${session.user.id}`, { email_confirm: true });
      assert.equal(confirmed.statusCode, 200, confirmed.body);
      assert.equal(confirmed.json().is_anonymous, false);
      assert.equal(confirmed.json().identities.length, 1);
      assert.equal(await conversionAudits(t, session.user.id), 1);
    });

    it('does not convert an anonymous user on email_confirm:true without an email', async () => {
      const session = await signUpAnonymously(t.app);
      const response = await admin(t, 'PUT', `/admin/users/${session.user.id}`, { email_confirm: true });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().is_anonymous, true);
      assert.equal(await conversionAudits(t, session.user.id), 0);
    });

    it('bans with ban_duration (ending the user’s sessions) and lifts the ban with "none"', async () => {
      const session = await signUpAnonymously(t.app);
      const banned = await admin(t, 'PUT', `/admin/users/${session.user.id}`, { ban_duration: '24h' });
      assert.equal(banned.statusCode, 200, banned.body);
      const until = Date.parse(banned.json().banned_until);
      assert.ok(Math.abs(until - (Date.now() + 24 * 3600 * 1000)) < 60_000, banned.json().banned_until);
      assert.equal(await count(t, 'select count(*)::int as n from auth.sessions where user_id = $1', [session.user.id]), 0);
      assertError(await admin(t, 'PUT', `/admin/users/${session.user.id}`, { ban_duration: 'forever' }), 400, 'validation_failed');
      const lifted = await admin(t, 'PUT', `/admin/users/${session.user.id}`, { ban_duration: 'none' });
      assert.equal(lifted.statusCode, 200, lifted.body);
      assert.equal(lifted.json().banned_until, undefined);
    });

    it('soft-deletes a user: row kept with deleted_at, personal data, identities and sessions gone', async () => {
      const user = await createUser(t, { email: 'soft@example.com', password: 'a-good-password', email_confirm: true });
      const login = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=password',
        headers: versionHeaders,
        payload: { email: 'soft@example.com', password: 'a-good-password' },
      });
      assert.equal(login.statusCode, 200, login.body);
      const response = await admin(t, 'DELETE', `/admin/users/${user.id}`, { should_soft_delete: true });
      assert.equal(response.statusCode, 200, response.body);
      const [row] = await t.database.db.query<{ email: string | null; deleted: boolean }>(
        'select email, deleted_at is not null as deleted from auth.users where id = $1',
        [user.id],
      );
      assert.deepEqual({ ...row }, { email: null, deleted: true });
      assert.equal(await count(t, 'select count(*)::int as n from auth.sessions where user_id = $1', [user.id]), 0);
      assert.equal(await count(t, 'select count(*)::int as n from auth.identities where user_id = $1', [user.id]), 0);
      assertError(await admin(t, 'DELETE', `/admin/users/${user.id}`, { should_soft_delete: true }), 404, 'user_not_found');
    });

    it('deletes a user with its sessions, refresh tokens and identities', async () => {
      const session = await signUpAnonymously(t.app);
      assert.equal((await admin(t, 'PUT', `/admin/users/${session.user.id}`, { email: 'gone@example.com' })).statusCode, 200);
      const response = await admin(t, 'DELETE', `/admin/users/${session.user.id}`);
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(response.json(), {});
      for (const table of ['auth.users where id = $1', 'auth.sessions where user_id = $1', 'auth.identities where user_id = $1', 'auth.refresh_tokens where user_id = $1::text']) {
        assert.equal(await count(t, `select count(*)::int as n from ${table}`, [session.user.id]), 0, table);
      }
      assertError(await admin(t, 'GET', `/admin/users/${session.user.id}`), 404, 'user_not_found');
      assertError(await admin(t, 'DELETE', `/admin/users/${session.user.id}`), 404, 'user_not_found');
    });
  });
}

for (const engine of engines) {
  describe(`admin sessions and conversions (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine);
    });
    after(() => t.close());

    const admin = (method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: object) =>
      t.app.inject({ method, url, headers: { ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}` }, ...(payload ? { payload } : {}) });

    it('lists and revokes a user’s sessions, whose tokens then stop working', async () => {
      const first = await signUpAnonymously(t.app);
      const second = await t.app.inject({
        method: 'POST', url: '/auth/v1/token?grant_type=refresh_token', headers: versionHeaders, payload: { refresh_token: first.refresh_token },
      });
      assert.equal(second.statusCode, 200);
      const listed = await admin('GET', `/auth/v1/admin/users/${first.user.id}/sessions`);
      assert.equal(listed.statusCode, 200, listed.body);
      const sessions = listed.json().sessions as { id: string; ip: string }[];
      assert.equal(sessions.length, 1);
      assert.equal(sessions[0].id, decodeJwt(first.access_token).session_id);
      const revoked = await admin('DELETE', `/auth/v1/admin/users/${first.user.id}/sessions`);
      assert.deepEqual(revoked.json(), { revoked: 1 });
      const me = await t.app.inject({ method: 'GET', url: '/auth/v1/user', headers: { ...versionHeaders, authorization: `Bearer ${first.access_token}` } });
      assert.equal(me.json().code, 'session_not_found');
      assert.equal((await admin('GET', '/auth/v1/admin/users/not-a-uuid/sessions')).statusCode, 404);
      const anonymousToken = await t.app.inject({
        method: 'GET', url: `/auth/v1/admin/users/${first.user.id}/sessions`, headers: { authorization: `Bearer ${t.anonKey}` },
      });
      assert.equal(anonymousToken.statusCode, 403);
    });

    it('records the new identity in app_metadata when an admin converts an anonymous user', async () => {
      const anon = await signUpAnonymously(t.app);
      const converted = await admin('PUT', `/auth/v1/admin/users/${anon.user.id}`, { email: 'converted-by-admin@example.com', email_confirm: true });
      assert.equal(converted.statusCode, 200, converted.body);
      assert.equal(converted.json().is_anonymous, false);
      assert.deepEqual(converted.json().app_metadata, { provider: 'email', providers: ['email'] });
    });
  });
}
