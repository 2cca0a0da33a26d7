import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestProject, decodeJwt, signUpAnonymously, versionHeaders, type TestProject } from '../helpers/project.js';

interface Session {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  expires_at: number;
  user: { id: string; is_anonymous: boolean; email: string; [key: string]: unknown };
}

const refresh = (t: TestProject, token: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/auth/v1/token?grant_type=refresh_token',
    headers: { ...versionHeaders, ...headers },
    payload: { refresh_token: token },
  });

async function refreshOk(t: TestProject, token: string): Promise<Session> {
  const response = await refresh(t, token);
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as Session;
}

async function refreshFails(t: TestProject, token: unknown, status: number, code: string): Promise<void> {
  const response = await refresh(t, token);
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.json().code, code, response.body);
  assert.equal(response.headers['x-sb-error-code'], code);
}

const getUser = (t: TestProject, accessToken: string) =>
  t.app.inject({ method: 'GET', url: '/auth/v1/user', headers: { ...versionHeaders, authorization: `Bearer ${accessToken}` } });

const sessionIdOf = (session: { access_token: string }) => decodeJwt(session.access_token).session_id as string;

async function tokenRows(t: TestProject, sessionId: string) {
  const rows = await t.database.db.query<{ token: string; revoked: boolean; parent: string | null }>(
    'select token, revoked, parent from auth.refresh_tokens where session_id = $1 order by id',
    [sessionId],
  );
  return rows.map((row) => ({ ...row })); // plain objects on both engines
}

async function sessionExists(t: TestProject, sessionId: string): Promise<boolean> {
  const rows = await t.database.db.query<{ n: number }>('select count(*)::int as n from auth.sessions where id = $1', [sessionId]);
  return rows[0].n === 1;
}

/** A token shaped like GoTrue's v2 format, for a random session id, so it names no session (v2 sessions: refresh-token-v2.test.ts). */
function v2Token(options: { version?: number; checksum?: boolean; counter?: number } = {}): string {
  const counter: number[] = [];
  for (let value = options.counter ?? 0; ; value >>>= 7) {
    if (value < 0x80) {
      counter.push(value);
      break;
    }
    counter.push((value & 0x7f) | 0x80);
  }
  const body = Buffer.concat([Buffer.from([options.version ?? 0]), randomBytes(16), Buffer.from(counter), randomBytes(16)]);
  const checksum = createHash('sha256').update(body).digest().subarray(0, 4);
  if (options.checksum === false) checksum[0] ^= 0xff;
  return Buffer.concat([body, checksum]).toString('base64url');
}

for (const engine of engines) {
  describe(`refresh-token grant (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_MAILER_AUTOCONFIRM: 'true' });
    });
    after(() => t.close());

    it('rotates: a new token in the same session, the old one revoked and made its parent', async () => {
      const first = await signUpAnonymously(t.app, { kind: 'guest' });
      const sessionId = decodeJwt(first.access_token).session_id as string;
      const response = await refresh(t, first.refresh_token, { 'user-agent': 'foyer-test/1.0' });
      assert.equal(response.statusCode, 200, response.body);
      const next = response.json() as Session;
      assert.notEqual(next.refresh_token, first.refresh_token);
      assert.match(next.refresh_token, /^[a-z2-7]{12}$/);
      assert.equal(next.token_type, 'bearer');
      assert.equal(next.expires_in, 3600);
      assert.ok(Math.abs(next.expires_at - (Math.floor(Date.now() / 1000) + 3600)) <= 5);
      assert.equal(next.user.id, first.user.id);
      assert.deepEqual(next.user.user_metadata, { kind: 'guest' });
      assert.equal(next.user.created_at, first.user.created_at);
      assert.match(next.user.updated_at as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/);
      const claims = decodeJwt(next.access_token);
      assert.equal(claims.session_id, sessionId);
      assert.equal(claims.sub, first.user.id);
      assert.equal(claims.is_anonymous, true);
      assert.deepEqual((claims.amr as { method: string }[]).map((entry) => entry.method), ['anonymous']);
      assert.equal(typeof (claims.amr as { timestamp: unknown }[])[0].timestamp, 'number');

      assert.deepEqual(await tokenRows(t, sessionId), [
        { token: first.refresh_token, revoked: true, parent: null },
        { token: next.refresh_token, revoked: false, parent: first.refresh_token },
      ]);
      const [session] = await t.database.db.query<{ user_agent: string | null; refreshed: boolean }>(
        'select user_agent, refreshed_at is not null as refreshed from auth.sessions where id = $1',
        [sessionId],
      );
      assert.deepEqual({ ...session }, { user_agent: 'foyer-test/1.0', refreshed: true });
      assert.equal((await getUser(t, next.access_token)).statusCode, 200);
    });

    it('rebuilds the claims from the database, so a conversion shows on the next refresh', async () => {
      const first = await signUpAnonymously(t.app);
      const email = `convert-${first.user.id.slice(0, 8)}@example.com`;
      const update = await t.app.inject({
        method: 'PUT',
        url: `/auth/v1/admin/users/${first.user.id}`,
        headers: { ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}` },
        payload: { email, email_confirm: true, user_metadata: { plan: 'pro' } },
      });
      assert.equal(update.statusCode, 200, update.body);
      assert.equal(decodeJwt(first.access_token).is_anonymous, true, 'the old access token is unchanged');
      const next = await refreshOk(t, first.refresh_token);
      const claims = decodeJwt(next.access_token);
      assert.equal(claims.is_anonymous, false);
      assert.equal(claims.email, email);
      assert.deepEqual(claims.user_metadata, { plan: 'pro' });
      assert.equal(next.user.is_anonymous, false);
      assert.equal(next.user.email, email);
      assert.equal((next.user.identities as unknown[]).length, 1);
      assert.deepEqual((claims.amr as { method: string }[]).map((entry) => entry.method), ['anonymous'], 'amr comes from the session');
    });

    it('hands back the newest token when the just-rotated parent is replayed (lost response), without rotating', async () => {
      const first = await signUpAnonymously(t.app);
      const sessionId = decodeJwt(first.access_token).session_id as string;
      const second = await refreshOk(t, first.refresh_token);
      const replay = await refreshOk(t, first.refresh_token);
      assert.equal(replay.refresh_token, second.refresh_token);
      assert.equal(decodeJwt(replay.access_token).session_id, sessionId);
      assert.equal((await tokenRows(t, sessionId)).length, 2, 'no new token row');
      const third = await refreshOk(t, second.refresh_token);
      assert.notEqual(third.refresh_token, second.refresh_token);
      assert.equal((await tokenRows(t, sessionId)).length, 3);
    });

    it('treats an older token replayed after rotation as stolen: 400 already used, and the whole session ends', async () => {
      const email = `reuse-${Date.now()}@example.com`;
      const signup = await t.app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: { email, password: 'correct-horse' } });
      assert.equal(signup.statusCode, 200, signup.body);
      const victim = signup.json() as Session;
      const otherLogin = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=password',
        headers: versionHeaders,
        payload: { email, password: 'correct-horse' },
      });
      assert.equal(otherLogin.statusCode, 200, otherLogin.body);
      const other = otherLogin.json() as Session;
      const sessionId = sessionIdOf(victim);

      const second = await refreshOk(t, victim.refresh_token);
      const third = await refreshOk(t, second.refresh_token);
      const response = await refresh(t, victim.refresh_token);
      assert.equal(response.statusCode, 400, response.body);
      assert.deepEqual(response.json(), { code: 'refresh_token_already_used', message: 'Invalid Refresh Token: Already Used' });

      assert.equal(await sessionExists(t, sessionId), false, 'the session is deleted');
      assert.equal((await tokenRows(t, sessionId)).length, 0, 'its refresh tokens cascade');
      for (const token of [victim.access_token, third.access_token]) {
        const user = await getUser(t, token);
        assert.equal(user.statusCode, 403, user.body);
        assert.equal(user.json().code, 'session_not_found');
      }
      await refreshFails(t, third.refresh_token, 400, 'refresh_token_not_found');
      // The user and their other session are untouched.
      assert.equal((await getUser(t, other.access_token)).statusCode, 200);
      assert.ok(await sessionExists(t, sessionIdOf(other)));
      await refreshOk(t, other.refresh_token);
    });

    it('refuses malformed tokens with 400 validation_failed before touching the database', async () => {
      const notV2 = ['a-longer-token-of-another-format', 'x'.repeat(300), v2Token({ version: 1 }), v2Token({ checksum: false }), `${v2Token()}A`];
      for (const token of ['short', 'abcdefghijk', 'ABCDEFGHIJKL', 'abcdefghijkL', 'abcdefghij-k', '', ...notV2]) {
        await refreshFails(t, token, 400, 'validation_failed');
      }
      await refreshFails(t, 123456789012, 400, 'validation_failed');
      await refreshFails(t, null, 400, 'validation_failed');
    });

    it('answers 400 refresh_token_not_found for unknown tokens of a valid shape', async () => {
      await refreshFails(t, 'abcdefghijkl', 400, 'refresh_token_not_found');
      await refreshFails(t, v2Token(), 400, 'refresh_token_not_found');
      await refreshFails(t, v2Token({ counter: 300 }), 400, 'refresh_token_not_found');
      const body = (await refresh(t, 'zzzzzzzzzzzz')).json();
      assert.equal(body.message, 'Invalid Refresh Token: Refresh Token Not Found');
    });

    it('answers 400 refresh_token_not_found once the session was signed out', async () => {
      const session = await signUpAnonymously(t.app);
      const logout = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/logout',
        headers: { 'x-supabase-api-version': '2024-01-01', authorization: `Bearer ${session.access_token}` },
      });
      assert.equal(logout.statusCode, 204, logout.body);
      await refreshFails(t, session.refresh_token, 400, 'refresh_token_not_found');
    });

    it('answers 400 user_banned for a banned user and leaves the token unrotated', async () => {
      const session = await signUpAnonymously(t.app);
      await t.database.db.query(`update auth.users set banned_until = now() + interval '1 hour' where id = $1`, [session.user.id]);
      await refreshFails(t, session.refresh_token, 400, 'user_banned');
      const rows = await tokenRows(t, sessionIdOf(session));
      assert.deepEqual(rows, [{ token: session.refresh_token, revoked: false, parent: null }]);
      await t.database.db.query(`update auth.users set banned_until = now() - interval '1 second' where id = $1`, [session.user.id]);
      await refreshOk(t, session.refresh_token);
    });

    it('needs a JSON body and a known grant type', async () => {
      for (const payload of ['', '[]', '{"refresh_token":']) {
        const response = await t.app.inject({ method: 'POST', url: '/auth/v1/token?grant_type=refresh_token', headers: versionHeaders, payload });
        assert.equal(response.statusCode, 400, response.body);
        assert.equal(response.json().code, 'bad_json');
      }
      const session = await signUpAnonymously(t.app);
      for (const url of ['/auth/v1/token?grant_type=client_credentials', '/auth/v1/token', '/auth/v1/token?grant_type=']) {
        const response = await t.app.inject({ method: 'POST', url, headers: versionHeaders, payload: { refresh_token: session.refresh_token } });
        assert.equal(response.statusCode, 400, response.body);
        assert.deepEqual(response.json(), { code: 'invalid_credentials', message: 'unsupported_grant_type' });
      }
      assert.equal((await tokenRows(t, sessionIdOf(session))).length, 1, 'nothing rotated');
    });

    it('rotates exactly once when the same token is refreshed concurrently; every caller gets a usable token or a clean 4xx', async () => {
      for (const parallel of [2, 6]) {
        const session = await signUpAnonymously(t.app);
        const sessionId = sessionIdOf(session);
        const responses = await Promise.all(Array.from({ length: parallel }, () => refresh(t, session.refresh_token)));
        const issued = new Set<string>();
        for (const response of responses) {
          assert.ok(response.statusCode < 500, `never 5xx: ${response.statusCode} ${response.body}`);
          if (response.statusCode === 200) issued.add((response.json() as Session).refresh_token);
          else assert.equal(response.statusCode, 400, response.body);
        }
        const rows = await tokenRows(t, sessionId);
        assert.equal(rows.length, 2, `exactly one rotation for ${parallel} parallel refreshes`);
        assert.equal(rows.filter((row) => !row.revoked).length, 1);
        assert.ok(issued.size >= 1, 'at least one caller succeeds');
        assert.deepEqual([...issued], [rows[1].token], 'every successful caller got the one new token');
        assert.ok(await sessionExists(t, sessionId), 'a race is not mistaken for reuse');
        const next = await refreshOk(t, rows[1].token);
        assert.notEqual(next.refresh_token, rows[1].token);
      }
    });
  });

  describe(`refresh-token reuse interval of 10 s (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL: '10' });
    });
    after(() => t.close());

    it('lets an older revoked token be reused within the interval, issuing a new child', async () => {
      const first = await signUpAnonymously(t.app);
      const sessionId = sessionIdOf(first);
      const second = await refreshOk(t, first.refresh_token);
      const third = await refreshOk(t, second.refresh_token);
      const reused = await refreshOk(t, first.refresh_token);
      assert.ok(![first.refresh_token, second.refresh_token, third.refresh_token].includes(reused.refresh_token));
      const rows = await tokenRows(t, sessionId);
      assert.equal(rows.length, 4);
      assert.equal(rows[3].parent, first.refresh_token);
      assert.ok(await sessionExists(t, sessionId));
      assert.equal((await getUser(t, reused.access_token)).statusCode, 200);
    });

    it('still refuses reuse after the interval and ends the session', async () => {
      const first = await signUpAnonymously(t.app);
      const sessionId = sessionIdOf(first);
      const second = await refreshOk(t, first.refresh_token);
      await refreshOk(t, second.refresh_token);
      await t.database.db.query(`update auth.refresh_tokens set updated_at = now() - interval '11 seconds' where token = $1`, [first.refresh_token]);
      await refreshFails(t, first.refresh_token, 400, 'refresh_token_already_used');
      assert.equal(await sessionExists(t, sessionId), false);
    });
  });

  describe(`refresh-token rotation disabled (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_SECURITY_REFRESH_TOKEN_ROTATION_ENABLED: 'false' });
    });
    after(() => t.close());

    it('still rotates and recovers lost responses, refuses reuse, but keeps the session and its newest token', async () => {
      const first = await signUpAnonymously(t.app);
      const sessionId = sessionIdOf(first);
      const second = await refreshOk(t, first.refresh_token);
      assert.notEqual(second.refresh_token, first.refresh_token);
      assert.equal((await refreshOk(t, first.refresh_token)).refresh_token, second.refresh_token);
      const third = await refreshOk(t, second.refresh_token);
      await refreshFails(t, first.refresh_token, 400, 'refresh_token_already_used');
      assert.ok(await sessionExists(t, sessionId), 'no family revocation without rotation');
      assert.equal((await getUser(t, third.access_token)).statusCode, 200);
      const fourth = await refreshOk(t, third.refresh_token);
      assert.notEqual(fourth.refresh_token, third.refresh_token);
    });
  });

  describe(`session timebox and inactivity timeout (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_SESSIONS_TIMEBOX: '1h', GOTRUE_SESSIONS_INACTIVITY_TIMEOUT: '30m' });
    });
    after(() => t.close());

    it('answers 400 session_expired for a session older than the timebox, without rotating', async () => {
      const session = await signUpAnonymously(t.app);
      const sessionId = sessionIdOf(session);
      await refreshOk(t, (await refreshOk(t, session.refresh_token)).refresh_token);
      await t.database.db.query(`update auth.sessions set created_at = now() - interval '61 minutes' where id = $1`, [sessionId]);
      const rowsBefore = await tokenRows(t, sessionId);
      const newest = rowsBefore[rowsBefore.length - 1].token;
      await refreshFails(t, newest, 400, 'session_expired');
      assert.deepEqual(await tokenRows(t, sessionId), rowsBefore);
    });

    it('keeps a session alive while it is refreshed, and expires it after 30 minutes without a refresh', async () => {
      const active = await signUpAnonymously(t.app);
      const idle = await signUpAnonymously(t.app);
      for (const session of [active, idle]) {
        await t.database.db.query(
          `update auth.sessions set created_at = now() - interval '45 minutes', updated_at = now() - interval '45 minutes' where id = $1`,
          [sessionIdOf(session)],
        );
      }
      await t.database.db.query(`update auth.sessions set refreshed_at = (now() - interval '5 minutes') at time zone 'UTC' where id = $1`, [
        sessionIdOf(active),
      ]);
      await t.database.db.query(`update auth.sessions set refreshed_at = (now() - interval '40 minutes') at time zone 'UTC' where id = $1`, [
        sessionIdOf(idle),
      ]);
      await refreshOk(t, active.refresh_token);
      await refreshFails(t, idle.refresh_token, 400, 'session_expired');
    });
  });
}
