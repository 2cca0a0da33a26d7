/**
 * Phone MFA factors as GoTrue serves them: enrolment (the number validated and normalised, one per user,
 * GoTrue's limits), challenges (a code by SMS through the sender, GOTRUE_MFA_PHONE_OTP_LENGTH,
 * _TEMPLATE and _MAX_FREQUENCY, the code kept as GoTrue keeps it), verification to aal2 with the
 * `mfa/phone` method, and every way it must fail: wrong, expired and replayed codes, another user's
 * factor, a removed factor, the switches off, the maximum, a duplicate number, a failing provider,
 * and brute force against the verify limit, counted across two processes.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { openProject } from '../../src/runtime.js';
import { openPostgres } from '../../src/store/postgres.js';
import { engines } from '../helpers/engines.js';
import { aalOf, amrMethodsOf, assertError, call, createUser, refresh, signIn, verify } from '../helpers/mfa.js';
import { challengePhone, codeSentTo, enrollPhone, forgetLastChallenge, freshPhone, lastSmsTo, otherCode, PHONE_MFA_ON } from '../helpers/mfa-phone.js';
import { createTestProject, decodeJwt, TEST_JWT_SECRET, versionHeaders, type TestProject } from '../helpers/project.js';
import { startSmsProviderServer, type SmsProviderServer } from '../helpers/sms-provider.js';

let users = 0;
const freshEmail = (label: string) => `${label}-${process.pid}-${(users += 1)}@example.com`;

for (const engine of engines) {
  describe(`phone MFA factors (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { ...PHONE_MFA_ON, GOTRUE_MFA_PHONE_OTP_LENGTH: '8', GOTRUE_MFA_PHONE_TEMPLATE: 'Foyer sign-in code: {{ .Code }}.' });
    });
    after(() => t.close());

    const signedIn = async (label: string) => {
      const email = freshEmail(label);
      const userId = await createUser(t, email);
      return { userId, email, token: (await signIn(t, email)).access_token };
    };
    const challengeRow = async (challengeId: string) =>
      (await t.database.db.query<{ otp_code: string | null; ip: string }>('select otp_code, host(ip_address) as ip from auth.mfa_challenges where id = $1', [challengeId]))[0];

    it('enrols a number as GoTrue does: the answer echoes it, the row keeps E.164 digits without "+", no secret', async () => {
      const { userId, token } = await signedIn('enrol');
      const phone = freshPhone();
      const response = await call(t, 'POST', '/factors', { token, payload: { factor_type: 'phone', phone: `+${phone.slice(0, 4)} ${phone.slice(4)}`, friendly_name: 'Work phone' } });
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json();
      assert.deepEqual(Object.keys(body), ['id', 'type', 'friendly_name', 'phone']);
      assert.deepEqual({ ...body, id: undefined }, { id: undefined, type: 'phone', friendly_name: 'Work phone', phone: `+${phone.slice(0, 4)} ${phone.slice(4)}` });
      const [row] = await t.database.db.query<Record<string, unknown>>(
        `select user_id, factor_type::text, status::text, phone, secret from auth.mfa_factors where id = $1`,
        [body.id],
      );
      assert.deepEqual(row, { user_id: userId, factor_type: 'phone', status: 'unverified', phone, secret: null });
      const factors = (await call(t, 'GET', '/user', { token })).json().factors;
      assert.deepEqual(factors.map((f: { factor_type: string; phone: string }) => [f.factor_type, f.phone]), [['phone', phone]]);
    });

    it('refuses a missing or malformed number with GoTrue’s 400 validation_failed', async () => {
      const { token } = await signedIn('badphone');
      assertError(await call(t, 'POST', '/factors', { token, payload: { factor_type: 'phone' } }), 400, 'validation_failed', /^Phone number required to enroll Phone factor$/);
      assertError(await call(t, 'POST', '/factors', { token, payload: { factor_type: 'phone', phone: '' } }), 400, 'validation_failed', /Phone number required/);
      for (const phone of ['abc', '+0123456', '1', '1234567890123456', '+1 555-0100', '１５５５０１００']) {
        assertError(await call(t, 'POST', '/factors', { token, payload: { factor_type: 'phone', phone } }), 400, 'validation_failed', /Invalid phone number format \(E\.164 required\)/);
      }
      for (const phone of [5551234567, ['15550100'], { n: 1 }]) {
        const response = await call(t, 'POST', '/factors', { token, payload: { factor_type: 'phone', phone } });
        assert.equal(response.statusCode, 400, response.body);
      }
      assert.equal((await call(t, 'GET', '/user', { token })).json().factors, undefined, 'nothing enrolled');
    });

    it('one factor per number: an unverified one is replaced, a verified one refuses (422 mfa_verified_factor_exists)', async () => {
      const { userId, token } = await signedIn('duplicate');
      const phone = freshPhone();
      const first = await enrollPhone(t, token, phone, 'first');
      const second = await enrollPhone(t, token, `+${phone}`, 'second');
      const ids = async () => (await t.database.db.query<{ id: string }>('select id from auth.mfa_factors where user_id = $1', [userId])).map((r) => r.id);
      assert.deepEqual(await ids(), [second], 'the unverified factor of that number was replaced');
      assert.notEqual(first, second);

      const challengeId = await challengePhone(t, token, second);
      const raised = await verify(t, token, second, challengeId, await codeSentTo(t.database.db, phone));
      assert.equal(raised.statusCode, 200, raised.body);
      const aal2 = raised.json().access_token as string;
      assertError(
        await call(t, 'POST', '/factors', { token: aal2, payload: { factor_type: 'phone', phone, friendly_name: 'third' } }),
        422,
        'mfa_verified_factor_exists',
        /^A verified phone factor already exists, unenroll the existing factor to continue$/,
      );
      // Another number is fine, and so is the same number for another user.
      await enrollPhone(t, aal2, freshPhone(), 'other number');
      const other = await signedIn('duplicate-other');
      await enrollPhone(t, other.token, phone, 'mine too');
    });

    it('keeps GoTrue’s general rules: friendly name conflict, the maximum of factors, aal2 once a factor is verified', async () => {
      const limited = await createTestProject(engine, { ...PHONE_MFA_ON, GOTRUE_MFA_MAX_ENROLLED_FACTORS: '2' });
      try {
        const email = freshEmail('max');
        await createUser(limited, email);
        const { access_token: token } = await signIn(limited, email);
        await enrollPhone(limited, token, freshPhone(), 'one');
        assertError(await call(limited, 'POST', '/factors', { token, payload: { factor_type: 'phone', phone: freshPhone(), friendly_name: 'one' } }), 422, 'mfa_factor_name_conflict');
        await call(limited, 'POST', '/factors', { token, payload: { factor_type: 'totp', friendly_name: 'two' } });
        assertError(
          await call(limited, 'POST', '/factors', { token, payload: { factor_type: 'phone', phone: freshPhone(), friendly_name: 'three' } }),
          422,
          'too_many_enrolled_mfa_factors',
        );
        assert.equal((await limited.database.db.query(`select 1 from auth.mfa_factors f join auth.users u on u.id = f.user_id where u.email = $1`, [email])).length, 2);
      } finally {
        await limited.close();
      }
      const { token } = await signedIn('aal');
      const phone = freshPhone();
      const factorId = await enrollPhone(t, token, phone, 'verified');
      const challengeId = await challengePhone(t, token, factorId);
      assert.equal((await verify(t, token, factorId, challengeId, await codeSentTo(t.database.db, phone))).statusCode, 200);
      const aal1 = (await signIn(t, (await t.database.db.query<{ email: string }>('select u.email from auth.users u join auth.mfa_factors f on f.user_id = u.id where f.id = $1', [factorId]))[0].email)).access_token;
      assertError(await call(t, 'POST', '/factors', { token: aal1, payload: { factor_type: 'phone', phone: freshPhone(), friendly_name: 'late' } }), 403, 'insufficient_aal');
    });

    it('challenges: an SMS with the configured template and length through the outbox; the code kept in otp_code as GoTrue keeps it', async () => {
      const { token } = await signedIn('challenge');
      const phone = freshPhone();
      const factorId = await enrollPhone(t, token, phone);
      const before = Math.floor(Date.now() / 1000);
      const response = await call(t, 'POST', `/factors/${factorId}/challenge`, { token, payload: { factorId } });
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json();
      assert.deepEqual(Object.keys(body), ['id', 'type', 'expires_at']);
      assert.equal(body.type, 'phone');
      assert.ok(body.expires_at >= before + 300 && body.expires_at <= Math.ceil(Date.now() / 1000) + 300);
      const sms = await lastSmsTo(t.database.db, phone);
      assert.match(sms.body, /^Foyer sign-in code: \d{8}\.$/);
      assert.deepEqual([sms.kind, sms.channel], ['mfa', 'sms']);
      const code = sms.body.slice('Foyer sign-in code: '.length, -1);
      assert.deepEqual(await challengeRow(body.id), { otp_code: code, ip: '127.0.0.1' });
    });

    it('allows one challenge per GOTRUE_MFA_PHONE_MAX_FREQUENCY (1m) per factor: 429 over_sms_send_rate_limit, nothing sent', async () => {
      const { token } = await signedIn('frequency');
      const phone = freshPhone();
      const factorId = await enrollPhone(t, token, phone);
      await challengePhone(t, token, factorId);
      const sent = async () => (await t.database.db.query('select 1 from auth.foyer_sms_outbox where recipient = $1', [phone])).length;
      assert.equal(await sent(), 1);
      assertError(
        await call(t, 'POST', `/factors/${factorId}/challenge`, { token, payload: {} }),
        429,
        'over_sms_send_rate_limit',
        /^For security purposes, you can only request this after (59|60) seconds\.$/,
      );
      const racing = await Promise.all([1, 2, 3].map(() => call(t, 'POST', `/factors/${factorId}/challenge`, { token, payload: {} })));
      assert.deepEqual(racing.map((r) => r.statusCode), [429, 429, 429]);
      assert.equal(await sent(), 1);
      await forgetLastChallenge(t.database.db, factorId);
      const raced = await Promise.all([1, 2, 3].map(() => call(t, 'POST', `/factors/${factorId}/challenge`, { token, payload: {} })));
      assert.deepEqual(raced.map((r) => r.statusCode).sort(), [200, 429, 429], 'of concurrent challenges one sends a code');
      assert.equal(await sent(), 2);
    });

    it('refuses a channel the sender lacks (WhatsApp without Twilio) and a malformed channel, before sending', async () => {
      const { token } = await signedIn('channel');
      const phone = freshPhone();
      const factorId = await enrollPhone(t, token, phone);
      assertError(await call(t, 'POST', `/factors/${factorId}/challenge`, { token, payload: { channel: 'whatsapp' } }), 400, 'validation_failed', /Invalid channel/);
      assertError(await call(t, 'POST', `/factors/${factorId}/challenge`, { token, payload: { channel: 'pigeon' } }), 400, 'validation_failed', /Invalid channel/);
      assertError(await call(t, 'POST', `/factors/${factorId}/challenge`, { token, payload: { channel: 5 } }), 400, 'bad_json');
      assertError(await call(t, 'POST', `/factors/${factorId}/challenge`, { token, payload: '[]' }), 400, 'bad_json');
      assert.equal((await t.database.db.query('select 1 from auth.mfa_challenges where factor_id = $1', [factorId])).length, 0);
      await challengePhone(t, token, factorId, { channel: 'sms' });
    });

    it('verifies: the session raised to aal2 with mfa/phone, the factor verified, aal2 kept on refresh; a new sign-in is aal1 with the factor to raise it', async () => {
      const { email, token } = await signedIn('verify');
      const phone = freshPhone();
      const factorId = await enrollPhone(t, token, phone, 'phone');
      const challengeId = await challengePhone(t, token, factorId);
      const response = await verify(t, token, factorId, challengeId, await codeSentTo(t.database.db, phone));
      assert.equal(response.statusCode, 200, response.body);
      const raised = response.json();
      assert.equal(aalOf(raised.access_token), 'aal2');
      assert.deepEqual(amrMethodsOf(raised.access_token), ['mfa/phone', 'password']);
      assert.equal(decodeJwt(raised.access_token).session_id, decodeJwt(token).session_id);
      assert.deepEqual(
        (await t.database.db.query('select aal::text, factor_id from auth.sessions where id = $1', [decodeJwt(token).session_id as string]))[0],
        { aal: 'aal2', factor_id: factorId },
      );
      assert.equal(raised.user.factors[0].status, 'verified');
      const refreshed = await refresh(t, raised.refresh_token);
      assert.equal(aalOf(refreshed.json().access_token), 'aal2');

      const again = await signIn(t, email);
      assert.equal(aalOf(again.access_token), 'aal1');
      assert.equal(again.user.factors?.[0].status, 'verified');
      const secondChallenge = await call(t, 'POST', `/factors/${factorId}/challenge`, { token: again.access_token, payload: {} });
      assertError(secondChallenge, 429, 'over_sms_send_rate_limit');
      await forgetLastChallenge(t.database.db, factorId);
      const next = await challengePhone(t, again.access_token, factorId);
      const nextRaised = await verify(t, again.access_token, factorId, next, await codeSentTo(t.database.db, phone));
      assert.equal(aalOf(nextRaised.json().access_token), 'aal2');
    });

    it('refuses a wrong code (422, the challenge stays usable), an expired challenge (deleted) and a replayed one', async () => {
      const { token } = await signedIn('attacks');
      const phone = freshPhone();
      const factorId = await enrollPhone(t, token, phone);
      const challengeId = await challengePhone(t, token, factorId);
      const code = await codeSentTo(t.database.db, phone);
      for (const wrong of [otherCode(code), code.slice(0, -1), `${code}0`, ` ${code}`, '000000']) {
        assertError(await verify(t, token, factorId, challengeId, wrong), 422, 'mfa_verification_failed', /^Invalid MFA Phone code entered$/);
      }
      const ok = await verify(t, token, factorId, challengeId, code);
      assert.equal(ok.statusCode, 200, ok.body);
      const aal2 = ok.json().access_token as string;
      assertError(await verify(t, aal2, factorId, challengeId, code), 422, 'mfa_ip_address_mismatch', /Challenge and verify IP addresses mismatch/);

      await forgetLastChallenge(t.database.db, factorId);
      const expiring = await challengePhone(t, aal2, factorId);
      const expiringCode = await codeSentTo(t.database.db, phone);
      await t.database.db.query(`update auth.mfa_challenges set created_at = now() - interval '301 seconds' where id = $1`, [expiring]);
      assertError(await verify(t, aal2, factorId, expiring, expiringCode), 422, 'mfa_challenge_expired', new RegExp(`MFA challenge ${expiring} has expired`));
      assert.equal((await t.database.db.query('select 1 from auth.mfa_challenges where id = $1', [expiring])).length, 0);

      await forgetLastChallenge(t.database.db, factorId);
      const elsewhere = await challengePhone(t, aal2, factorId, { from: '203.0.113.7' });
      assertError(await verify(t, aal2, factorId, elsewhere, await codeSentTo(t.database.db, phone)), 422, 'mfa_ip_address_mismatch');
    });

    it('lets exactly one of several concurrent verifications of one code through', async () => {
      const { token } = await signedIn('concurrent');
      const phone = freshPhone();
      const factorId = await enrollPhone(t, token, phone);
      const challengeId = await challengePhone(t, token, factorId);
      const code = await codeSentTo(t.database.db, phone);
      const answers = await Promise.all([1, 2, 3, 4].map(() => verify(t, token, factorId, challengeId, code)));
      assert.deepEqual(answers.map((answer) => answer.statusCode).sort(), [200, 422, 422, 422]);
    });

    it("refuses another user's factor and a factor after it was unenrolled (404 mfa_factor_not_found)", async () => {
      const owner = await signedIn('owner');
      const phone = freshPhone();
      const factorId = await enrollPhone(t, owner.token, phone);
      const challengeId = await challengePhone(t, owner.token, factorId);
      const code = await codeSentTo(t.database.db, phone);
      const intruder = await signedIn('intruder');
      assertError(await call(t, 'POST', `/factors/${factorId}/challenge`, { token: intruder.token, payload: {} }), 404, 'mfa_factor_not_found');
      assertError(await verify(t, intruder.token, factorId, challengeId, code), 404, 'mfa_factor_not_found');
      assert.equal((await t.database.db.query('select 1 from auth.foyer_sms_outbox where recipient = $1', [phone])).length, 1, 'no SMS for the intruder');

      assert.equal((await call(t, 'DELETE', `/factors/${factorId}`, { token: owner.token })).statusCode, 200);
      assertError(await verify(t, owner.token, factorId, challengeId, code), 404, 'mfa_factor_not_found');
      assertError(await call(t, 'POST', `/factors/${factorId}/challenge`, { token: owner.token, payload: {} }), 404, 'mfa_factor_not_found');
    });

    it('unenrolling a verified phone factor from aal2 drops its sessions to aal1 and removes mfa/phone', async () => {
      const { email, token } = await signedIn('unenrol');
      const phone = freshPhone();
      const factorId = await enrollPhone(t, token, phone);
      const challengeId = await challengePhone(t, token, factorId);
      const raised = (await verify(t, token, factorId, challengeId, await codeSentTo(t.database.db, phone))).json();
      const aal1 = await signIn(t, email);
      assertError(await call(t, 'DELETE', `/factors/${factorId}`, { token: aal1.access_token }), 422, 'insufficient_aal');
      assert.equal((await call(t, 'DELETE', `/factors/${factorId}`, { token: raised.access_token })).statusCode, 200);
      const after = await refresh(t, raised.refresh_token);
      assert.equal(aalOf(after.json().access_token), 'aal1');
      assert.deepEqual(amrMethodsOf(after.json().access_token), ['password']);
    });
  });

  describe(`phone MFA switched off, as GoTrue by default (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_MFA_PHONE_ENROLL_ENABLED: 'true' });
    });
    after(() => t.close());

    it('GOTRUE_MFA_PHONE_VERIFY_ENABLED off: challenge and verify answer 422 mfa_phone_verify_not_enabled, nothing sent', async () => {
      const email = freshEmail('verify-off');
      await createUser(t, email);
      const { access_token: token } = await signIn(t, email);
      const phone = freshPhone();
      const factorId = await enrollPhone(t, token, phone);
      assertError(await call(t, 'POST', `/factors/${factorId}/challenge`, { token, payload: {} }), 422, 'mfa_phone_verify_not_enabled', /MFA verification is disabled for Phone/);
      assertError(await verify(t, token, factorId, '00000000-0000-4000-8000-000000000000', '123456'), 422, 'mfa_phone_verify_not_enabled');
      assert.equal((await t.database.db.query('select 1 from auth.foyer_sms_outbox where recipient = $1', [phone])).length, 0);
    });

    it('GOTRUE_MFA_PHONE_ENROLL_ENABLED off (the default): 422 mfa_phone_enroll_not_enabled', async () => {
      const off = await createTestProject(engine);
      try {
        const email = freshEmail('enrol-off');
        await createUser(off, email);
        const { access_token: token } = await signIn(off, email);
        assertError(await call(off, 'POST', '/factors', { token, payload: { factor_type: 'phone', phone: freshPhone() } }), 422, 'mfa_phone_enroll_not_enabled');
      } finally {
        await off.close();
      }
    });
  });

  describe(`phone MFA through a failing SMS provider (${engine})`, () => {
    let server: SmsProviderServer;
    let t: TestProject;
    before(async () => {
      server = await startSmsProviderServer();
      t = await createTestProject(engine, {
        ...PHONE_MFA_ON,
        GOTRUE_SMS_PROVIDER: 'twilio',
        GOTRUE_SMS_TWILIO_ACCOUNT_SID: 'AC0009',
        GOTRUE_SMS_TWILIO_AUTH_TOKEN: 'secret-twilio-token',
        GOTRUE_SMS_TWILIO_MESSAGE_SERVICE_SID: 'MG0009',
        FOYER_SMS_PROVIDER_URL: server.url,
        GOTRUE_INTERNAL_HTTP_TIMEOUT: '1s',
      });
    });
    after(async () => {
      await t.close();
      await server.close();
    });
    beforeEach(() => {
      server.mode = { kind: 'ok' };
    });

    it('a refusal, a 5xx or a timeout: 422 sms_send_failed naming the reason, no challenge, and the next challenge goes through at once', async () => {
      const email = freshEmail('provider');
      await createUser(t, email);
      const { access_token: token } = await signIn(t, email);
      const phone = freshPhone();
      const factorId = await enrollPhone(t, token, phone);
      const state = async () =>
        (await t.database.db.query<{ challenges: number; challenged: boolean }>(
          `select (select count(*)::int from auth.mfa_challenges where factor_id = $1) as challenges,
                  (select last_challenged_at is not null from auth.mfa_factors where id = $1) as challenged`,
          [factorId],
        ))[0];
      for (const mode of [{ kind: 'refused' }, { kind: 'status', status: 503, body: 'Service Unavailable' }, { kind: 'hang' }] as const) {
        server.mode = mode;
        const failed = await call(t, 'POST', `/factors/${factorId}/challenge`, { token, payload: {} });
        assertError(failed, 422, 'sms_send_failed', /^Error sending mfa OTP to provider: /);
        assert.doesNotMatch(failed.body, /secret-twilio-token/);
        assert.deepEqual(await state(), { challenges: 0, challenged: false }, `nothing half-made (${mode.kind})`);
      }
      server.mode = { kind: 'ok' };
      const sentBefore = server.received.length;
      const challengeId = await challengePhone(t, token, factorId, { channel: 'whatsapp' });
      const sent = server.received.slice(sentBefore).find((request) => request.path.endsWith('/Messages.json'));
      assert.ok(sent);
      assert.equal(sent.form.To, `whatsapp:+${phone}`);
      const code = /(\d{6})/.exec(sent.form.Body ?? JSON.stringify(sent.form))?.[1] ?? '';
      const raised = await verify(t, token, factorId, challengeId, code);
      assert.equal(raised.statusCode, 200, raised.body);
      assert.equal(aalOf(raised.json().access_token), 'aal2');
    });
  });

  if (engine === 'postgres') {
    // An embedded (PGlite) database belongs to one process; two processes share PostgreSQL and its limiter store.
    describe('phone MFA brute force over two Foyer processes sharing one PostgreSQL database', () => {
      let t: TestProject;
      let second: { app: FastifyInstance; close: () => Promise<void> };
      const limits = { ...PHONE_MFA_ON, GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY: '3' };
      before(async () => {
        t = await createTestProject(engine, limits);
        const db = await openPostgres({ url: t.database.url as string, poolSize: 3 });
        const project = await openProject(loadConfig({ GOTRUE_JWT_SECRET: TEST_JWT_SECRET, DATABASE_URL: t.database.url as string, ...limits }), { db });
        const app = await buildApp({ deps: project.deps });
        second = {
          app,
          close: async () => {
            await app.close();
            await db.close();
          },
        };
      });
      after(async () => {
        await second.close();
        await t.close();
      });

      it('3 verifications a minute from one address in total, whichever process answers: the 4th, with the right code, is 429', async () => {
        assert.equal(t.project.deps.rateLimits.store, 'postgres');
        const email = freshEmail('brute');
        await createUser(t, email);
        const { access_token: token } = await signIn(t, email);
        const phone = freshPhone();
        const factorId = await enrollPhone(t, token, phone);
        const attacker = '198.51.100.9';
        const challengeId = await challengePhone(t, token, factorId, { from: attacker });
        const code = await codeSentTo(t.database.db, phone);
        const viaSecond = (guess: string) =>
          second.app.inject({
            method: 'POST',
            url: `/auth/v1/factors/${factorId}/verify`,
            headers: { ...versionHeaders, authorization: `Bearer ${token}` },
            payload: { challenge_id: challengeId, code: guess },
            remoteAddress: attacker,
          });
        assertError(await verify(t, token, factorId, challengeId, otherCode(code), attacker), 422, 'mfa_verification_failed');
        assertError(await viaSecond(otherCode(code)), 422, 'mfa_verification_failed');
        assertError(await verify(t, token, factorId, challengeId, otherCode(code), attacker), 422, 'mfa_verification_failed');
        assertError(await viaSecond(code), 429, 'over_request_rate_limit');
        assertError(await verify(t, token, factorId, challengeId, code, attacker), 429, 'over_request_rate_limit');
        // Challenges count in their own bucket, across both processes too.
        await forgetLastChallenge(t.database.db, factorId);
        const viaSecondChallenge = () =>
          second.app.inject({ method: 'POST', url: `/auth/v1/factors/${factorId}/challenge`, headers: { ...versionHeaders, authorization: `Bearer ${token}` }, payload: {}, remoteAddress: attacker });
        assert.equal((await viaSecondChallenge()).statusCode, 200);
        await forgetLastChallenge(t.database.db, factorId);
        assert.equal((await call(t, 'POST', `/factors/${factorId}/challenge`, { token, payload: {}, from: attacker })).statusCode, 200);
        assertError(await viaSecondChallenge(), 429, 'over_request_rate_limit');
      });
    });
  }
}
