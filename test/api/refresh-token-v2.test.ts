/**
 * Sessions GoTrue started with v2 refresh tokens (no row in auth.refresh_tokens; the session's HMAC key
 * and counter), adopted as GoTrue left them in the database: Foyer refreshes them with GoTrue's
 * semantics and keeps issuing v2 tokens for them.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import {
  base64url,
  goTrueAccessToken,
  insertGoTrueV2Session,
  readV2Token,
  storedCounter,
  v2Token,
  v2TokenBytes,
  withChecksum,
  type GoTrueV2Session,
} from '../helpers/gotrue-v2-session.js';
import { createTestProject, decodeJwt, signUpAnonymously, TEST_JWT_SECRET, versionHeaders, type TestProject } from '../helpers/project.js';

interface Session {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  expires_at: number;
  user: { id: string; email: string; is_anonymous: boolean; [key: string]: unknown };
}

/** Every inject() comes from 127.0.0.1; the refresh limit has its own tests (and one below). */
const UNLIMITED = { GOTRUE_RATE_LIMIT_TOKEN_REFRESH: '100000' };

const refresh = (t: TestProject, token: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/auth/v1/token?grant_type=refresh_token',
    headers: { ...versionHeaders, ...headers },
    payload: { refresh_token: token },
  });

async function refreshOk(t: TestProject, token: string, headers: Record<string, string> = {}): Promise<Session> {
  const response = await refresh(t, token, headers);
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as Session;
}

async function refreshFails(t: TestProject, token: unknown, status: number, code: string, message?: string): Promise<void> {
  const response = await refresh(t, token);
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.json().code, code, response.body);
  if (message) assert.equal(response.json().message, message);
}

const getUser = (t: TestProject, accessToken: string) =>
  t.app.inject({ method: 'GET', url: '/auth/v1/user', headers: { ...versionHeaders, authorization: `Bearer ${accessToken}` } });

async function sessionGone(t: TestProject, session: GoTrueV2Session): Promise<boolean> {
  return (await storedCounter(t.database.db, session.sessionId)) === undefined;
}

/** The token Foyer issued is GoTrue's v2 format for this session at `counter`, signed with its key. */
function assertV2(session: GoTrueV2Session, token: string, counter: number): void {
  assert.deepEqual(readV2Token(token), { sessionId: session.sessionId, counter: BigInt(counter) });
  assert.equal(token, session.token(counter), 'signed with the session key, byte for byte what GoTrue issues');
}

for (const engine of engines) {
  describe(`v2 refresh tokens (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, UNLIMITED);
    });
    after(() => t.close());

    it('accepts a v2 token and rotates in v2: counter + 1, same key, the claims built as for v1', async () => {
      const session = await insertGoTrueV2Session(t.database.db, { counter: 4 });
      const next = await refreshOk(t, session.token(4), { 'user-agent': 'foyer-test/2.0' });
      assertV2(session, next.refresh_token, 5);
      assert.equal(await storedCounter(t.database.db, session.sessionId), 5);
      assert.equal(next.token_type, 'bearer');
      assert.equal(next.expires_in, 3600);
      assert.equal(next.user.id, session.userId);
      assert.equal(next.user.email, session.email);
      assert.deepEqual(next.user.user_metadata, { from: 'gotrue' });
      assert.equal((next.user.identities as unknown[]).length, 1);
      const claims = decodeJwt(next.access_token);
      assert.equal(claims.sub, session.userId);
      assert.equal(claims.session_id, session.sessionId);
      assert.equal(claims.email, session.email);
      assert.equal(claims.aal, 'aal1');
      assert.equal(claims.is_anonymous, false);
      assert.deepEqual((claims.amr as { method: string }[]).map((entry) => entry.method), ['password'], 'amr from mfa_amr_claims');
      const [row] = await t.database.db.query<{ user_agent: string; refreshed: boolean; tokens: number }>(
        `select user_agent, refreshed_at is not null as refreshed,
                (select count(*)::int from auth.refresh_tokens r where r.session_id = s.id) as tokens
           from auth.sessions s where id = $1`,
        [session.sessionId],
      );
      assert.deepEqual({ ...row }, { user_agent: 'foyer-test/2.0', refreshed: true, tokens: 0 }, 'no v1 row is created');
      assert.equal((await getUser(t, next.access_token)).statusCode, 200);

      const third = await refreshOk(t, next.refresh_token);
      assertV2(session, third.refresh_token, 6);
      assert.equal(await storedCounter(t.database.db, session.sessionId), 6);
    });

    it('accepts the token of a known vector and answers with the next one', async () => {
      // Inputs as in GoTrue's codec test (all-zero key); the strings computed by a separate implementation.
      await insertGoTrueV2Session(t.database.db, { sessionId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8', key: Buffer.alloc(32) });
      const next = await refreshOk(t, 'AGunuBCdrRHRgLQAwE_UMMgA72-29ZaWWao29fspY03JE3j-pUE');
      assert.equal(next.refresh_token, 'AGunuBCdrRHRgLQAwE_UMMgBKa-G80bGeunazlwUGkCwy2bzkXE');
      assert.equal(decodeJwt(next.access_token).session_id, '6ba7b810-9dad-11d1-80b4-00c04fd430c8');
    });

    it('hands the current token back for a token one behind (the client lost the last response), without rotating', async () => {
      const session = await insertGoTrueV2Session(t.database.db);
      const first = await refreshOk(t, session.token(0));
      assertV2(session, first.refresh_token, 1);
      const again = await refreshOk(t, session.token(0));
      assert.equal(again.refresh_token, first.refresh_token);
      assert.equal(await storedCounter(t.database.db, session.sessionId), 1);
      assert.equal((await getUser(t, again.access_token)).statusCode, 200);
      const second = await refreshOk(t, first.refresh_token);
      assertV2(session, second.refresh_token, 2);
    });

    it('treats an older token as stolen: 400 already used, the whole session ends, its access tokens stop working', async () => {
      const session = await insertGoTrueV2Session(t.database.db);
      const goTrueIssued = goTrueAccessToken(TEST_JWT_SECRET, session, 3600);
      assert.equal((await getUser(t, goTrueIssued)).statusCode, 200, 'an access token GoTrue issued works');
      const first = await refreshOk(t, session.token(0));
      const second = await refreshOk(t, first.refresh_token);
      assertV2(session, second.refresh_token, 2);

      await refreshFails(t, session.token(0), 400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used');
      assert.ok(await sessionGone(t, session), 'the session is deleted');
      for (const accessToken of [goTrueIssued, first.access_token, second.access_token]) {
        const user = await getUser(t, accessToken);
        assert.equal(user.statusCode, 403, user.body);
        assert.equal(user.json().code, 'session_not_found');
      }
      await refreshFails(t, second.refresh_token, 400, 'refresh_token_not_found');
      const audit = await t.database.db.query<{ action: string; reason: string; session_id: string }>(
        `select payload->>'action' as action, payload->'traits'->>'reason' as reason, payload->'traits'->>'session_id' as session_id
           from auth.audit_log_entries where payload->>'actor_id' = $1`,
        [session.userId],
      );
      assert.deepEqual(
        audit.map((row) => ({ ...row })),
        [{ action: 'token_revoked', reason: 'refresh_token_reused', session_id: session.sessionId }],
      );
    });

    it('rotates exactly once for concurrent refreshes of one token; every caller gets the one new token', async () => {
      for (const parallel of [2, 6]) {
        const session = await insertGoTrueV2Session(t.database.db, { counter: 10 });
        const responses = await Promise.all(Array.from({ length: parallel }, () => refresh(t, session.token(10))));
        for (const response of responses) assert.equal(response.statusCode, 200, response.body);
        const issued = new Set(responses.map((response) => (response.json() as Session).refresh_token));
        assert.deepEqual([...issued], [session.token(11)]);
        assert.equal(await storedCounter(t.database.db, session.sessionId), 11, `one rotation for ${parallel} refreshes`);
        assertV2(session, (await refreshOk(t, session.token(11))).refresh_token, 12);
      }
    });

    it('answers 400 refresh_token_not_found for a forged signature, another session key, a deleted session or one without v2 data', async () => {
      const session = await insertGoTrueV2Session(t.database.db, { counter: 3 });
      const tampered = v2TokenBytes({ sessionId: session.sessionId, counter: 3, key: session.key }).subarray(0, -4);
      tampered[tampered.length - 1] ^= 0x01;
      await refreshFails(t, base64url(withChecksum(tampered)), 400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
      await refreshFails(t, v2Token({ sessionId: session.sessionId, counter: 3, key: randomBytes(32) }), 400, 'refresh_token_not_found');
      const other = await insertGoTrueV2Session(t.database.db);
      await refreshFails(t, v2Token({ sessionId: session.sessionId, counter: 3, key: other.key }), 400, 'refresh_token_not_found');
      assert.equal(await storedCounter(t.database.db, session.sessionId), 3, 'nothing moved');

      await t.database.db.query('delete from auth.sessions where id = $1', [other.sessionId]);
      await refreshFails(t, other.token(0), 400, 'refresh_token_not_found');
      await refreshFails(t, v2Token({ sessionId: randomUUID(), counter: 0, key: randomBytes(32) }), 400, 'refresh_token_not_found');

      // A session Foyer started (v1) has no key: a v2 token naming it is as good as unknown.
      const v1 = await signUpAnonymously(t.app);
      const v1SessionId = decodeJwt(v1.access_token).session_id as string;
      await refreshFails(t, v2Token({ sessionId: v1SessionId, counter: 0, key: Buffer.alloc(32) }), 400, 'refresh_token_not_found');
      await t.database.db.query('update auth.sessions set refresh_token_hmac_key = $1 where id = $2', [
        Buffer.alloc(32).toString('base64url'),
        v1SessionId,
      ]);
      await refreshFails(t, v2Token({ sessionId: v1SessionId, counter: 0, key: Buffer.alloc(32) }), 400, 'refresh_token_not_found');
      await refreshOk(t, v1.refresh_token);
    });

    it("answers 400 validation_failed for a counter ahead of the session's (signed, but never issued)", async () => {
      const session = await insertGoTrueV2Session(t.database.db, { counter: 2 });
      await refreshFails(t, session.token(3), 400, 'validation_failed', 'Invalid Refresh Token: Not Issued By This Server');
      assert.equal(await storedCounter(t.database.db, session.sessionId), 2);
      assertV2(session, (await refreshOk(t, session.token(2))).refresh_token, 3);
    });

    it('answers 400 validation_failed for malformed tokens: bad checksum, truncated, other version, bad base64; never 500', async () => {
      const session = await insertGoTrueV2Session(t.database.db);
      const good = session.token(0);
      const bytes = Buffer.from(good, 'base64url');
      const badChecksum = Buffer.from(bytes);
      badChecksum[badChecksum.length - 1] ^= 0xff;
      const otherVersion = v2TokenBytes({ version: 1, sessionId: session.sessionId, counter: 0, key: session.key });
      const malformed = [
        base64url(badChecksum),
        good.slice(0, -1),
        good.slice(0, -4),
        good.slice(0, 20),
        base64url(withChecksum(bytes.subarray(0, -5))), // the signature one byte short, checksum fixed
        base64url(otherVersion),
        `${good}=`,
        `${good.slice(0, 10)}!${good.slice(11)}`,
        bytes.toString('base64'), // standard base64, padded
        `${good}\n`,
        'A'.repeat(4096),
      ];
      for (const token of malformed) await refreshFails(t, token, 400, 'validation_failed', 'Refresh token is not valid');
      assert.equal(await storedCounter(t.database.db, session.sessionId), 0);
      await refreshOk(t, good);
    });

    it('answers 400 user_banned for a banned user and 400 session_expired past not_after, without moving the counter', async () => {
      const banned = await insertGoTrueV2Session(t.database.db, { counter: 1 });
      await t.database.db.query(`update auth.users set banned_until = now() + interval '1 hour' where id = $1`, [banned.userId]);
      await refreshFails(t, banned.token(1), 400, 'user_banned', 'Invalid Refresh Token: User Banned');
      assert.equal(await storedCounter(t.database.db, banned.sessionId), 1);

      const ended = await insertGoTrueV2Session(t.database.db, { counter: 1 });
      await t.database.db.query(`update auth.sessions set not_after = now() - interval '1 second' where id = $1`, [ended.sessionId]);
      await refreshFails(t, ended.token(1), 400, 'session_expired', 'Invalid Refresh Token: Session Expired');
      assert.equal(await storedCounter(t.database.db, ended.sessionId), 1);
    });

    it("refuses, loudly, a session whose key GoTrue stored encrypted: never as if the session did not exist", async () => {
      const envelope = JSON.stringify({ key_id: 'key-1', alg: 'aes-gcm-hkdf', data: 'c2VhbGVk', nonce: 'AAAAAAAAAAAAAAAA' });
      const session = await insertGoTrueV2Session(t.database.db, { storedKey: envelope });
      const response = await refresh(t, session.token(0));
      assert.equal(response.statusCode, 500, response.body);
      assert.equal(response.json().code, 'unexpected_failure');
      assert.equal(await storedCounter(t.database.db, session.sessionId), 0, 'the session is kept as it is');
    });

    it('keeps issuing v1 tokens to new sessions, even for a user whose other session is v2', async () => {
      const session = await insertGoTrueV2Session(t.database.db);
      const login = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=password',
        headers: versionHeaders,
        payload: { email: session.email, password: session.password },
      });
      assert.equal(login.statusCode, 200, login.body);
      const v1 = login.json() as Session;
      assert.match(v1.refresh_token, /^[a-z2-7]{12}$/);
      assert.match((await refreshOk(t, v1.refresh_token)).refresh_token, /^[a-z2-7]{12}$/);
      assertV2(session, (await refreshOk(t, session.token(0))).refresh_token, 1);
    });
  });

  describe(`v2 sessions are signed out like v1 sessions (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, UNLIMITED);
    });
    after(() => t.close());

    const logout = (accessToken: string, scope?: string) =>
      t.app.inject({
        method: 'POST',
        url: `/auth/v1/logout${scope ? `?scope=${scope}` : ''}`,
        headers: { 'x-supabase-api-version': '2024-01-01', authorization: `Bearer ${accessToken}` },
      });
    const admin = (method: 'DELETE', url: string) =>
      t.app.inject({ method, url, headers: { ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}` } });

    /** A v2 session of a GoTrue user, refreshed once by Foyer, and a v1 session of the same user. */
    async function userWithBothKinds() {
      const v2 = await insertGoTrueV2Session(t.database.db);
      const refreshed = await refreshOk(t, v2.token(0));
      const login = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=password',
        headers: versionHeaders,
        payload: { email: v2.email, password: v2.password },
      });
      assert.equal(login.statusCode, 200, login.body);
      return { v2, refreshed, v1: login.json() as Session };
    }

    async function assertSignedOut(session: GoTrueV2Session, accessToken: string, counter: number): Promise<void> {
      assert.ok(await sessionGone(t, session));
      const user = await getUser(t, accessToken);
      assert.equal(user.statusCode, 403, user.body);
      assert.equal(user.json().code, 'session_not_found');
      await refreshFails(t, session.token(counter), 400, 'refresh_token_not_found');
    }

    it('GET /user works with the access token of a refreshed v2 session, and with the one GoTrue issued', async () => {
      const { v2, refreshed } = await userWithBothKinds();
      const user = await getUser(t, refreshed.access_token);
      assert.equal(user.statusCode, 200, user.body);
      assert.equal(user.json().id, v2.userId);
      assert.equal((await getUser(t, goTrueAccessToken(TEST_JWT_SECRET, v2, 3600))).statusCode, 200);
    });

    it('POST /logout (global) from the v2 session ends both sessions', async () => {
      const { v2, refreshed, v1 } = await userWithBothKinds();
      assert.equal((await logout(refreshed.access_token)).statusCode, 204);
      await assertSignedOut(v2, refreshed.access_token, 1);
      await refreshFails(t, v1.refresh_token, 400, 'refresh_token_not_found');
    });

    it('POST /logout?scope=local ends only the v2 session; ?scope=others from the v1 session ends the v2 one', async () => {
      const local = await userWithBothKinds();
      assert.equal((await logout(local.refreshed.access_token, 'local')).statusCode, 204);
      await assertSignedOut(local.v2, local.refreshed.access_token, 1);
      await refreshOk(t, local.v1.refresh_token);

      const others = await userWithBothKinds();
      assert.equal((await logout(others.v1.access_token, 'others')).statusCode, 204);
      await assertSignedOut(others.v2, others.refreshed.access_token, 1);
      await refreshOk(t, others.v1.refresh_token);
    });

    it('the admin API signs v2 sessions out: revoking the sessions, or deleting the user', async () => {
      const revoked = await userWithBothKinds();
      const response = await admin('DELETE', `/auth/v1/admin/users/${revoked.v2.userId}/sessions`);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().revoked, 2);
      await assertSignedOut(revoked.v2, revoked.refreshed.access_token, 1);

      const deleted = await userWithBothKinds();
      assert.equal((await admin('DELETE', `/auth/v1/admin/users/${deleted.v2.userId}`)).statusCode, 200);
      assert.ok(await sessionGone(t, deleted.v2));
      await refreshFails(t, deleted.v2.token(1), 400, 'refresh_token_not_found');
    });
  });

  describe(`v2 refresh tokens with a reuse interval of 10 s (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { ...UNLIMITED, GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL: '10' });
    });
    after(() => t.close());

    it('hands the current token back for an older token within the interval after the last refresh, and ends the session after it', async () => {
      const session = await insertGoTrueV2Session(t.database.db);
      await refreshOk(t, session.token(0));
      const current = await refreshOk(t, session.token(1));
      assertV2(session, current.refresh_token, 2);
      assert.equal((await refreshOk(t, session.token(0))).refresh_token, current.refresh_token, 'concurrent refreshes by several tabs');
      assert.equal(await storedCounter(t.database.db, session.sessionId), 2);

      await t.database.db.query(`update auth.sessions set refreshed_at = (now() - interval '11 seconds') at time zone 'UTC' where id = $1`, [
        session.sessionId,
      ]);
      await refreshFails(t, session.token(0), 400, 'refresh_token_already_used');
      assert.ok(await sessionGone(t, session));
    });
  });

  describe(`v2 refresh tokens with rotation disabled (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { ...UNLIMITED, GOTRUE_SECURITY_REFRESH_TOKEN_ROTATION_ENABLED: 'false' });
    });
    after(() => t.close());

    it('refuses an older token but keeps the session and its current token', async () => {
      const session = await insertGoTrueV2Session(t.database.db);
      await refreshOk(t, session.token(0));
      const current = await refreshOk(t, session.token(1));
      await refreshFails(t, session.token(0), 400, 'refresh_token_already_used');
      assert.equal(await storedCounter(t.database.db, session.sessionId), 2);
      assert.equal((await getUser(t, current.access_token)).statusCode, 200);
      assertV2(session, (await refreshOk(t, current.refresh_token)).refresh_token, 3);
    });
  });

  describe(`v2 refresh tokens: timebox and inactivity (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { ...UNLIMITED, GOTRUE_SESSIONS_TIMEBOX: '1h', GOTRUE_SESSIONS_INACTIVITY_TIMEOUT: '30m' });
    });
    after(() => t.close());

    it('answers 400 session_expired past the timebox or after 30 minutes without a refresh', async () => {
      const old = await insertGoTrueV2Session(t.database.db);
      await t.database.db.query(`update auth.sessions set created_at = now() - interval '61 minutes' where id = $1`, [old.sessionId]);
      await refreshFails(t, old.token(0), 400, 'session_expired');

      const idle = await insertGoTrueV2Session(t.database.db);
      const active = await insertGoTrueV2Session(t.database.db);
      for (const [session, idleMinutes] of [[idle, 40], [active, 5]] as const) {
        await t.database.db.query(
          `update auth.sessions set created_at = now() - interval '45 minutes',
                                    refreshed_at = (now() - make_interval(mins => $2)) at time zone 'UTC' where id = $1`,
          [session.sessionId, idleMinutes],
        );
      }
      await refreshFails(t, idle.token(0), 400, 'session_expired');
      assert.equal(await storedCounter(t.database.db, idle.sessionId), 0);
      assertV2(active, (await refreshOk(t, active.token(0))).refresh_token, 1);
    });
  });

  describe(`v2 refresh tokens and the refresh limit (postgres store, ${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { FOYER_RATE_LIMIT_STORE: 'postgres', GOTRUE_RATE_LIMIT_TOKEN_REFRESH: '3' });
    });
    after(() => t.close());

    it('counts v2 refreshes against GOTRUE_RATE_LIMIT_TOKEN_REFRESH like any other refresh', async () => {
      const session = await insertGoTrueV2Session(t.database.db);
      for (const counter of [0, 1, 2]) assertV2(session, (await refreshOk(t, session.token(counter))).refresh_token, counter + 1);
      await refreshFails(t, session.token(3), 429, 'over_request_rate_limit');
      await refreshFails(t, 'not-a-refresh-token-of-any-kind', 429, 'over_request_rate_limit');
      assert.equal(await storedCounter(t.database.db, session.sessionId), 3, 'a refused refresh moves nothing');
    });
  });
}
