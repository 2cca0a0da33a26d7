/**
 * WebAuthn factors GoTrue left behind: a verified factor whose credential GoTrue stored (go-webauthn's
 * Credential JSON) no longer stops the start, and its user passes the second factor in Foyer, both with
 * a challenge Foyer issues and with one GoTrue wrote (go-webauthn's SessionData, userVerification "");
 * the counter moves inside GoTrue's JSON and nothing else of it changes.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { migrate } from '../../src/store/migrate.js';
import { engines } from '../helpers/engines.js';
import { aalOf, amrMethodsOf, assertError, call, createUser, signIn } from '../helpers/mfa.js';
import { assertFactor, mfaWebAuthnEnv, RP_ID, securityKey, verifyWebAuthn } from '../helpers/mfa-webauthn.js';
import { createTestProject, type TestProject } from '../helpers/project.js';
import { cbor, type SoftwareAuthenticator, type StoredKey } from '../helpers/webauthn-authenticator.js';

const std = (bytes: Buffer) => bytes.toString('base64');

/** A credential of `authenticator` as GoTrue's verifyWebAuthnFactor stores it, with the key the authenticator keeps. */
function goTrueCredential(authenticator: SoftwareAuthenticator, userId: string): { json: Record<string, unknown>; key: StoredKey } {
  const key = authenticator
    .create({ challenge: randomBytes(32).toString('base64url'), rp: { id: RP_ID }, user: { id: Buffer.from(userId).toString('base64url') } })
    .keep();
  const jwk = key.privateKey.export({ format: 'jwk' });
  const coseKey = cbor(
    new Map<Parameters<typeof cbor>[0], Parameters<typeof cbor>[0]>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(jwk.x as string, 'base64url')],
      [-3, Buffer.from(jwk.y as string, 'base64url')],
    ]),
  );
  const clientData = Buffer.from('{"type":"webauthn.create"}');
  return {
    key,
    json: {
      id: std(key.credentialId),
      publicKey: std(coseKey),
      attestationType: 'packed',
      transport: ['usb'],
      flags: { userPresent: true, userVerified: false, backupEligible: false, backupState: false },
      authenticator: { AAGUID: std(Buffer.from('ee882879721c491397753dfcce97072a', 'hex')), signCount: 4, cloneWarning: false, attachment: 'cross-platform' },
      attestation: { clientDataJSON: std(clientData), clientDataHash: std(createHash('sha256').update(clientData).digest()), authenticatorData: 'AA==', publicKeyAlgorithm: -7, object: 'oA==' },
    },
  };
}

for (const engine of engines) {
  describe(`WebAuthn factors GoTrue left (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, mfaWebAuthnEnv);
    });
    after(() => t.close());

    async function goTrueFactor(email: string) {
      const userId = await createUser(t, email);
      const authenticator = securityKey();
      const { json, key } = goTrueCredential(authenticator, userId);
      key.counter = 4;
      const factorId = randomUUID();
      await t.database.db.query(
        `insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, web_authn_credential, web_authn_aaguid)
         values ($1, $2, 'YubiKey 5', 'webauthn', 'verified', now(), now(), $3::jsonb, 'ee882879-721c-4913-9775-3dfcce97072a')`,
        [factorId, userId, JSON.stringify(json)],
      );
      return { userId, factorId, authenticator, key, json };
    }

    it('serves the database, and the user passes the factor with a challenge Foyer issues', async () => {
      const { factorId, authenticator, key, json } = await goTrueFactor('gotrue-key@example.com');
      await migrate(t.database.db);

      const session = await signIn(t, 'gotrue-key@example.com');
      assert.equal(aalOf(session.access_token), 'aal1');
      const response = await assertFactor(t, session.access_token, factorId, authenticator, {}, key);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(aalOf(response.json().access_token), 'aal2');
      assert.deepEqual(amrMethodsOf(response.json().access_token), ['mfa/webauthn', 'password']);
      const [row] = await t.database.db.query<{ credential: Record<string, any> }>('select web_authn_credential as credential from auth.mfa_factors where id = $1', [factorId]);
      assert.deepEqual(row.credential, { ...json, authenticator: { ...(json.authenticator as object), signCount: 5 } });
    });

    it('finishes a challenge GoTrue wrote (its SessionData, no user verification stated)', async () => {
      const { userId, factorId, authenticator, key } = await goTrueFactor('gotrue-challenge@example.com');
      const session = await signIn(t, 'gotrue-challenge@example.com');
      const challenge = randomBytes(32).toString('base64url');
      const challengeId = randomUUID();
      await t.database.db.query(
        `insert into auth.mfa_challenges (id, factor_id, created_at, ip_address, web_authn_session_data) values ($1, $2, now(), '127.0.0.1', $3::jsonb)`,
        [
          challengeId,
          factorId,
          JSON.stringify({
            challenge,
            rpId: RP_ID,
            user_id: Buffer.from(userId).toString('base64'),
            allowed_credentials: [std(key.credentialId)],
            expires: '0001-01-01T00:00:00Z',
            userVerification: '',
          }),
        ],
      );
      const response = await verifyWebAuthn(t, session.access_token, factorId, challengeId, 'request', authenticator.get({ challenge }, {}, key));
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(aalOf(response.json().access_token), 'aal2');
    });

    it('refuses a GoTrue row whose credential cannot be read with a clear error, not a 500', async () => {
      const { factorId } = await goTrueFactor('gotrue-broken@example.com');
      await t.database.db.query(`update auth.mfa_factors set web_authn_credential = '{"id": 12}'::jsonb where id = $1`, [factorId]);
      const session = await signIn(t, 'gotrue-broken@example.com');
      const response = await call(t, 'POST', `/factors/${factorId}/challenge`, { token: session.access_token, payload: {} });
      assertError(response, 422, 'mfa_verification_failed', /no usable credential/);
    });
  });
}
