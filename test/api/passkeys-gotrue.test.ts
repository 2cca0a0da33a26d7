/**
 * Passkeys and GoTrue: a passkey GoTrue registered signs in on Foyer, ceremonies GoTrue started finish on
 * Foyer, a database holding passkeys is served, and with the feature off every /passkeys route answers
 * as GoTrue's does (the admin routes stay).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrate } from '../../src/store/migrate.js';
import { engines } from '../helpers/engines.js';
import { createTestProject, type TestProject } from '../helpers/project.js';
import { assertError, call, newAuthenticator, passkeyEnv, registerPasskey, signUp } from '../helpers/passkeys.js';

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const GOTRUE_ALGORITHMS = [-7, -35, -36, -257, -258, -259, -37, -38, -39, -8];

for (const engine of engines) {
  describe(`passkeys GoTrue left (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, passkeyEnv);
    });
    after(() => t.close());

    it('signs in with a passkey GoTrue registered, from a challenge GoTrue wrote', async () => {
      const session = await signUp(t.app);
      const authenticator = newAuthenticator({ counting: true, backupEligible: true });
      // Registered through Foyer only to get a real key; the row is then rewritten as GoTrue leaves one.
      const { passkey, key } = await registerPasskey(t, session, authenticator);
      await t.database.db.query(
        `update auth.webauthn_credentials set friendly_name = 'iCloud Keychain', transports = '[]'::jsonb, aaguid = 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd',
                sign_count = 41 where id = $1`,
        [passkey.id],
      );
      key.counter = 41;
      const [challenge] = await t.database.db.query<{ id: string }>(
        `insert into auth.webauthn_challenges (user_id, challenge_type, session_data, expires_at)
         values (null, 'authentication', $1::jsonb, now() + interval '5 minutes') returning id`,
        [JSON.stringify({ challenge: 'R290cnVlLXdyb3RlLXRoaXMtY2hhbGxlbmdlLTAx', rpId: 'localhost', user_id: null, expires: '0001-01-01T00:00:00Z', userVerification: 'preferred' })],
      );
      const credential = authenticator.get({ challenge: 'R290cnVlLXdyb3RlLXRoaXMtY2hhbGxlbmdlLTAx' });
      const response = await call(t.app, 'POST', '/passkeys/authentication/verify', { payload: { challenge_id: challenge.id, credential } });
      assert.equal(response.statusCode, 200, response.body);
      const [row] = await t.database.db.query<{ sign_count: number; friendly_name: string }>(
        'select sign_count::int as sign_count, friendly_name from auth.webauthn_credentials where id = $1',
        [passkey.id],
      );
      assert.deepEqual(row, { sign_count: 42, friendly_name: 'iCloud Keychain' });
    });

    it('finishes a registration GoTrue started (its session_data, user id in standard base64)', async () => {
      const session = await signUp(t.app);
      const challenge = 'R290cnVlLXN0YXJ0ZWQtdGhpcy1yZWdpc3RyYXRpb24';
      const [row] = await t.database.db.query<{ id: string }>(
        `insert into auth.webauthn_challenges (user_id, challenge_type, session_data, expires_at)
         values ($1, 'registration', $2::jsonb, now() + interval '5 minutes') returning id`,
        [
          session.user.id,
          JSON.stringify({
            challenge,
            rpId: 'localhost',
            user_id: Buffer.from(session.user.id).toString('base64'),
            expires: '0001-01-01T00:00:00Z',
            userVerification: 'preferred',
            credParams: GOTRUE_ALGORITHMS.map((alg) => ({ type: 'public-key', alg })),
          }),
        ],
      );
      const created = newAuthenticator().create({ challenge, rp: { id: 'localhost' }, user: { id: Buffer.from(session.user.id).toString('base64url') } });
      const response = await call(t.app, 'POST', '/passkeys/registration/verify', { token: session.access_token, payload: { challenge_id: row.id, credential: created.json } });
      assert.equal(response.statusCode, 200, response.body);
    });
  });

  describe(`passkeys turned off (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_MAILER_AUTOCONFIRM: 'true' });
    });
    after(() => t.close());

    it('answers every /passkeys route 404 passkey_disabled, before authentication or the body', async () => {
      const session = await signUp(t.app);
      const routes: ['GET' | 'POST' | 'PATCH' | 'DELETE', string][] = [
        ['POST', '/passkeys/authentication/options'],
        ['POST', '/passkeys/authentication/verify'],
        ['POST', '/passkeys/registration/options'],
        ['POST', '/passkeys/registration/verify'],
        ['GET', '/passkeys'],
        ['GET', '/passkeys/'],
        ['PATCH', `/passkeys/${NIL_UUID}`],
        ['DELETE', `/passkeys/${NIL_UUID}`],
      ];
      for (const [method, path] of routes) {
        assertError(await call(t.app, method, path, { payload: '{not json' }), 404, 'passkey_disabled');
        assertError(await call(t.app, method, path, { token: session.access_token, payload: {} }), 404, 'passkey_disabled');
      }
      assert.equal((await call(t.app, 'GET', '/settings')).json().passkeys_enabled, false);
    });

    it('serves a database holding passkeys: they stop nothing, their users sign in another way', async () => {
      const session = await signUp(t.app);
      await t.database.db.query(
        `insert into auth.webauthn_credentials (user_id, credential_id, public_key, attestation_type, friendly_name)
         values ($1, decode('0102', 'hex'), decode('a501', 'hex'), 'none', 'Passkey')`,
        [session.user.id],
      );
      await migrate(t.database.db);
      const signIn = await call(t.app, 'POST', '/token?grant_type=password', { payload: { email: session.user.email, password: 'a-Strong-passw0rd' } });
      assert.equal(signIn.statusCode, 200, signIn.body);
    });

    it('keeps the admin passkey routes (GoTrue does not put them behind the switch)', async () => {
      const session = await signUp(t.app);
      const list = await call(t.app, 'GET', `/admin/users/${session.user.id}/passkeys`, { token: t.serviceRoleKey });
      assert.equal(list.statusCode, 200, list.body);
      assert.deepEqual(list.json(), []);
    });
  });
}
