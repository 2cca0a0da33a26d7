/**
 * POST /factors/{id}/challenge and /verify (supabase-js `mfa.challenge`, `mfa.verify`,
 * `mfa.challengeAndVerify`): the session raised to aal2 in one step, and every way a verification
 * must fail: wrong, expired, replayed and brute-forced codes, challenges of another factor, user or
 * address, used challenges, removed factors, malformed input.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import {
  aalOf,
  amrMethodsOf,
  assertError,
  call,
  challenge,
  challengeAndVerify,
  createUser,
  enroll,
  refresh,
  signIn,
  totpCode,
  userWithVerifiedFactor,
  verify,
  wrongCode,
} from '../helpers/mfa.js';
import { createTestProject, decodeJwt, type TestProject } from '../helpers/project.js';

for (const engine of engines) {
  describe(`MFA challenge and verify (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY: '10000', GOTRUE_RATE_LIMIT_TOKEN_REFRESH: '10000' });
    });
    after(() => t.close());

    const sessionRow = async (sessionId: string) =>
      (await t.database.db.query<{ aal: string; factor_id: string | null }>('select aal::text, factor_id from auth.sessions where id = $1', [sessionId]))[0];

    it('challenges a factor: an id, its type and when it expires (GOTRUE_MFA_CHALLENGE_EXPIRY_DURATION)', async () => {
      await createUser(t, 'challenge@example.com');
      const { access_token: token } = await signIn(t, 'challenge@example.com');
      const factor = await enroll(t, token, 'app');
      const before = Math.floor(Date.now() / 1000);
      const response = await call(t, 'POST', `/factors/${factor.id}/challenge`, { token, payload: { factorId: factor.id } });
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json();
      assert.deepEqual(Object.keys(body), ['id', 'type', 'expires_at']);
      assert.equal(body.type, 'totp');
      assert.ok(body.expires_at >= before + 300 && body.expires_at <= Math.ceil(Date.now() / 1000) + 300, String(body.expires_at));
      const [row] = await t.database.db.query<{ ip: string; challenged: boolean }>(
        `select host(c.ip_address) as ip, f.last_challenged_at is not null as challenged
           from auth.mfa_challenges c join auth.mfa_factors f on f.id = c.factor_id where c.id = $1`,
        [body.id],
      );
      assert.deepEqual(row, { ip: '127.0.0.1', challenged: true });
    });

    it('verifies: the same session raised to aal2 with a new refresh token; the factor verified, other aal1 sessions and unverified TOTP factors gone', async () => {
      await createUser(t, 'verify@example.com');
      const session = await signIn(t, 'verify@example.com');
      const otherSession = await signIn(t, 'verify@example.com');
      const factor = await enroll(t, session.access_token, 'app');
      const leftover = await enroll(t, session.access_token, 'abandoned');
      assert.equal(aalOf(session.access_token), 'aal1');

      const challengeId = await challenge(t, session.access_token, factor.id);
      const response = await verify(t, session.access_token, factor.id, challengeId, totpCode(factor.secret));
      assert.equal(response.statusCode, 200, response.body);
      const raised = response.json();
      assert.deepEqual(Object.keys(raised), ['access_token', 'token_type', 'expires_in', 'expires_at', 'refresh_token', 'user']);
      const claims = decodeJwt(raised.access_token);
      assert.equal(claims.aal, 'aal2');
      assert.equal(claims.session_id, decodeJwt(session.access_token).session_id, 'the same session');
      assert.deepEqual(amrMethodsOf(raised.access_token), ['totp', 'password'], 'newest first');
      assert.notEqual(raised.refresh_token, session.refresh_token);
      // The answer's user is read before the other unverified factors are removed (as GoTrue's).
      assert.deepEqual(
        raised.user.factors.map((f: { id: string; status: string }) => [f.id, f.status]),
        [[factor.id, 'verified'], [leftover.id, 'unverified']],
      );

      assert.deepEqual(await sessionRow(claims.session_id as string), { aal: 'aal2', factor_id: factor.id });
      const [token] = await t.database.db.query<{ parent: string; revoked: boolean }>('select parent, revoked from auth.refresh_tokens where token = $1', [raised.refresh_token]);
      assert.deepEqual(token, { parent: session.refresh_token, revoked: false }, 'the live token was swapped for a child');
      assertError(await call(t, 'GET', '/user', { token: otherSession.access_token }), 403, 'session_not_found');
      const factors = (await call(t, 'GET', '/user', { token: raised.access_token })).json().factors;
      assert.deepEqual(factors.map((f: { id: string }) => f.id), [factor.id]);

      const actions = await t.database.db.query<{ action: string; traits: Record<string, unknown> | null }>(
        `select payload->>'action' as action, payload->'traits' as traits from auth.audit_log_entries
          where payload->>'actor_id' = $1 and payload->>'log_type' in ('factor', 'token') order by created_at, payload->>'action'`,
        [raised.user.id],
      );
      assert.deepEqual(actions.map((row) => row.action).filter((action) => action !== 'factor_in_progress'), ['challenge_created', 'token_revoked', 'verification_attempted']);
      assert.deepEqual(actions.find((row) => row.action === 'verification_attempted')?.traits, { factor_id: factor.id, challenge_id: challengeId, factor_type: 'totp' });
    });

    it('keeps aal2 and the amr on refresh, and a new sign-in starts at aal1 with the factor to raise it', async () => {
      const { factor, aal2 } = await userWithVerifiedFactor(t, 'refresh@example.com');
      const refreshed = await refresh(t, aal2.refresh_token);
      assert.equal(refreshed.statusCode, 200, refreshed.body);
      assert.equal(aalOf(refreshed.json().access_token), 'aal2');
      assert.deepEqual(amrMethodsOf(refreshed.json().access_token), ['totp', 'password']);
      assert.deepEqual(decodeJwt(refreshed.json().access_token).amr, decodeJwt(aal2.access_token).amr, 'the same methods and times');

      const again = await signIn(t, 'refresh@example.com');
      assert.equal(aalOf(again.access_token), 'aal1');
      assert.equal(again.user.factors?.[0].status, 'verified', 'the sign-in answer shows the verified factor (nextLevel aal2)');
      const raised = await challengeAndVerify(t, again.access_token, factor, 1);
      assert.equal(aalOf(raised.access_token), 'aal2');
      assert.equal(aalOf((await refresh(t, raised.refresh_token)).json().access_token), 'aal2');
    });

    it('refuses a wrong code (422 mfa_verification_failed) and leaves the challenge usable, as GoTrue', async () => {
      await createUser(t, 'wrong@example.com');
      const { access_token: token } = await signIn(t, 'wrong@example.com');
      const factor = await enroll(t, token);
      const challengeId = await challenge(t, token, factor.id);
      for (const code of [wrongCode(factor.secret), '12345', '1234567', 'abcdef', '12345６', '١٢٣٤٥٦', `${totpCode(factor.secret)}0`]) {
        assertError(await verify(t, token, factor.id, challengeId, code), 422, 'mfa_verification_failed', /Invalid TOTP code entered/);
      }
      const response = await verify(t, token, factor.id, challengeId, ` ${totpCode(factor.secret)}\n`);
      assert.equal(response.statusCode, 200, 'white space around the code is ignored, as GoTrue');
    });

    it('refuses the same code twice, even with a new challenge; the next time step’s code still works', async () => {
      await createUser(t, 'replay@example.com');
      const { access_token: token } = await signIn(t, 'replay@example.com');
      const factor = await enroll(t, token);
      const code = totpCode(factor.secret);
      const first = await verify(t, token, factor.id, await challenge(t, token, factor.id), code);
      assert.equal(first.statusCode, 200, first.body);
      const raised = first.json().access_token;
      assertError(await verify(t, raised, factor.id, await challenge(t, raised, factor.id), code), 422, 'mfa_verification_failed');
      // From another session of the same user too.
      const other = await signIn(t, 'replay@example.com');
      assertError(await verify(t, other.access_token, factor.id, await challenge(t, other.access_token, factor.id), code), 422, 'mfa_verification_failed');
      const next = await verify(t, other.access_token, factor.id, await challenge(t, other.access_token, factor.id), totpCode(factor.secret, 1));
      assert.equal(next.statusCode, 200, next.body);
    });

    it('refuses a used challenge, one from another address (mfa_ip_address_mismatch) and an expired one (deleted)', async () => {
      await createUser(t, 'challenges@example.com');
      const { access_token: token } = await signIn(t, 'challenges@example.com');
      const factor = await enroll(t, token);
      const elsewhere = await challenge(t, token, factor.id, '203.0.113.7');
      assertError(await verify(t, token, factor.id, elsewhere, totpCode(factor.secret)), 422, 'mfa_ip_address_mismatch', /Challenge and verify IP addresses mismatch/);

      const expired = await challenge(t, token, factor.id);
      await t.database.db.query(`update auth.mfa_challenges set created_at = now() - interval '301 seconds' where id = $1`, [expired]);
      assertError(await verify(t, token, factor.id, expired, totpCode(factor.secret)), 422, 'mfa_challenge_expired', new RegExp(`MFA challenge ${expired} has expired`));
      assert.equal((await t.database.db.query('select 1 from auth.mfa_challenges where id = $1', [expired])).length, 0);

      const used = await challenge(t, token, factor.id);
      const ok = await verify(t, token, factor.id, used, totpCode(factor.secret));
      assert.equal(ok.statusCode, 200, ok.body);
      assertError(await verify(t, ok.json().access_token, factor.id, used, totpCode(factor.secret, 1)), 422, 'mfa_ip_address_mismatch');
    });

    it("refuses another factor's challenge, another user's factor, and a factor after it was unenrolled", async () => {
      await createUser(t, 'owner@example.com');
      const owner = await signIn(t, 'owner@example.com');
      const ownFactor = await enroll(t, owner.access_token, 'a');
      const secondFactor = await enroll(t, owner.access_token, 'b');
      const challengeOfA = await challenge(t, owner.access_token, ownFactor.id);
      assertError(
        await verify(t, owner.access_token, secondFactor.id, challengeOfA, totpCode(secondFactor.secret)),
        422,
        'mfa_factor_not_found',
        /MFA factor with the provided challenge ID not found/,
      );

      await createUser(t, 'intruder@example.com');
      const intruder = await signIn(t, 'intruder@example.com');
      assertError(await call(t, 'POST', `/factors/${ownFactor.id}/challenge`, { token: intruder.access_token, payload: {} }), 404, 'mfa_factor_not_found', /Factor not found/);
      assertError(await verify(t, intruder.access_token, ownFactor.id, challengeOfA, totpCode(ownFactor.secret)), 404, 'mfa_factor_not_found');
      assertError(await call(t, 'DELETE', `/factors/${ownFactor.id}`, { token: intruder.access_token }), 404, 'mfa_factor_not_found');

      const removed = await call(t, 'DELETE', `/factors/${ownFactor.id}`, { token: owner.access_token });
      assert.equal(removed.statusCode, 200, removed.body);
      assertError(await verify(t, owner.access_token, ownFactor.id, challengeOfA, totpCode(ownFactor.secret)), 404, 'mfa_factor_not_found');
      assertError(await call(t, 'POST', `/factors/${ownFactor.id}/challenge`, { token: owner.access_token, payload: {} }), 404, 'mfa_factor_not_found');
    });

    it('answers malformed ids and bodies with 4xx, never 500', async () => {
      await createUser(t, 'badinput@example.com');
      const { access_token: token } = await signIn(t, 'badinput@example.com');
      const factor = await enroll(t, token);
      const challengeId = await challenge(t, token, factor.id);
      for (const id of ['nope', '1', '00000000-0000-0000-0000-00000000000g', "' or 1=1 --", '%00']) {
        // %00 goes as it is: it decodes to NUL, which no path may carry.
        const response = await call(t, 'POST', `/factors/${id === '%00' ? id : encodeURIComponent(id)}/challenge`, { token, payload: {} });
        assert.equal(response.statusCode, id === '%00' ? 400 : 404, `${id}: ${response.body}`);
        assert.equal(response.json().code, 'validation_failed', id);
      }
      assertError(await call(t, 'DELETE', '/factors/not-a-uuid', { token }), 404, 'validation_failed', /factor_id must be an UUID/);
      const url = `/factors/${factor.id}/verify`;
      assertError(await call(t, 'POST', url, { token, payload: { challenge_id: challengeId } }), 400, 'validation_failed', /Code needs to be non-empty/);
      assertError(await call(t, 'POST', url, { token, payload: { challenge_id: challengeId, code: '' } }), 400, 'validation_failed');
      assertError(await call(t, 'POST', url, { token, payload: { challenge_id: 'not-a-uuid', code: '123456' } }), 400, 'bad_json');
      assertError(await call(t, 'POST', url, { token, payload: { code: totpCode(factor.secret) } }), 422, 'mfa_factor_not_found');
      for (const payload of ['', 'garbage', '[]', '{"challenge_id": 5, "code": "123456"}', `{"challenge_id": "${challengeId}", "code": 123456}`]) {
        const response = await call(t, 'POST', url, { token, payload });
        assert.equal(response.statusCode, 400, `${payload}: ${response.body}`);
        assert.match(response.json().code, /^(bad_json|validation_failed)$/);
      }
      assertError(await call(t, 'POST', url, { payload: { challenge_id: challengeId, code: '123456' } }), 401, 'no_authorization');
      // The challenge survived all of this.
      assert.equal((await verify(t, token, factor.id, challengeId, totpCode(factor.secret))).statusCode, 200);
    });

    it('lets exactly one of several concurrent verifications of one challenge through', async () => {
      await createUser(t, 'concurrent@example.com');
      const { access_token: token } = await signIn(t, 'concurrent@example.com');
      const factor = await enroll(t, token);
      const challengeId = await challenge(t, token, factor.id);
      const code = totpCode(factor.secret);
      const answers = await Promise.all([1, 2, 3, 4].map(() => verify(t, token, factor.id, challengeId, code)));
      assert.deepEqual(answers.map((answer) => answer.statusCode).sort(), [200, 422, 422, 422]);
      const sessions = await t.database.db.query<{ aal: string }>(
        `select s.aal::text from auth.sessions s join auth.users u on u.id = s.user_id where u.email = 'concurrent@example.com'`,
      );
      assert.deepEqual(sessions.map((session) => session.aal), ['aal2']);
    });

    it('lets exactly one of concurrent verifications of one code with different challenges through (no replay by racing)', async () => {
      await createUser(t, 'racing@example.com');
      const { access_token: token } = await signIn(t, 'racing@example.com');
      const factor = await enroll(t, token);
      const challenges = [await challenge(t, token, factor.id), await challenge(t, token, factor.id), await challenge(t, token, factor.id)];
      const code = totpCode(factor.secret);
      const answers = await Promise.all(challenges.map((id) => verify(t, token, factor.id, id, code)));
      assert.deepEqual(answers.map((answer) => answer.statusCode).sort(), [200, 422, 422]);
    });

    it('needs a session in the token to verify (a token minted without one cannot be raised)', async () => {
      const { factor, userId } = await userWithVerifiedFactor(t, 'sessionless@example.com');
      const aal1 = await signIn(t, 'sessionless@example.com');
      const { SignJWT } = await import('jose');
      const claims = { ...decodeJwt(aal1.access_token), session_id: undefined };
      const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode('test-secret-that-is-long-enough-for-hs256-0123456789'));
      const challengeId = await challenge(t, token, factor.id);
      assertError(await verify(t, token, factor.id, challengeId, totpCode(factor.secret, 1)), 403, 'session_not_found');
      assert.equal((await t.database.db.query(`select 1 from auth.sessions where user_id = $1 and aal = 'aal2'`, [userId])).length, 1);
    });
  });

  describe(`MFA rate limit GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY: '3' });
    });
    after(() => t.close());

    it('stops brute force: after 3 verifications a minute from one address, even the right code is 429', async () => {
      await createUser(t, 'brute@example.com');
      const { access_token: token } = await signIn(t, 'brute@example.com');
      const factor = await enroll(t, token);
      const attacker = '198.51.100.9';
      const challengeId = await challenge(t, token, factor.id, attacker);
      for (let attempt = 0; attempt < 3; attempt += 1) {
        assertError(await verify(t, token, factor.id, challengeId, wrongCode(factor.secret), attacker), 422, 'mfa_verification_failed');
      }
      const limited = await verify(t, token, factor.id, challengeId, totpCode(factor.secret), attacker);
      assertError(limited, 429, 'over_request_rate_limit');
      assert.ok(Number(limited.headers['retry-after']) >= 1);
      // Challenges have their own bucket of the same size.
      await challenge(t, token, factor.id, attacker);
      await challenge(t, token, factor.id, attacker);
      assertError(await call(t, 'POST', `/factors/${factor.id}/challenge`, { token, payload: {}, from: attacker }), 429, 'over_request_rate_limit');
      // Another address is not limited.
      const fresh = await challenge(t, token, factor.id, '198.51.100.10');
      assert.equal((await verify(t, token, factor.id, fresh, totpCode(factor.secret), '198.51.100.10')).statusCode, 200);
    });
  });
}
