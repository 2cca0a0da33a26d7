/**
 * MFA on data GoTrue left behind, and GoTrue's database encryption, with the real supabase-js against a
 * listening project: a user whose verified TOTP factor GoTrue wrote (secret plain, or encrypted with
 * GoTrue's format and a key Foyer is given) signs in at aal1 with aal2 next, and raises the session
 * with a code of that secret; with encryption on, what Foyer stores (TOTP secrets, password hashes) is
 * GoTrue's encrypted form and never the plain value; a session on GoTrue's v2 refresh tokens keeps
 * them when raised; secrets encrypted under a key Foyer is not given stop the start.
 */
import assert from 'node:assert/strict';
import { randomUUID, webcrypto } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { hash, verify as bcryptVerify } from '@node-rs/bcrypt';
import { Secret, TOTP } from 'otpauth';
import { encryptString, parseEncryptedString } from '../../src/security/encrypted-string.js';
import type { Queryable } from '../../src/store/db.js';
import { loadConfig } from '../../src/config/load.js';
import { openProject } from '../../src/runtime.js';
import { migrate } from '../../src/store/migrate.js';
import { engines, openTestDatabase } from '../helpers/engines.js';
import { goTrueAccessToken, insertGoTrueV2Session, readV2Token } from '../helpers/gotrue-v2-session.js';
import { aalOf, call, challengeAndVerify, enroll, PASSWORD, totpCode } from '../helpers/mfa.js';
import { TEST_JWT_SECRET } from '../helpers/project.js';
import { ConfigError } from '../../src/config/parse.js';
import { createRestProject, type RestProject } from '../helpers/rest.js';
import { makeClient } from '../helpers/server.js';

const KEY_ID = 'key-2024';
const KEY_BASE64URL = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8';
const KEY = Buffer.from(KEY_BASE64URL, 'base64url');
/** The fixed vector of test/security/encrypted-string.test.ts: this secret, encrypted for this factor id. */
const VECTOR_FACTOR_ID = '5f0b6d3e-3c79-4b0f-9d4e-5c3b6c8f1a2b';
const VECTOR_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const VECTOR =
  '{"key_id":"key-2024","alg":"aes-gcm-hkdf","data":"ajAeMEzFQCiu0P52sV8rnCcPABQQPu8g94eIyyjYd4/5h3V+WAumpQrr7J/2x4m2","nonce":"AQIDBAUGBwgJCgsM"}';

const ENCRYPTION_ON = {
  GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPT: 'true',
  GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY_ID: KEY_ID,
  GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY: KEY_BASE64URL,
  GOTRUE_SECURITY_DB_ENCRYPTION_DECRYPTION_KEYS: `${KEY_ID}:${KEY_BASE64URL}`,
};

/** Decrypts GoTrue's envelope with WebCrypto, apart from Foyer's codec. */
async function decryptApart(stored: string, rowId: string): Promise<string> {
  const { data, nonce } = JSON.parse(stored) as { data: string; nonce: string };
  const ikm = await webcrypto.subtle.importKey('raw', KEY, 'HKDF', false, ['deriveKey']);
  const key = await webcrypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new TextEncoder().encode(rowId) },
    ikm,
    { name: 'AES-GCM', length: 256 },
    false,
    ['decrypt'],
  );
  return new TextDecoder().decode(await webcrypto.subtle.decrypt({ name: 'AES-GCM', iv: Buffer.from(nonce, 'base64') }, key, Buffer.from(data, 'base64')));
}

/** What GoTrue writes for an email user with a verified TOTP factor (its password hash possibly encrypted). */
async function insertGoTrueMfaUser(
  db: Queryable,
  factor: { id: string; secret: string },
  options: { encryptPassword?: boolean } = {},
): Promise<{ userId: string; email: string }> {
  const userId = randomUUID();
  const email = `adopted-${userId.slice(0, 8)}@example.com`;
  const bcrypt = await hash(PASSWORD, 10);
  const storedHash = options.encryptPassword ? encryptString(userId, bcrypt, KEY_ID, KEY) : bcrypt;
  await db.query(
    `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, last_sign_in_at,
                             raw_app_meta_data, raw_user_meta_data, created_at, updated_at, is_anonymous, is_sso_user)
     values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated', $2, $3, now(), now(),
             '{"provider":"email","providers":["email"]}', '{}', now(), now(), false, false)`,
    [userId, email, storedHash],
  );
  await db.query(
    `insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at, id)
     values ($1::text, $2::uuid, jsonb_build_object('sub', $1::text, 'email', $3::text, 'email_verified', true), 'email', now(), now(), now(), gen_random_uuid())`,
    [userId, userId, email],
  );
  await db.query(
    `insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, secret, phone, last_challenged_at)
     values ($1, $2, 'Authenticator', 'totp', 'verified', now() - interval '1 day', now() - interval '1 day', $3, null, now() - interval '1 day')`,
    [factor.id, userId, factor.secret],
  );
  return { userId, email };
}

const storedSecret = async (db: Queryable, factorId: string) =>
  (await db.query<{ secret: string }>('select secret from auth.mfa_factors where id = $1', [factorId]))[0].secret;

for (const engine of engines) {
  describe(`MFA on GoTrue's data and GoTrue's database encryption (${engine})`, () => {
    let plain: RestProject;
    let encrypted: RestProject;
    before(async () => {
      const limits = { GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY: '10000' };
      plain = await createRestProject(engine, limits);
      encrypted = await createRestProject(engine, { ...limits, ...ENCRYPTION_ON });
    });
    after(async () => {
      await plain.close();
      await encrypted.close();
    });

    it('serves a verified factor GoTrue stored with a plain secret: aal1, next level aal2, raised with its code', async () => {
      const factorId = randomUUID();
      const secret = new Secret({ size: 20 }).base32;
      const { email } = await insertGoTrueMfaUser(plain.database.db, { id: factorId, secret });
      const client = makeClient(plain.url, plain.anonKey);
      const signedIn = await client.auth.signInWithPassword({ email, password: PASSWORD });
      assert.equal(signedIn.error, null);
      const level = await client.auth.mfa.getAuthenticatorAssuranceLevel();
      assert.equal(level.data?.currentLevel, 'aal1');
      assert.equal(level.data?.nextLevel, 'aal2');
      const factors = await client.auth.mfa.listFactors();
      assert.deepEqual(factors.data?.totp.map((factor) => [factor.id, factor.friendly_name, factor.status]), [[factorId, 'Authenticator', 'verified']]);
      const raised = await client.auth.mfa.challengeAndVerify({ factorId, code: TOTP.generate({ secret: Secret.fromBase32(secret) }) });
      assert.equal(raised.error, null, raised.error?.message);
      assert.equal((await client.auth.mfa.getAuthenticatorAssuranceLevel()).data?.currentLevel, 'aal2');
      assert.equal(await storedSecret(plain.database.db, factorId), secret, 'encryption off: the secret stays as GoTrue wrote it');
    });

    it('serves a factor whose secret GoTrue encrypted (and a password hash it encrypted), given its key', async () => {
      const { email } = await insertGoTrueMfaUser(encrypted.database.db, { id: VECTOR_FACTOR_ID, secret: VECTOR }, { encryptPassword: true });
      const client = makeClient(encrypted.url, encrypted.anonKey);
      const signedIn = await client.auth.signInWithPassword({ email, password: PASSWORD });
      assert.equal(signedIn.error, null, signedIn.error?.message);
      assert.equal((await client.auth.mfa.getAuthenticatorAssuranceLevel()).data?.nextLevel, 'aal2');
      const raised = await client.auth.mfa.challengeAndVerify({ factorId: VECTOR_FACTOR_ID, code: totpCode(VECTOR_SECRET) });
      assert.equal(raised.error, null, raised.error?.message);
      assert.equal(aalOf(raised.data!.access_token), 'aal2');
      assert.equal(await storedSecret(encrypted.database.db, VECTOR_FACTOR_ID), VECTOR, 'already under the current key: left as it is');
    });

    it('stores new TOTP secrets and password hashes encrypted in GoTrue’s form, never in the clear, and uses them', async () => {
      const email = `encrypted-${randomUUID().slice(0, 8)}@example.com`;
      const created = await encrypted.serviceClient().auth.admin.createUser({ email, password: PASSWORD, email_confirm: true });
      assert.equal(created.error, null);
      const userId = created.data.user!.id;
      const [{ encrypted_password: storedHash }] = await encrypted.database.db.query<{ encrypted_password: string }>(
        'select encrypted_password from auth.users where id = $1',
        [userId],
      );
      assert.equal(parseEncryptedString(storedHash)?.keyId, KEY_ID, 'the password hash is an envelope');
      assert.equal(storedHash.includes('$2'), false);
      assert.equal(await bcryptVerify(PASSWORD, await decryptApart(storedHash, userId)), true, 'GoTrue would decrypt a bcrypt hash of the password');

      const client = makeClient(encrypted.url, encrypted.anonKey);
      const signedIn = await client.auth.signInWithPassword({ email, password: PASSWORD });
      assert.equal(signedIn.error, null, signedIn.error?.message);
      assert.equal((await client.auth.signInWithPassword({ email, password: 'not the password' })).error?.code, 'invalid_credentials');
      // A new password (PUT /user) is stored encrypted too, and the same one again is recognised through the envelope.
      const renewed = 'another long enough password';
      assert.equal((await client.auth.updateUser({ password: renewed })).error, null);
      assert.equal((await client.auth.updateUser({ password: renewed })).error?.code, 'same_password');
      const [{ encrypted_password: renewedHash }] = await encrypted.database.db.query<{ encrypted_password: string }>(
        'select encrypted_password from auth.users where id = $1',
        [userId],
      );
      assert.equal(await bcryptVerify(renewed, await decryptApart(renewedHash, userId)), true);
      assert.equal((await client.auth.signInWithPassword({ email, password: renewed })).error, null);
      // So is the password of a sign-up link made by an admin, for the user it creates.
      const linked = await encrypted.serviceClient().auth.admin.generateLink({ type: 'signup', email: `link-${email}`, password: PASSWORD });
      assert.equal(linked.error, null, linked.error?.message);
      const linkedId = linked.data.user!.id;
      const [{ encrypted_password: linkedHash }] = await encrypted.database.db.query<{ encrypted_password: string }>(
        'select encrypted_password from auth.users where id = $1',
        [linkedId],
      );
      assert.equal(await bcryptVerify(PASSWORD, await decryptApart(linkedHash, linkedId)), true);
      // And a sign-up's.
      const signedUp = await makeClient(encrypted.url, encrypted.anonKey).auth.signUp({ email: `signup-${email}`, password: PASSWORD });
      assert.equal(signedUp.error, null, signedUp.error?.message);
      const signedUpId = signedUp.data.user!.id;
      const [{ encrypted_password: signedUpHash }] = await encrypted.database.db.query<{ encrypted_password: string }>(
        'select encrypted_password from auth.users where id = $1',
        [signedUpId],
      );
      assert.equal(await bcryptVerify(PASSWORD, await decryptApart(signedUpHash, signedUpId)), true);
      const enrolled = await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'app' });
      assert.equal(enrolled.error, null);
      const factor = enrolled.data!;
      const stored = await storedSecret(encrypted.database.db, factor.id);
      assert.notEqual(stored, factor.totp.secret);
      assert.equal(stored.includes(factor.totp.secret), false);
      assert.equal(await decryptApart(stored, factor.id), factor.totp.secret, 'GoTrue’s scheme decrypts it, for this factor id');
      const raised = await client.auth.mfa.challengeAndVerify({ factorId: factor.id, code: totpCode(factor.totp.secret) });
      assert.equal(raised.error, null, raised.error?.message);
      assert.equal(aalOf(raised.data!.access_token), 'aal2');
    });

    it('encrypts a plain secret GoTrue left, once encryption is on, when it is next verified (as GoTrue does)', async () => {
      const factorId = randomUUID();
      const secret = new Secret({ size: 20 }).base32;
      const { email } = await insertGoTrueMfaUser(encrypted.database.db, { id: factorId, secret });
      const session = (await call(encrypted, 'POST', '/token?grant_type=password', { payload: { email, password: PASSWORD } })).json();
      await challengeAndVerify(encrypted, session.access_token, { id: factorId, secret, uri: '', qr_code: '' });
      const stored = await storedSecret(encrypted.database.db, factorId);
      assert.equal(parseEncryptedString(stored)?.keyId, KEY_ID);
      assert.equal(await decryptApart(stored, factorId), secret);
    });

    it('raises a session on GoTrue’s v2 refresh tokens: the answer is the v2 token two counts on; the aal1 token cannot become aal2', async () => {
      const session = await insertGoTrueV2Session(plain.database.db, { counter: 5 });
      const token = goTrueAccessToken(TEST_JWT_SECRET, session, 600);
      const factor = await enroll(plain, token, 'v2');
      const raised = await challengeAndVerify(plain, token, factor);
      assert.deepEqual(readV2Token(raised.refresh_token), { sessionId: session.sessionId, counter: 7n });
      assert.equal(aalOf(raised.access_token), 'aal2');
      const refreshed = await call(plain, 'POST', '/token?grant_type=refresh_token', { payload: { refresh_token: raised.refresh_token } });
      assert.equal(refreshed.statusCode, 200, refreshed.body);
      assert.equal(aalOf(refreshed.json().access_token), 'aal2');
      const stale = await call(plain, 'POST', '/token?grant_type=refresh_token', { payload: { refresh_token: session.token(5) } });
      assert.equal(stale.statusCode, 400, 'the aal1 token of before is spent');
    });
  });

  describe(`TOTP secrets GoTrue encrypted under a key Foyer is not given (${engine})`, () => {
    it('stop the start, naming the key; with the key the project opens', async () => {
      const database = await openTestDatabase(engine);
      try {
        await migrate(database.db);
        await insertGoTrueMfaUser(database.db, { id: VECTOR_FACTOR_ID, secret: VECTOR });
        const env = { GOTRUE_JWT_SECRET: TEST_JWT_SECRET, ...(database.url ? { DATABASE_URL: database.url } : {}) };
        await assert.rejects(openProject(loadConfig(env), { db: database.db }), (error: Error) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, /auth\.mfa_factors holds TOTP secrets GoTrue encrypted with the key\(s\) "key-2024", which GOTRUE_SECURITY_DB_ENCRYPTION_DECRYPTION_KEYS does not hold/);
          return true;
        });
        const opened = await openProject(loadConfig({ ...env, GOTRUE_SECURITY_DB_ENCRYPTION_DECRYPTION_KEYS: `${KEY_ID}:${KEY_BASE64URL}` }), { db: database.db });
        await opened.deps.rateLimits.close();
      } finally {
        await database.close();
      }
    });
  });
}
