/**
 * Attacks on the passkey ceremonies, each answered with GoTrue's error, never a 500, and nothing
 * half-written: no passkey stored by a refused registration, no session started by a refused sign-in,
 * no counter moved. Wrong origin, wrong RP id, wrong/expired/replayed challenges, a counter going back,
 * someone else's credential, malformed bodies and credentials, the per-user maximum.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestProject, type TestProject } from '../helpers/project.js';
import {
  assertError,
  authenticationOptions,
  call,
  newAuthenticator,
  passkeyEnv,
  registerPasskey,
  registrationOptions,
  signInWithPasskey,
  signUp,
  type Session,
} from '../helpers/passkeys.js';
import type { Lies, SoftwareAuthenticator } from '../helpers/webauthn-authenticator.js';

const counts = async (t: TestProject) => {
  const [row] = await t.database.db.query<{ passkeys: number; sessions: number }>(
    'select (select count(*)::int from auth.webauthn_credentials) as passkeys, (select count(*)::int from auth.sessions) as sessions',
  );
  return row;
};

const verifyRegistration = (t: TestProject, session: Session, payload: unknown) =>
  call(t.app, 'POST', '/passkeys/registration/verify', { token: session.access_token, payload });

const verifySignIn = (t: TestProject, payload: unknown) => call(t.app, 'POST', '/passkeys/authentication/verify', { payload });

for (const engine of engines) {
  describe(`passkey attacks (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { ...passkeyEnv, GOTRUE_PASSKEY_MAX_PASSKEYS_PER_USER: '2' });
    });
    after(() => t.close());

    /** A registration with `lies` is refused with webauthn_verification_failed and stores nothing. */
    async function refusedRegistration(session: Session, lies: Lies) {
      const before = await counts(t);
      const { challenge_id, options } = await registrationOptions(t, session.access_token);
      const created = newAuthenticator().create(options, lies);
      assertError(await verifyRegistration(t, session, { challenge_id, credential: created.json }), 400, 'webauthn_verification_failed');
      assert.deepEqual(await counts(t), before, 'nothing stored');
    }

    /** A sign-in with `lies` is refused with webauthn_verification_failed and starts no session. */
    async function refusedSignIn(authenticator: SoftwareAuthenticator, lies: Lies) {
      const before = await counts(t);
      assertError(await signInWithPasskey(t, authenticator, lies), 400, 'webauthn_verification_failed');
      assert.deepEqual(await counts(t), before, 'no session started');
    }

    it('refuses a ceremony run on another origin, for another RP id, or of the other type', async () => {
      const session = await signUp(t.app);
      await refusedRegistration(session, { origin: 'https://evil.example' });
      await refusedRegistration(session, { origin: 'http://localhost:3001' });
      await refusedRegistration(session, { rpId: 'evil.example' });
      await refusedRegistration(session, { type: 'webauthn.get' });
      const authenticator = newAuthenticator();
      await registerPasskey(t, session, authenticator);
      await refusedSignIn(authenticator, { origin: 'https://evil.example' });
      await refusedSignIn(authenticator, { rpId: 'evil.example' });
      await refusedSignIn(authenticator, { type: 'webauthn.create' });
      // Without user presence (user verification is only preferred, as GoTrue asks it).
      await refusedSignIn(authenticator, { flags: 0x04 });
      assert.equal((await signInWithPasskey(t, authenticator, { flags: 0x01 })).statusCode, 200, 'presence without verification passes');
    });

    it('refuses an answer to another challenge, an expired challenge and a replayed one', async () => {
      const session = await signUp(t.app);
      const authenticator = newAuthenticator();
      await registerPasskey(t, session, authenticator);
      // Signed for another challenge.
      const other = await authenticationOptions(t);
      const { challenge_id } = await authenticationOptions(t);
      assertError(await verifySignIn(t, { challenge_id, credential: authenticator.get(other.options) }), 400, 'webauthn_verification_failed');
      // Expired: refused, and gone.
      const late = await authenticationOptions(t);
      await t.database.db.query(`update auth.webauthn_challenges set expires_at = now() - interval '1 second' where id = $1`, [late.challenge_id]);
      assertError(await verifySignIn(t, { challenge_id: late.challenge_id, credential: authenticator.get(late.options) }), 400, 'webauthn_challenge_expired');
      assertError(await verifySignIn(t, { challenge_id: late.challenge_id, credential: authenticator.get(late.options) }), 400, 'webauthn_challenge_not_found');
      // Replayed: the same answer, once in sequence, then five at once: exactly one session.
      const once = await authenticationOptions(t);
      const payload = { challenge_id: once.challenge_id, credential: authenticator.get(once.options) };
      assert.equal((await verifySignIn(t, payload)).statusCode, 200);
      assertError(await verifySignIn(t, payload), 400, 'webauthn_challenge_not_found');
      const race = await authenticationOptions(t);
      const racing = { challenge_id: race.challenge_id, credential: authenticator.get(race.options) };
      const before = await counts(t);
      const answers = await Promise.all(Array.from({ length: 5 }, () => verifySignIn(t, racing)));
      assert.deepEqual(answers.map((answer) => answer.statusCode).sort(), [200, 400, 400, 400, 400]);
      for (const answer of answers.filter((item) => item.statusCode === 400)) assertError(answer, 400, 'webauthn_challenge_not_found');
      assert.equal((await counts(t)).sessions, before.sessions + 1);
      // A registration challenge is not a sign-in challenge, nor someone else's registration challenge.
      const registration = await registrationOptions(t, session.access_token);
      assertError(await verifySignIn(t, { challenge_id: registration.challenge_id, credential: authenticator.get(registration.options) }), 400, 'webauthn_challenge_not_found');
      const intruder = await signUp(t.app);
      const created = newAuthenticator().create(registration.options);
      assertError(await verifyRegistration(t, intruder, { challenge_id: registration.challenge_id, credential: created.json }), 400, 'webauthn_challenge_not_found');
      const expiredRegistration = await registrationOptions(t, session.access_token);
      await t.database.db.query(`update auth.webauthn_challenges set expires_at = now() - interval '1 second' where id = $1`, [expiredRegistration.challenge_id]);
      assertError(
        await verifyRegistration(t, session, { challenge_id: expiredRegistration.challenge_id, credential: newAuthenticator().create(expiredRegistration.options).json }),
        400,
        'webauthn_challenge_expired',
      );
    });

    it('refuses a signature counter that does not move forward, and keeps the stored one', async () => {
      const session = await signUp(t.app);
      const authenticator = newAuthenticator({ counting: true });
      const { passkey } = await registerPasskey(t, session, authenticator);
      assert.equal((await signInWithPasskey(t, authenticator)).statusCode, 200);
      assert.equal((await signInWithPasskey(t, authenticator)).statusCode, 200);
      const stored = async () =>
        (await t.database.db.query<{ n: number }>('select sign_count::int as n from auth.webauthn_credentials where id = $1', [passkey.id]))[0].n;
      assert.equal(await stored(), 2);
      await refusedSignIn(authenticator, { counter: 2 });
      await refusedSignIn(authenticator, { counter: 1 });
      await refusedSignIn(authenticator, { counter: 0 });
      assert.equal(await stored(), 2);
      assert.equal((await signInWithPasskey(t, authenticator, { counter: 7 })).statusCode, 200);
      assert.equal(await stored(), 7);
    });

    it('refuses someone else\'s credential: their id with another key, another user handle, a forged handle', async () => {
      const victim = await signUp(t.app);
      const victimAuthenticator = newAuthenticator();
      const { key: victimKey } = await registerPasskey(t, victim, victimAuthenticator);
      const attacker = await signUp(t.app);
      const attackerAuthenticator = newAuthenticator();
      const { key: attackerKey } = await registerPasskey(t, attacker, attackerAuthenticator);
      // The victim's credential id and user handle, signed with the attacker's key.
      await refusedSignIn(victimAuthenticator, { signingKey: attackerKey.privateKey });
      // The attacker's own credential, claiming to be the victim.
      await refusedSignIn(attackerAuthenticator, { userHandle: victimKey.userHandle });
      // No user handle, a handle that is no UUID, a fresh key that was never registered.
      await refusedSignIn(attackerAuthenticator, { userHandle: null });
      await refusedSignIn(attackerAuthenticator, { userHandle: Buffer.from('not-a-user').toString('base64url') });
      await refusedSignIn(attackerAuthenticator, { signingKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey });
      // Nor register the victim's credential id with a key of their own ("none" attestation signs nothing).
      const { challenge_id, options } = await registrationOptions(t, attacker.access_token);
      const claimed = attackerAuthenticator.create(options, { credentialId: victimKey.credentialId });
      const before = await counts(t);
      assertError(await verifyRegistration(t, attacker, { challenge_id, credential: claimed.json }), 422, 'webauthn_credential_exists');
      assert.deepEqual(await counts(t), before);
      // An answer whose id is not the credential id inside it is refused (browsers never send one).
      const mismatch = await registrationOptions(t, attacker.access_token);
      const created = attackerAuthenticator.create(mismatch.options);
      const relabelled = { ...created.json, id: victimKey.credentialId.toString('base64url'), rawId: victimKey.credentialId.toString('base64url') };
      assertError(await verifyRegistration(t, attacker, { challenge_id: mismatch.challenge_id, credential: relabelled }), 400, 'webauthn_verification_failed');
      assert.equal((await signInWithPasskey(t, victimAuthenticator)).statusCode, 200, 'the victim still signs in');
    });

    it('refuses a credential registered already (422 webauthn_credential_exists)', async () => {
      const first = await signUp(t.app);
      const second = await signUp(t.app);
      const authenticator = newAuthenticator();
      const { challenge_id, options } = await registrationOptions(t, first.access_token);
      const created = authenticator.create(options);
      assert.equal((await verifyRegistration(t, first, { challenge_id, credential: created.json })).statusCode, 200);
      // The same authenticator answer (same key, same credential id) for another user's ceremony.
      const again = await registrationOptions(t, second.access_token);
      const clientData = JSON.parse(Buffer.from(created.json.response.clientDataJSON, 'base64url').toString());
      const replayed = {
        ...created.json,
        response: { ...created.json.response, clientDataJSON: Buffer.from(JSON.stringify({ ...clientData, challenge: again.options.challenge })).toString('base64url') },
      };
      const before = await counts(t);
      assertError(await verifyRegistration(t, second, { challenge_id: again.challenge_id, credential: replayed }), 422, 'webauthn_credential_exists');
      assert.deepEqual(await counts(t), before);
    });

    it('answers malformed bodies and credentials with GoTrue\'s 400s, never a 500', async () => {
      const session = await signUp(t.app);
      const authenticator = newAuthenticator();
      await registerPasskey(t, session, authenticator);
      const before = await counts(t);
      for (const path of ['/passkeys/registration/verify', '/passkeys/authentication/verify']) {
        const send = (payload: unknown) => call(t.app, 'POST', path, { token: session.access_token, payload });
        assertError(await send('{"challenge_id":'), 400, 'bad_json');
        assertError(await send('[]'), 400, 'bad_json');
        assertError(await send('"text"'), 400, 'bad_json');
        assertError(await send({ challenge_id: 7, credential: {} }), 400, 'bad_json');
        assertError(await send({ credential: {} }), 400, 'validation_failed');
        assertError(await send({ challenge_id: null, credential: {} }), 400, 'validation_failed');
        assertError(await send({ challenge_id: crypto.randomUUID() }), 400, 'validation_failed');
        assertError(await send({ challenge_id: 'not-a-uuid', credential: {} }), 400, 'validation_failed');
        assertError(await send({ challenge_id: crypto.randomUUID(), credential: {} }), 400, 'webauthn_challenge_not_found');
      }
      // Malformed credentials, each on a fresh challenge: GoTrue's "Invalid credential response" or a failed verification.
      const good = async () => {
        const { challenge_id, options } = await authenticationOptions(t);
        return { challenge_id, credential: authenticator.get(options) };
      };
      const mutations: ((credential: ReturnType<SoftwareAuthenticator['get']>) => unknown)[] = [
        () => null,
        () => ({ garbage: true }),
        () => 'text',
        (c) => ({ ...c, id: '@@@', rawId: '@@@' }),
        (c) => ({ ...c, rawId: 'AAAA' }),
        (c) => ({ ...c, type: 'password' }),
        (c) => ({ ...c, response: 'x' }),
        (c) => ({ ...c, response: { ...c.response, clientDataJSON: 'not base64url!' } }),
        (c) => ({ ...c, response: { ...c.response, clientDataJSON: Buffer.from('not json').toString('base64url') } }),
        (c) => ({ ...c, response: { ...c.response, clientDataJSON: Buffer.from('[1,2]').toString('base64url') } }),
        (c) => ({ ...c, response: { ...c.response, authenticatorData: 'AAAA' } }),
        (c) => ({ ...c, response: { ...c.response, authenticatorData: 7 } }),
        (c) => ({ ...c, response: { ...c.response, signature: '' } }),
        (c) => ({ ...c, response: { ...c.response, signature: 'AAAA' } }),
        (c) => ({ ...c, response: { ...c.response, userHandle: '***' } }),
        (c) => ({ ...c, id: Buffer.alloc(2000, 1).toString('base64url'), rawId: Buffer.alloc(2000, 1).toString('base64url') }),
      ];
      for (const mutate of mutations) {
        const { challenge_id, credential } = await good();
        const response = await verifySignIn(t, { challenge_id, credential: mutate(credential) });
        assertError(response, 400, 'webauthn_verification_failed');
      }
      const registrationMutations: ((json: Record<string, unknown> & { response: Record<string, unknown> }) => unknown)[] = [
        (c) => ({ ...c, response: { ...c.response, attestationObject: Buffer.from('not cbor at all').toString('base64url') } }),
        (c) => ({ ...c, response: { ...c.response, attestationObject: 'AAAA' } }),
        (c) => ({ ...c, response: { ...c.response, transports: 'usb' } }),
        (c) => ({ ...c, response: { ...c.response, transports: [1] } }),
        (c) => ({ ...c, response: { ...c.response, attestationObject: undefined } }),
      ];
      for (const mutate of registrationMutations) {
        const { challenge_id, options } = await registrationOptions(t, session.access_token);
        const created = newAuthenticator().create(options);
        assertError(await verifyRegistration(t, session, { challenge_id, credential: mutate(created.json) }), 400, 'webauthn_verification_failed');
      }
      assert.deepEqual(await counts(t), before, 'nothing stored, no session started');
    });

    it('stops registering at GOTRUE_PASSKEY_MAX_PASSKEYS_PER_USER, also when ceremonies race', async () => {
      const session = await signUp(t.app);
      // Three ceremonies started while under the maximum of 2, finished at once: two passkeys.
      const ceremonies = await Promise.all([1, 2, 3].map(() => registrationOptions(t, session.access_token)));
      const answers = await Promise.all(
        ceremonies.map(({ challenge_id, options }) => verifyRegistration(t, session, { challenge_id, credential: newAuthenticator().create(options).json })),
      );
      assert.deepEqual(answers.map((answer) => answer.statusCode).sort(), [200, 200, 422]);
      assertError(answers.find((answer) => answer.statusCode === 422)!, 422, 'too_many_passkeys');
      assertError(await call(t.app, 'POST', '/passkeys/registration/options', { token: session.access_token }), 422, 'too_many_passkeys');
      assert.equal((await call(t.app, 'GET', '/passkeys', { token: session.access_token })).json().length, 2);
    });
  });

  describe(`passkey sign-in options are rate limited (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { ...passkeyEnv, GOTRUE_RATE_LIMIT_PASSKEY: '3' });
    });
    after(() => t.close());

    it('GOTRUE_RATE_LIMIT_PASSKEY limits POST /passkeys/authentication/options per client (429 with Retry-After)', async () => {
      for (let i = 0; i < 3; i++) assert.equal((await call(t.app, 'POST', '/passkeys/authentication/options')).statusCode, 200);
      const refused = await call(t.app, 'POST', '/passkeys/authentication/options');
      assertError(refused, 429, 'over_request_rate_limit');
      assert.ok(Number(refused.headers['retry-after']) >= 1);
      // The verify step is not limited (it needs a challenge anyway), as in GoTrue.
      assertError(await call(t.app, 'POST', '/passkeys/authentication/verify', { payload: { challenge_id: crypto.randomUUID(), credential: {} } }), 400, 'webauthn_challenge_not_found');
    });
  });
}
