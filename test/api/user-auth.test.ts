import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { engines } from '../helpers/engines.js';
import { createTestProject, decodeJwt, signUpAnonymously, TEST_JWT_SECRET, versionHeaders, type TestProject } from '../helpers/project.js';

const OTHER_SECRET = 'another-secret-that-is-long-enough-for-hs256-9876543210';

/** Signs `claims` with HS256 (or `alg` in the header) exactly as given. */
const signHs256 = (claims: Record<string, unknown>, secret = TEST_JWT_SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

const getUser = (t: TestProject, authorization?: string) =>
  t.app.inject({
    method: 'GET',
    url: '/auth/v1/user',
    headers: { ...versionHeaders, ...(authorization === undefined ? {} : { authorization }) },
  });

const putUser = (t: TestProject, token: string, payload: unknown) =>
  t.app.inject({
    method: 'PUT',
    url: '/auth/v1/user',
    headers: { ...versionHeaders, authorization: `Bearer ${token}` },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

const logout = (t: TestProject, token: string, scope?: string) =>
  t.app.inject({
    method: 'POST',
    url: `/auth/v1/logout${scope ? `?scope=${scope}` : ''}`,
    headers: { 'x-supabase-api-version': '2024-01-01', authorization: `Bearer ${token}` },
  });

function assertError(response: { statusCode: number; body: string; json: () => { code?: unknown } }, status: number, code: string): void {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.json().code, code, response.body);
}

async function userRow(t: TestProject, id: string) {
  const rows = await t.database.db.query<{ meta: Record<string, unknown>; app: Record<string, unknown>; password: string; anonymous: boolean }>(
    'select raw_user_meta_data as meta, raw_app_meta_data as app, encrypted_password as password, is_anonymous as anonymous from auth.users where id = $1',
    [id],
  );
  return rows[0];
}

for (const engine of engines) {
  describe(`authentication middleware on GET /user (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine);
    });
    after(() => t.close());

    it('returns the caller for a valid token', async () => {
      const session = await signUpAnonymously(t.app, { nick: 'x' });
      const response = await getUser(t, `Bearer ${session.access_token}`);
      assert.equal(response.statusCode, 200, response.body);
      const user = response.json();
      assert.equal(user.id, session.user.id);
      assert.equal(user.is_anonymous, true);
      assert.deepEqual(user.user_metadata, { nick: 'x' });
      assert.deepEqual(user.identities, []);
      assert.equal(user.encrypted_password, undefined);
    });

    it('answers 401 no_authorization without a Bearer token', async () => {
      for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Token abc.def.ghi']) {
        assertError(await getUser(t, header), 401, 'no_authorization');
      }
    });

    it('answers 403 bad_jwt for garbage, forged, alg:none, tampered and expired tokens', async () => {
      const session = await signUpAnonymously(t.app);
      const claims = decodeJwt(session.access_token);
      const [header, payload] = session.access_token.split('.');
      const now = Math.floor(Date.now() / 1000);
      const forged = await signHs256(claims, OTHER_SECRET);
      const tampered = `${header}.${b64({ ...claims, role: 'service_role' })}.${session.access_token.split('.')[2]}`;
      const tokens: Record<string, string> = {
        garbage: 'not-a-jwt',
        'three empty-ish parts': 'a.b.c',
        'bad base64 header': `%%%.${payload}.sig`,
        'forged (other secret)': forged,
        'HS256 header, signature of another key': `${header}.${payload}.${forged.split('.')[2]}`,
        'alg none, no signature': `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
        'alg none, some signature': `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.${b64('x')}`,
        'alg None': `${b64({ alg: 'None', typ: 'JWT' })}.${payload}.${b64('x')}`,
        'payload tampered, signature kept': tampered,
        expired: await signHs256({ ...claims, iat: now - 7200, exp: now - 3600 }),
      };
      for (const [name, token] of Object.entries(tokens)) {
        const response = await getUser(t, `Bearer ${token}`);
        assert.equal(response.statusCode, 403, `${name}: ${response.body}`);
        assert.equal(response.json().code, 'bad_jwt', name);
      }
      const expired = await getUser(t, `Bearer ${tokens.expired}`);
      assert.match(expired.json().message, /expired/);
    });

    it('refuses a token it accepted before once it expires, and a copy with one signature character changed', async () => {
      // Verified tokens are remembered by their text: expiry must still be checked on every use.
      const session = await signUpAnonymously(t.app);
      // Expiry is in whole seconds: two seconds past the current one leave the token at least one second to
      // live for the requests that must accept it, however late in its second the test started.
      const expiresAtSeconds = Math.floor(Date.now() / 1000) + 2;
      const shortLived = await signHs256({ ...decodeJwt(session.access_token), exp: expiresAtSeconds });
      assert.equal((await getUser(t, `Bearer ${shortLived}`)).statusCode, 200);
      assert.equal((await getUser(t, `Bearer ${shortLived}`)).statusCode, 200);
      const lastCharacter = shortLived.at(-2) === 'A' ? 'B' : 'A';
      const oneCharacterOff = `${shortLived.slice(0, -2)}${lastCharacter}${shortLived.at(-1)}`;
      assertError(await getUser(t, `Bearer ${oneCharacterOff}`), 403, 'bad_jwt');
      await new Promise((resolve) => setTimeout(resolve, expiresAtSeconds * 1000 + 50 - Date.now()));
      const expired = await getUser(t, `Bearer ${shortLived}`);
      assertError(expired, 403, 'bad_jwt');
      assert.match(expired.json().message, /expired/);
    });

    it('answers 403 bad_jwt for a correctly signed token without a (valid) sub, such as the anon key', async () => {
      const session = await signUpAnonymously(t.app);
      const { sub: _sub, ...withoutSub } = decodeJwt(session.access_token);
      for (const token of [await signHs256(withoutSub), await signHs256({ ...withoutSub, sub: '' }), await signHs256({ ...withoutSub, sub: 'nope' }), t.anonKey]) {
        assertError(await getUser(t, `Bearer ${token}`), 403, 'bad_jwt');
      }
    });

    it('checks the signature before the user: an expired token of a deleted user is still bad_jwt', async () => {
      const session = await signUpAnonymously(t.app);
      const now = Math.floor(Date.now() / 1000);
      const expired = await signHs256({ ...decodeJwt(session.access_token), iat: now - 100, exp: now - 10 });
      await t.database.db.query('delete from auth.users where id = $1', [session.user.id]);
      assertError(await getUser(t, `Bearer ${expired}`), 403, 'bad_jwt');
      assertError(await getUser(t, `Bearer ${session.access_token}`), 403, 'user_not_found');
    });

    it('answers 403 user_not_found for a deleted user', async () => {
      const session = await signUpAnonymously(t.app);
      const deleted = await t.app.inject({
        method: 'DELETE',
        url: `/auth/v1/admin/users/${session.user.id}`,
        headers: { 'x-supabase-api-version': '2024-01-01', authorization: `Bearer ${t.serviceRoleKey}` },
      });
      assert.equal(deleted.statusCode, 200, deleted.body);
      const response = await getUser(t, `Bearer ${session.access_token}`);
      assertError(response, 403, 'user_not_found');
      assert.equal(response.headers['x-sb-error-code'], 'user_not_found');
    });

    it('answers 403 session_not_found once the session is gone, before checking the ban', async () => {
      const session = await signUpAnonymously(t.app);
      await t.database.db.query(`update auth.users set banned_until = now() + interval '1 day' where id = $1`, [session.user.id]);
      await t.database.db.query('delete from auth.sessions where id = $1', [decodeJwt(session.access_token).session_id as string]);
      assertError(await getUser(t, `Bearer ${session.access_token}`), 403, 'session_not_found');
    });

    it('answers 403 user_banned while a ban lasts, and lets the user back after it', async () => {
      const session = await signUpAnonymously(t.app);
      await t.database.db.query(`update auth.users set banned_until = now() + interval '1 day' where id = $1`, [session.user.id]);
      assertError(await getUser(t, `Bearer ${session.access_token}`), 403, 'user_banned');
      await t.database.db.query(`update auth.users set banned_until = now() - interval '1 minute' where id = $1`, [session.user.id]);
      assert.equal((await getUser(t, `Bearer ${session.access_token}`)).statusCode, 200);
    });
  });

  describe(`PUT /user (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_MAILER_AUTOCONFIRM: 'true' });
    });
    after(() => t.close());

    it('merges data into user_metadata; null deletes a key', async () => {
      const session = await signUpAnonymously(t.app, { a: 1, b: { nested: true }, keep: 'yes' });
      const response = await putUser(t, session.access_token, { data: { a: 2, b: null, c: [1, 2] } });
      assert.equal(response.statusCode, 200, response.body);
      const expected = { a: 2, keep: 'yes', c: [1, 2] };
      assert.deepEqual(response.json().user_metadata, expected);
      assert.equal(response.json().id, session.user.id);
      assert.equal(response.json().access_token, undefined, 'a user, not a session');
      assert.deepEqual((await userRow(t, session.user.id)).meta, expected);
      assert.deepEqual((await getUser(t, `Bearer ${session.access_token}`)).json().user_metadata, expected);
    });

    it('refuses app_metadata from a non-admin with 403 not_admin and changes nothing', async () => {
      const session = await signUpAnonymously(t.app, { a: 1 });
      assertError(await putUser(t, session.access_token, { data: { a: 2 }, app_metadata: { role: 'admin' } }), 403, 'not_admin');
      const row = await userRow(t, session.user.id);
      assert.deepEqual(row.app, {});
      assert.deepEqual(row.meta, { a: 1 });
    });

    it('refuses a password alone from an anonymous user with 422 validation_failed', async () => {
      const session = await signUpAnonymously(t.app);
      const response = await putUser(t, session.access_token, { password: 'a-good-password' });
      assertError(response, 422, 'validation_failed');
      assert.equal(response.json().message, 'Updating password of an anonymous user without an email or phone is not allowed');
      const row = await userRow(t, session.user.id);
      assert.equal(row.password, '');
      assert.equal(row.anonymous, true);
    });

    it('converts an anonymous user given email and password (autoconfirm), keeping the same id', async () => {
      const session = await signUpAnonymously(t.app);
      const email = `put-${session.user.id.slice(0, 8)}@Example.com`;
      const response = await putUser(t, session.access_token, { email, password: 'a-good-password' });
      assert.equal(response.statusCode, 200, response.body);
      const user = response.json();
      assert.equal(user.id, session.user.id);
      assert.equal(user.email, email.toLowerCase());
      assert.equal(user.is_anonymous, false);
      assert.equal(user.identities.length, 1);
      assert.equal(user.new_email, undefined);
      const login = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=password',
        headers: versionHeaders,
        payload: { email, password: 'a-good-password' },
      });
      assert.equal(login.statusCode, 200, login.body);
      assert.equal(login.json().user.id, session.user.id);
    });

    it('changes a permanent user’s password: other sessions end, the caller’s stays; the same password is 422', async () => {
      const email = 'changer@example.com';
      const first = await t.app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: { email, password: 'old-password' } });
      assert.equal(first.statusCode, 200, first.body);
      const second = await t.app.inject({ method: 'POST', url: '/auth/v1/token?grant_type=password', headers: versionHeaders, payload: { email, password: 'old-password' } });
      assert.equal(second.statusCode, 200, second.body);
      const caller = second.json().access_token as string;
      assertError(await putUser(t, caller, { password: 'old-password' }), 422, 'same_password');
      assertError(await putUser(t, caller, { password: 'abc' }), 422, 'weak_password');
      assert.equal((await putUser(t, caller, { password: 'new-password' })).statusCode, 200);
      assert.equal((await getUser(t, `Bearer ${caller}`)).statusCode, 200);
      assertError(await getUser(t, `Bearer ${first.json().access_token as string}`), 403, 'session_not_found');
      const login = (password: string) =>
        t.app.inject({ method: 'POST', url: '/auth/v1/token?grant_type=password', headers: versionHeaders, payload: { email, password } });
      assertError(await login('old-password'), 400, 'invalid_credentials');
      assert.equal((await login('new-password')).statusCode, 200);
    });

    it('refuses wrong types with 400 validation_failed and an empty body with 400 bad_json', async () => {
      const session = await signUpAnonymously(t.app, { a: 1 });
      for (const payload of [{ data: 'text' }, { data: [1] }, { email: 5 }, { password: 123 }, { app_metadata: 'x' }]) {
        assertError(await putUser(t, session.access_token, payload), 400, 'validation_failed');
      }
      for (const payload of ['', '[]', '{"data":']) {
        assertError(await putUser(t, session.access_token, payload), 400, 'bad_json');
      }
      assert.deepEqual((await userRow(t, session.user.id)).meta, { a: 1 });
    });

    it('authenticates before reading the body', async () => {
      const response = await t.app.inject({ method: 'PUT', url: '/auth/v1/user', headers: versionHeaders, payload: '' });
      assertError(response, 401, 'no_authorization');
    });
  });

  describe(`POST /logout scopes (${engine})`, () => {
    let t: TestProject;
    let email: string;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_MAILER_AUTOCONFIRM: 'true' });
      email = 'logout@example.com';
      const signup = await t.app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: { email, password: 'a-good-password' } });
      assert.equal(signup.statusCode, 200, signup.body);
    });
    after(() => t.close());

    async function signIn(): Promise<{ token: string; sessionId: string }> {
      const response = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=password',
        headers: versionHeaders,
        payload: { email, password: 'a-good-password' },
      });
      assert.equal(response.statusCode, 200, response.body);
      const token = response.json().access_token as string;
      return { token, sessionId: decodeJwt(token).session_id as string };
    }

    async function remaining(): Promise<string[]> {
      const rows = await t.database.db.query<{ id: string }>(
        'select s.id from auth.sessions s join auth.users u on u.id = s.user_id where u.email = $1 order by s.id',
        [email],
      );
      return rows.map((row) => row.id).sort();
    }

    const tokensOf = async (sessionIds: string[]) =>
      (await t.database.db.query<{ n: number }>('select count(*)::int as n from auth.refresh_tokens where session_id = any($1::uuid[])', [sessionIds]))[0].n;

    it('scope=others ends every session but the caller’s', async () => {
      await t.database.db.query('delete from auth.sessions');
      const [a, b, c] = [await signIn(), await signIn(), await signIn()];
      const response = await logout(t, b.token, 'others');
      assert.equal(response.statusCode, 204, response.body);
      assert.equal(response.body, '');
      assert.deepEqual(await remaining(), [b.sessionId]);
      assert.equal(await tokensOf([a.sessionId, c.sessionId]), 0, 'refresh tokens cascade');
      assertError(await getUser(t, `Bearer ${a.token}`), 403, 'session_not_found');
      assert.equal((await getUser(t, `Bearer ${b.token}`)).statusCode, 200);
    });

    it('scope=local ends only the caller’s session', async () => {
      await t.database.db.query('delete from auth.sessions');
      const [a, b, c] = [await signIn(), await signIn(), await signIn()];
      assert.equal((await logout(t, b.token, 'local')).statusCode, 204);
      assert.deepEqual(await remaining(), [a.sessionId, c.sessionId].sort());
      assertError(await getUser(t, `Bearer ${b.token}`), 403, 'session_not_found');
      assertError(await logout(t, b.token, 'local'), 403, 'session_not_found');
    });

    it('scope=global (and no scope) ends every session of the user, and no one else’s', async () => {
      const stranger = await signUpAnonymously(t.app);
      for (const scope of ['global', undefined]) {
        await t.database.db.query('delete from auth.sessions s using auth.users u where u.id = s.user_id and u.email = $1', [email]);
        const [a, b] = [await signIn(), await signIn()];
        assert.equal((await logout(t, a.token, scope)).statusCode, 204);
        assert.deepEqual(await remaining(), []);
        assert.equal(await tokensOf([a.sessionId, b.sessionId]), 0);
      }
      assert.equal((await getUser(t, `Bearer ${stranger.access_token}`)).statusCode, 200);
    });

    it('refuses an unknown scope and unauthenticated calls', async () => {
      const a = await signIn();
      assertError(await logout(t, a.token, 'everyone'), 400, 'validation_failed');
      assert.ok((await remaining()).includes(a.sessionId));
      const response = await t.app.inject({ method: 'POST', url: '/auth/v1/logout', headers: { 'x-supabase-api-version': '2024-01-01' } });
      assertError(response, 401, 'no_authorization');
    });
  });
}
