/**
 * Every way a WebAuthn factor's verification must fail, each with a clear GoTrue error and nothing
 * written: another origin, another RP id, another or a replayed challenge, a signature counter going
 * backwards, an attestation passed off as a verified factor's assertion, a credential of another
 * factor, another user's factor, a factor unenrolled meanwhile, malformed bodies, too many factors.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { aalOf, assertError, call, createUser, signIn, type Injected, type Session } from '../helpers/mfa.js';
import { challengeWebAuthn, enrollWebAuthn, mfaWebAuthnEnv, registerFactor, securityKey, verifyWebAuthn } from '../helpers/mfa-webauthn.js';
import { createTestProject, decodeJwt, type TestProject } from '../helpers/project.js';

let users = 0;

for (const engine of engines) {
  describe(`WebAuthn MFA attacks (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { ...mfaWebAuthnEnv, GOTRUE_MFA_MAX_ENROLLED_FACTORS: '3' });
    });
    after(() => t.close());

    const newSession = async (): Promise<Session> => {
      users += 1;
      const email = `attack${users}@example.com`;
      await createUser(t, email);
      return signIn(t, email);
    };
    const factorState = async (factorId: string) =>
      (
        await t.database.db.query<{ status: string; sign_count: string | null; last: unknown }>(
          `select status::text, web_authn_credential->'authenticator'->>'signCount' as sign_count, last_webauthn_challenge_data as last
             from auth.mfa_factors where id = $1`,
          [factorId],
        )
      )[0];
    const sessionAal = async (token: string) =>
      (await t.database.db.query<{ aal: string }>('select aal::text from auth.sessions where id = $1', [decodeJwt(token).session_id as string]))[0]?.aal;

    /** The refusal left the factor and the session as they were. */
    async function assertNothingWritten(response: Injected, status: number, code: string, factorId: string, token: string, before: unknown) {
      assertError(response, status, code);
      assert.deepEqual(await factorState(factorId), before);
      assert.equal(await sessionAal(token), 'aal1');
    }

    it('refuses an attestation from another origin, for another RP id or of another challenge', async () => {
      const session = await newSession();
      const factorId = await enrollWebAuthn(t, session.access_token);
      const before = await factorState(factorId);
      for (const lies of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }, { challenge: Buffer.alloc(32, 7).toString('base64url') }, { type: 'webauthn.get' }]) {
        const challenge = await challengeWebAuthn(t, session.access_token, factorId);
        const created = securityKey().create(challenge.webauthn.credential_options.publicKey, lies);
        const response = await verifyWebAuthn(t, session.access_token, factorId, challenge.id, 'create', created.json);
        await assertNothingWritten(response, 400, 'webauthn_verification_failed', factorId, session.access_token, before);
      }
    });

    it('refuses an assertion from another origin, for another RP id, of another challenge or signed by another key', async () => {
      const first = await newSession();
      const authenticator = securityKey();
      const { factorId } = await registerFactor(t, first, authenticator);
      const session = await signIn(t, first.user.email as string);
      const before = await factorState(factorId);
      const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      for (const lies of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }, { challenge: Buffer.alloc(32, 7).toString('base64url') }, { signingKey: otherKey }]) {
        const challenge = await challengeWebAuthn(t, session.access_token, factorId);
        const assertion = authenticator.get(challenge.webauthn.credential_options.publicKey, { ...lies, counter: 50 });
        const response = await verifyWebAuthn(t, session.access_token, factorId, challenge.id, 'request', assertion);
        await assertNothingWritten(response, 400, 'webauthn_verification_failed', factorId, session.access_token, before);
      }
    });

    it('refuses a replayed challenge: it served one attempt, successful or not', async () => {
      const first = await newSession();
      const authenticator = securityKey();
      const { factorId } = await registerFactor(t, first, authenticator);
      const session = await signIn(t, first.user.email as string);
      const challenge = await challengeWebAuthn(t, session.access_token, factorId);
      const assertion = authenticator.get(challenge.webauthn.credential_options.publicKey);
      const ok = await verifyWebAuthn(t, session.access_token, factorId, challenge.id, 'request', assertion);
      assert.equal(ok.statusCode, 200, ok.body);
      const replay = await verifyWebAuthn(t, ok.json().access_token, factorId, challenge.id, 'request', assertion);
      assertError(replay, 422, 'mfa_factor_not_found', /challenge ID not found/);

      // A failed attempt uses the challenge up too: a second try must start over.
      const other = await signIn(t, first.user.email as string);
      const next = await challengeWebAuthn(t, other.access_token, factorId);
      const wrong = authenticator.get(next.webauthn.credential_options.publicKey, { origin: 'https://evil.example', counter: 90 });
      assertError(await verifyWebAuthn(t, other.access_token, factorId, next.id, 'request', wrong), 400, 'webauthn_verification_failed');
      const retry = authenticator.get(next.webauthn.credential_options.publicKey);
      assertError(await verifyWebAuthn(t, other.access_token, factorId, next.id, 'request', retry), 422, 'mfa_factor_not_found');
      assert.equal(await sessionAal(other.access_token), 'aal1');
    });

    it('refuses a signature counter that goes backwards or stands still (a cloned authenticator)', async () => {
      const first = await newSession();
      const authenticator = securityKey();
      const { factorId } = await registerFactor(t, first, authenticator);
      const session = await signIn(t, first.user.email as string);
      const challenge = await challengeWebAuthn(t, session.access_token, factorId);
      const ok = await verifyWebAuthn(t, session.access_token, factorId, challenge.id, 'request', authenticator.get(challenge.webauthn.credential_options.publicKey, { counter: 10 }));
      assert.equal(ok.statusCode, 200, ok.body);
      const later = await signIn(t, first.user.email as string);
      const before = await factorState(factorId);
      assert.equal(before.sign_count, '10');
      for (const counter of [9, 10]) {
        const next = await challengeWebAuthn(t, later.access_token, factorId);
        const response = await verifyWebAuthn(t, later.access_token, factorId, next.id, 'request', authenticator.get(next.webauthn.credential_options.publicKey, { counter }));
        await assertNothingWritten(response, 400, 'webauthn_verification_failed', factorId, later.access_token, before);
      }
    });

    it('refuses an attestation for a verified factor and an assertion for an unverified one (the ceremony must fit the factor)', async () => {
      const first = await newSession();
      const { factorId } = await registerFactor(t, first, securityKey());
      const session = await signIn(t, first.user.email as string);
      const before = await factorState(factorId);
      // GoTrue would verify a brand-new authenticator's attestation against a verified factor's challenge.
      const challenge = await challengeWebAuthn(t, session.access_token, factorId);
      const stranger = securityKey().create({ challenge: challenge.webauthn.credential_options.publicKey.challenge, rp: { id: 'localhost' }, user: { id: 'eA' } });
      const response = await verifyWebAuthn(t, session.access_token, factorId, challenge.id, 'create', stranger.json);
      await assertNothingWritten(response, 400, 'validation_failed', factorId, session.access_token, before);

      const fresh = await newSession();
      const unverified = await enrollWebAuthn(t, fresh.access_token);
      const create = await challengeWebAuthn(t, fresh.access_token, unverified);
      const authenticator = securityKey();
      authenticator.create(create.webauthn.credential_options.publicKey).keep();
      const asserted = await verifyWebAuthn(t, fresh.access_token, unverified, create.id, 'request', authenticator.get({ challenge: create.webauthn.credential_options.publicKey.challenge }));
      await assertNothingWritten(asserted, 400, 'validation_failed', unverified, fresh.access_token, await factorState(unverified));
    });

    it('refuses the credential of the user\'s other factor: an assertion is checked against the challenged factor\'s own', async () => {
      const first = await newSession();
      const keyA = securityKey();
      const keyB = securityKey();
      const a = await registerFactor(t, first, keyA);
      const secondId = await enrollWebAuthn(t, a.aal2.access_token, 'backup');
      const challenge = await challengeWebAuthn(t, a.aal2.access_token, secondId);
      const created = keyB.create(challenge.webauthn.credential_options.publicKey);
      assert.equal((await verifyWebAuthn(t, a.aal2.access_token, secondId, challenge.id, 'create', created.json)).statusCode, 200);
      created.keep();
      const session = await signIn(t, first.user.email as string);
      const before = await factorState(a.factorId);
      const next = await challengeWebAuthn(t, session.access_token, a.factorId);
      const response = await verifyWebAuthn(t, session.access_token, a.factorId, next.id, 'request', keyB.get(next.webauthn.credential_options.publicKey));
      await assertNothingWritten(response, 400, 'webauthn_verification_failed', a.factorId, session.access_token, before);
    });

    it('refuses another user\'s factor and challenge, and a factor unenrolled meanwhile', async () => {
      const owner = await newSession();
      const factorId = await enrollWebAuthn(t, owner.access_token);
      const challenge = await challengeWebAuthn(t, owner.access_token, factorId);
      const intruder = await newSession();
      assertError(await call(t, 'POST', `/factors/${factorId}/challenge`, { token: intruder.access_token, payload: {} }), 404, 'mfa_factor_not_found');
      const created = securityKey().create(challenge.webauthn.credential_options.publicKey);
      assertError(await verifyWebAuthn(t, intruder.access_token, factorId, challenge.id, 'create', created.json), 404, 'mfa_factor_not_found');
      // The intruder's own factor with the owner's challenge.
      const own = await enrollWebAuthn(t, intruder.access_token);
      assertError(await verifyWebAuthn(t, intruder.access_token, own, challenge.id, 'create', created.json), 422, 'mfa_factor_not_found');

      assert.equal((await call(t, 'DELETE', `/factors/${factorId}`, { token: owner.access_token })).statusCode, 200);
      assertError(await verifyWebAuthn(t, owner.access_token, factorId, challenge.id, 'create', created.json), 404, 'mfa_factor_not_found');
      assert.equal(await sessionAal(owner.access_token), 'aal1');
      assert.equal((await t.database.db.query('select 1 from auth.mfa_challenges where id = $1', [challenge.id])).length, 0);
    });

    it('answers malformed bodies with GoTrue\'s 400s, before the challenge is used', async () => {
      const session = await newSession();
      const factorId = await enrollWebAuthn(t, session.access_token);
      const challenge = await challengeWebAuthn(t, session.access_token, factorId);
      const verify = (payload: unknown) => call(t, 'POST', `/factors/${factorId}/verify`, { token: session.access_token, payload });
      assertError(await verify({ challenge_id: challenge.id }), 400, 'validation_failed', /WebAuthn config required/);
      assertError(await verify({ challenge_id: challenge.id, webauthn: { type: 'sign' } }), 400, 'validation_failed', /type must be create or request/);
      assertError(await verify({ challenge_id: challenge.id, webauthn: { type: 'create' } }), 400, 'validation_failed', /credential_response required/);
      for (const response of [null, 'x', { id: 'AA', rawId: 'AA', type: 'public-key', response: {} }, { id: '!!', rawId: '!!', type: 'public-key', response: { clientDataJSON: 'e30', attestationObject: 'oA' } }]) {
        assertError(await verify({ challenge_id: challenge.id, webauthn: { type: 'create', credential_response: response } }), 400, 'validation_failed', /Invalid credential_response/);
      }
      // A mistyped field: GoTrue's JSON decoding says bad_json; Foyer's schema says which field (as for every route).
      const mistyped = await verify({ challenge_id: challenge.id, webauthn: 'create' });
      assert.equal(mistyped.statusCode, 400, mistyped.body);
      assert.match(mistyped.json().code, /^(bad_json|validation_failed)$/);
      assertError(await verify({ challenge_id: 'nope', webauthn: { type: 'create', credential_response: {} } }), 400, 'bad_json');
      // Still usable.
      const created = securityKey().create(challenge.webauthn.credential_options.publicKey);
      const ok = await verifyWebAuthn(t, session.access_token, factorId, challenge.id, 'create', created.json);
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(aalOf(ok.json().access_token), 'aal2');
    });

    it('refuses an expired challenge and deletes it', async () => {
      const session = await newSession();
      const factorId = await enrollWebAuthn(t, session.access_token);
      const challenge = await challengeWebAuthn(t, session.access_token, factorId);
      await t.database.db.query(`update auth.mfa_challenges set created_at = now() - interval '301 seconds' where id = $1`, [challenge.id]);
      const created = securityKey().create(challenge.webauthn.credential_options.publicKey);
      assertError(await verifyWebAuthn(t, session.access_token, factorId, challenge.id, 'create', created.json), 422, 'mfa_challenge_expired');
      assert.equal((await t.database.db.query('select 1 from auth.mfa_challenges where id = $1', [challenge.id])).length, 0);
      assert.equal((await factorState(factorId)).status, 'unverified');
    });

    it('refuses enrolling past GOTRUE_MFA_MAX_ENROLLED_FACTORS and an aal1 enrolment next to a verified factor', async () => {
      const session = await newSession();
      for (const name of ['one', 'two', 'three']) await enrollWebAuthn(t, session.access_token, name);
      const fourth = await call(t, 'POST', '/factors', { token: session.access_token, payload: { factor_type: 'webauthn', friendly_name: 'four' } });
      assertError(fourth, 422, 'too_many_enrolled_mfa_factors');
      assert.equal((await t.database.db.query('select 1 from auth.mfa_factors where user_id = $1', [session.user.id])).length, 3);
      const duplicate = await call(t, 'POST', '/factors', { token: session.access_token, payload: { factor_type: 'webauthn', friendly_name: 'one' } });
      assertError(duplicate, 422, 'mfa_factor_name_conflict');

      const other = await newSession();
      await registerFactor(t, other, securityKey());
      const aal1 = await signIn(t, other.user.email as string);
      assertError(await call(t, 'POST', '/factors', { token: aal1.access_token, payload: { factor_type: 'webauthn', friendly_name: 'x' } }), 403, 'insufficient_aal');
    });
  });
}
