/**
 * WebAuthn MFA factors on the wire as GoTrue serves them (supabase-js `mfa.enroll({factorType:
 * 'webauthn'})`, `mfa.challenge`, `mfa.verify` with `webauthn`): the enrolment, the creation options
 * of an unverified factor's challenge and the request options of a verified one, the rows written as
 * GoTrue writes them, the session raised to aal2 by an attestation and by an assertion, and the switches.
 * The attacks: test/api/mfa-webauthn-attacks.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { aalOf, amrMethodsOf, assertError, call, createUser, signIn } from '../helpers/mfa.js';
import { assertFactor, challengeWebAuthn, enrollWebAuthn, mfaWebAuthnEnv, registerFactor, RP_ID, securityKey, verifyWebAuthn } from '../helpers/mfa-webauthn.js';
import { createTestProject, decodeJwt, type TestProject } from '../helpers/project.js';

const GOTRUE_ALGORITHMS = [-7, -35, -36, -257, -258, -259, -37, -38, -39, -8];
const std = (base64url: string) => Buffer.from(base64url, 'base64url').toString('base64');

for (const engine of engines) {
  describe(`WebAuthn MFA factors (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, mfaWebAuthnEnv);
    });
    after(() => t.close());

    const factorRow = async (factorId: string) =>
      (
        await t.database.db.query<{
          status: string;
          factor_type: string;
          friendly_name: string;
          secret: string | null;
          web_authn_credential: Record<string, any> | null;
          web_authn_aaguid: string | null;
          last_webauthn_challenge_data: Record<string, any> | null;
        }>(
          `select status::text, factor_type::text, friendly_name, secret, web_authn_credential, web_authn_aaguid::text, last_webauthn_challenge_data
             from auth.mfa_factors where id = $1`,
          [factorId],
        )
      )[0];

    it('enrols, answers creation options, verifies the attestation (aal2) and stores the credential as GoTrue does', async () => {
      const userId = await createUser(t, 'key@example.com');
      const session = await signIn(t, 'key@example.com');
      const enrolled = await call(t, 'POST', '/factors', { token: session.access_token, payload: { factor_type: 'webauthn', friendly_name: 'yubikey' } });
      assert.equal(enrolled.statusCode, 200, enrolled.body);
      const factorId = enrolled.json().id as string;
      assert.deepEqual(enrolled.json(), { id: factorId, type: 'webauthn', friendly_name: 'yubikey' });
      assert.deepEqual({ ...(await factorRow(factorId)) }, {
        status: 'unverified',
        factor_type: 'webauthn',
        friendly_name: 'yubikey',
        secret: null,
        web_authn_credential: null,
        web_authn_aaguid: null,
        last_webauthn_challenge_data: null,
      });

      const challenge = await challengeWebAuthn(t, session.access_token, factorId);
      assert.deepEqual(Object.keys(challenge), ['id', 'type', 'expires_at', 'webauthn']);
      assert.equal(challenge.type, 'webauthn');
      assert.ok(Math.abs(challenge.expires_at - (Math.floor(Date.now() / 1000) + 300)) <= 5);
      assert.equal(challenge.webauthn.type, 'create');
      const options = challenge.webauthn.credential_options.publicKey;
      // go-webauthn's PublicKeyCredentialCreationOptions as GoTrue's MFA configures it: no attestation preference, an empty selection.
      assert.deepEqual(Object.keys(challenge.webauthn.credential_options), ['publicKey']);
      assert.deepEqual(Object.keys(options), ['rp', 'user', 'challenge', 'pubKeyCredParams', 'timeout', 'authenticatorSelection']);
      assert.deepEqual(options.rp, { name: 'Foyer Test', id: RP_ID });
      assert.deepEqual(options.user, { name: 'key@example.com', displayName: 'key@example.com', id: Buffer.from(userId).toString('base64url') });
      assert.deepEqual(options.pubKeyCredParams, GOTRUE_ALGORITHMS.map((alg) => ({ type: 'public-key', alg })));
      assert.equal(options.timeout, 300000);
      assert.deepEqual(options.authenticatorSelection, {});
      const [challengeRow] = await t.database.db.query<{ web_authn_session_data: Record<string, unknown>; ip_address: string }>(
        'select web_authn_session_data, host(ip_address) as ip_address from auth.mfa_challenges where id = $1',
        [challenge.id],
      );
      assert.deepEqual(challengeRow.web_authn_session_data, {
        challenge: options.challenge,
        rpId: RP_ID,
        user_id: Buffer.from(userId).toString('base64'),
        expires: '0001-01-01T00:00:00Z',
        userVerification: 'preferred',
        credParams: GOTRUE_ALGORITHMS.map((alg) => ({ type: 'public-key', alg })),
      });
      assert.equal(challengeRow.ip_address, '127.0.0.1');

      const authenticator = securityKey();
      const created = authenticator.create(options);
      const verified = await verifyWebAuthn(t, session.access_token, factorId, challenge.id, 'create', created.json);
      assert.equal(verified.statusCode, 200, verified.body);
      const aal2 = verified.json();
      assert.equal(aalOf(aal2.access_token), 'aal2');
      assert.deepEqual(amrMethodsOf(aal2.access_token), ['mfa/webauthn', 'password']);
      assert.equal(decodeJwt(aal2.access_token).session_id, decodeJwt(session.access_token).session_id);
      assert.equal((aal2.user.factors as { status: string }[])[0].status, 'verified');

      const row = await factorRow(factorId);
      assert.equal(row.status, 'verified');
      assert.equal(row.web_authn_aaguid, '00000000-0000-0000-0000-000000000000');
      const credential = row.web_authn_credential!;
      assert.deepEqual(Object.keys(credential).sort(), ['attestation', 'attestationType', 'authenticator', 'flags', 'id', 'publicKey', 'transport']);
      assert.equal(credential.id, std(created.json.id));
      assert.equal(credential.attestationType, 'none');
      assert.deepEqual(credential.transport, ['internal', 'hybrid']);
      assert.deepEqual(credential.flags, { userPresent: true, userVerified: true, backupEligible: false, backupState: false });
      assert.deepEqual(credential.authenticator, { AAGUID: 'AAAAAAAAAAAAAAAAAAAAAA==', signCount: 0, cloneWarning: false, attachment: 'platform' });
      assert.equal(credential.attestation.clientDataJSON, std(created.json.response.clientDataJSON));
      assert.equal(credential.attestation.object, std(created.json.response.attestationObject));
      assert.equal(credential.attestation.publicKeyAlgorithm, -7);
      assert.equal(row.last_webauthn_challenge_data!.type, 'create');
      assert.equal(row.last_webauthn_challenge_data!.challenge.challenge_id, challenge.id);
      assert.equal(row.last_webauthn_challenge_data!.credential_response.id, created.json.id);
      // The challenge served its ceremony and is gone, as GoTrue destroys it.
      assert.equal((await t.database.db.query('select 1 from auth.mfa_challenges where id = $1', [challenge.id])).length, 0);
      const audit = await t.database.db.query<{ action: string }>(
        `select payload->>'action' as action from auth.audit_log_entries where payload->>'actor_id' = $1 and payload->>'log_type' = 'factor' order by created_at`,
        [userId],
      );
      assert.deepEqual(audit.map((entry) => entry.action), ['factor_in_progress', 'verification_attempted']);
    });

    it('signs in again at aal1 with aal2 next, answers request options for the verified factor and raises the session with an assertion', async () => {
      await createUser(t, 'again@example.com');
      const first = await signIn(t, 'again@example.com');
      const authenticator = securityKey();
      const { factorId, key } = await registerFactor(t, first, authenticator);

      const session = await signIn(t, 'again@example.com');
      assert.equal(aalOf(session.access_token), 'aal1');
      const user = await call(t, 'GET', '/user', { token: session.access_token });
      assert.deepEqual((user.json().factors as { factor_type: string; status: string }[]).map((f) => [f.factor_type, f.status]), [['webauthn', 'verified']]);

      const challenge = await challengeWebAuthn(t, session.access_token, factorId);
      assert.equal(challenge.webauthn.type, 'request');
      const options = challenge.webauthn.credential_options.publicKey;
      // go-webauthn's PublicKeyCredentialRequestOptions: no userVerification stated; the factor's credential allowed.
      assert.deepEqual(Object.keys(options), ['challenge', 'timeout', 'rpId', 'allowCredentials']);
      assert.equal(options.rpId, RP_ID);
      assert.equal(options.timeout, 300000);
      assert.deepEqual(options.allowCredentials, [{ type: 'public-key', id: key.credentialId.toString('base64url'), transports: ['internal', 'hybrid'] }]);
      const [challengeRow] = await t.database.db.query<{ web_authn_session_data: Record<string, unknown> }>(
        'select web_authn_session_data from auth.mfa_challenges where id = $1',
        [challenge.id],
      );
      assert.deepEqual(challengeRow.web_authn_session_data.allowed_credentials, [key.credentialId.toString('base64')]);

      const verified = await verifyWebAuthn(t, session.access_token, factorId, challenge.id, 'request', authenticator.get(options));
      assert.equal(verified.statusCode, 200, verified.body);
      assert.equal(aalOf(verified.json().access_token), 'aal2');
      assert.deepEqual(amrMethodsOf(verified.json().access_token), ['mfa/webauthn', 'password']);
      const row = await factorRow(factorId);
      assert.equal(row.web_authn_credential!.authenticator.signCount, key.counter, 'the counter the authenticator reported is kept');
      assert.equal(key.counter, 1);
      assert.equal(row.last_webauthn_challenge_data!.type, 'request');

      // And again: the counter keeps moving.
      const again = await assertFactor(t, verified.json().access_token, factorId, authenticator);
      assert.equal(again.statusCode, 200, again.body);
      assert.equal((await factorRow(factorId)).web_authn_credential!.authenticator.signCount, 2);
    });

    it('excludes the credentials of the user\'s verified factors from a new registration, with GoTrue\'s transports', async () => {
      await createUser(t, 'two@example.com');
      const session = await signIn(t, 'two@example.com');
      const { aal2, key } = await registerFactor(t, session, securityKey());
      const second = await enrollWebAuthn(t, aal2.access_token, 'backup key');
      const challenge = await challengeWebAuthn(t, aal2.access_token, second);
      assert.deepEqual(challenge.webauthn.credential_options.publicKey.excludeCredentials, [
        { type: 'public-key', id: key.credentialId.toString('base64url'), transports: ['usb', 'nfc'] },
      ]);
    });

    it('unenrols a verified factor from aal2: the session drops to aal1 and the method goes', async () => {
      await createUser(t, 'drop@example.com');
      const session = await signIn(t, 'drop@example.com');
      const { factorId, aal2 } = await registerFactor(t, session, securityKey());
      const removed = await call(t, 'DELETE', `/factors/${factorId}`, { token: aal2.access_token });
      assert.equal(removed.statusCode, 200, removed.body);
      const [row] = await t.database.db.query<{ aal: string }>('select aal::text from auth.sessions where id = $1', [decodeJwt(aal2.access_token).session_id as string]);
      assert.equal(row.aal, 'aal1');
    });
  });

  describe(`WebAuthn MFA switches (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { ...mfaWebAuthnEnv, GOTRUE_MFA_WEB_AUTHN_ENROLL_ENABLED: 'false', GOTRUE_MFA_WEB_AUTHN_VERIFY_ENABLED: 'false' });
    });
    after(() => t.close());

    it('refuses enrolment, challenge and verification with GoTrue\'s codes when off, writing nothing', async () => {
      const userId = await createUser(t, 'off@example.com');
      const session = await signIn(t, 'off@example.com');
      const enrolled = await call(t, 'POST', '/factors', { token: session.access_token, payload: { factor_type: 'webauthn' } });
      assertError(enrolled, 422, 'mfa_webauthn_enroll_not_enabled', /MFA enroll is disabled for WebAuthn/);
      assert.equal((await t.database.db.query('select 1 from auth.mfa_factors where user_id = $1', [userId])).length, 0);
      // A factor GoTrue enrolled while the switch was on.
      const [{ id }] = await t.database.db.query<{ id: string }>(
        `insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at)
         values (gen_random_uuid(), $1, 'key', 'webauthn', 'unverified', now(), now()) returning id`,
        [userId],
      );
      const challenge = await call(t, 'POST', `/factors/${id}/challenge`, { token: session.access_token, payload: {} });
      assertError(challenge, 422, 'mfa_webauthn_verify_not_enabled', /MFA verification is disabled for WebAuthn/);
      const verify = await call(t, 'POST', `/factors/${id}/verify`, {
        token: session.access_token,
        payload: { challenge_id: '00000000-0000-4000-8000-000000000001', webauthn: { type: 'create', credential_response: {} } },
      });
      assertError(verify, 422, 'mfa_webauthn_enroll_not_enabled', /MFA verification is disabled for WebAuthn/);
      assert.equal((await t.database.db.query('select 1 from auth.mfa_challenges where factor_id = $1', [id])).length, 0);
    });
  });
}
