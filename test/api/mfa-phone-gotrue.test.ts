/**
 * Phone factors on data GoTrue wrote, with the real supabase-js against a listening project: a verified
 * phone factor as GoTrue stores it no longer stops the start (the migration's check passes), its user
 * signs in at aal1 with aal2 next and raises the session through an SMS code; a challenge GoTrue wrote
 * (its code plain, or sealed in GoTrue's encrypted form) verifies in Foyer, and with GoTrue's database
 * encryption on, the code Foyer stores is GoTrue's envelope, which GoTrue's scheme opens.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { hash } from '@node-rs/bcrypt';
import { decryptString, encryptString, parseEncryptedString } from '../../src/security/encrypted-string.js';
import type { Queryable } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { engines } from '../helpers/engines.js';
import { aalOf, PASSWORD, verify } from '../helpers/mfa.js';
import { codeSentTo, freshPhone, PHONE_MFA_ON } from '../helpers/mfa-phone.js';
import { createRestProject, type RestProject } from '../helpers/rest.js';

const KEY_ID = 'key-2024';
const KEY_BASE64URL = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8';
const KEY = Buffer.from(KEY_BASE64URL, 'base64url');
const ENCRYPTION_ON = {
  GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPT: 'true',
  GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY_ID: KEY_ID,
  GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY: KEY_BASE64URL,
  GOTRUE_SECURITY_DB_ENCRYPTION_DECRYPTION_KEYS: `${KEY_ID}:${KEY_BASE64URL}`,
};

/** What GoTrue writes for an email user who enrolled and verified a phone factor a day ago. */
async function insertGoTruePhoneFactorUser(db: Queryable, phone: string): Promise<{ userId: string; email: string; factorId: string }> {
  const userId = randomUUID();
  const factorId = randomUUID();
  const email = `adopted-${userId.slice(0, 8)}@example.com`;
  await db.query(
    `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, last_sign_in_at,
                             raw_app_meta_data, raw_user_meta_data, created_at, updated_at, is_anonymous, is_sso_user)
     values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated', $2, $3, now(), now(),
             '{"provider":"email","providers":["email"]}', '{}', now(), now(), false, false)`,
    [userId, email, await hash(PASSWORD, 10)],
  );
  await db.query(
    `insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at, id)
     values ($1::text, $2::uuid, jsonb_build_object('sub', $1::text, 'email', $3::text, 'email_verified', true), 'email', now(), now(), now(), gen_random_uuid())`,
    [userId, userId, email],
  );
  // GoTrue's phone factor: the number without "+", no secret, challenged once when it was verified.
  await db.query(
    `insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, secret, phone, last_challenged_at)
     values ($1, $2, 'Phone', 'phone', 'verified', now() - interval '1 day', now() - interval '1 day', null, $3, now() - interval '1 day')`,
    [factorId, userId, phone],
  );
  return { userId, email, factorId };
}

/** A challenge as GoTrue's challengePhoneFactor writes it, from 127.0.0.1. */
async function insertGoTrueChallenge(db: Queryable, factorId: string, challengeId: string, storedCode: string): Promise<void> {
  await db.query(`insert into auth.mfa_challenges (id, factor_id, created_at, ip_address, otp_code) values ($1, $2, now(), '127.0.0.1', $3)`, [
    challengeId,
    factorId,
    storedCode,
  ]);
}

for (const engine of engines) {
  describe(`phone factors on GoTrue's data (${engine})`, () => {
    let plain: RestProject;
    let encrypted: RestProject;
    before(async () => {
      plain = await createRestProject(engine, PHONE_MFA_ON);
      encrypted = await createRestProject(engine, { ...PHONE_MFA_ON, ...ENCRYPTION_ON });
    });
    after(async () => {
      await plain.close();
      await encrypted.close();
    });

    it('adopts a verified phone factor GoTrue left: the start goes on; sign-in is aal1 with aal2 next; an SMS code raises it', async () => {
      const phone = freshPhone();
      const { email, factorId } = await insertGoTruePhoneFactorUser(plain.database.db, phone);
      assert.deepEqual((await migrate(plain.database.db)).applied, [], 'the start-up check lets the database through');

      const client = plain.anonClient();
      assert.equal((await client.auth.signInWithPassword({ email, password: PASSWORD })).error, null);
      const level = await client.auth.mfa.getAuthenticatorAssuranceLevel();
      assert.deepEqual([level.data?.currentLevel, level.data?.nextLevel], ['aal1', 'aal2']);
      const factors = await client.auth.mfa.listFactors();
      assert.deepEqual(factors.data?.phone.map((factor) => [factor.id, (factor as { phone?: string }).phone, factor.status]), [[factorId, phone, 'verified']]);

      const challenge = await client.auth.mfa.challenge({ factorId });
      assert.equal(challenge.error, null, challenge.error?.message);
      const verified = await client.auth.mfa.verify({ factorId, challengeId: challenge.data!.id, code: await codeSentTo(plain.database.db, phone) });
      assert.equal(verified.error, null, verified.error?.message);
      const raised = await client.auth.mfa.getAuthenticatorAssuranceLevel();
      assert.equal(raised.data?.currentLevel, 'aal2');
      assert.deepEqual(raised.data?.currentAuthenticationMethods.map((entry) => (typeof entry === 'string' ? entry : entry.method)), ['mfa/phone', 'password']);
    });

    it('verifies a challenge GoTrue made (its code plain in otp_code)', async () => {
      const { email, factorId } = await insertGoTruePhoneFactorUser(plain.database.db, freshPhone());
      const client = plain.anonClient();
      const signedIn = await client.auth.signInWithPassword({ email, password: PASSWORD });
      assert.equal(signedIn.error, null);
      const challengeId = randomUUID();
      await insertGoTrueChallenge(plain.database.db, factorId, challengeId, '48151623');
      const wrong = await verify(plain, signedIn.data.session!.access_token, factorId, challengeId, '48151624');
      assert.equal(wrong.json().code, 'mfa_verification_failed');
      const ok = await verify(plain, signedIn.data.session!.access_token, factorId, challengeId, '48151623');
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(aalOf(ok.json().access_token), 'aal2');
    });

    it('with GoTrue’s database encryption: stores each code as GoTrue’s envelope (never plain), and verifies a code GoTrue sealed', async () => {
      const phone = freshPhone();
      const { email, factorId } = await insertGoTruePhoneFactorUser(encrypted.database.db, phone);
      const client = encrypted.anonClient();
      const signedIn = await client.auth.signInWithPassword({ email, password: PASSWORD });
      assert.equal(signedIn.error, null);
      const token = signedIn.data.session!.access_token;

      const challenge = await client.auth.mfa.challenge({ factorId });
      assert.equal(challenge.error, null, challenge.error?.message);
      const code = await codeSentTo(encrypted.database.db, phone);
      const [{ otp_code: stored }] = await encrypted.database.db.query<{ otp_code: string }>('select otp_code from auth.mfa_challenges where id = $1', [challenge.data!.id]);
      const envelope = parseEncryptedString(stored);
      assert.equal(envelope?.keyId, KEY_ID);
      assert.equal(stored.includes(code), false, 'the code is not stored in the clear');
      assert.equal(decryptString(challenge.data!.id, envelope!, new Map([[KEY_ID, KEY]])), code, 'sealed for the challenge id, as GoTrue seals it');

      const gotrueChallenge = randomUUID();
      await insertGoTrueChallenge(encrypted.database.db, factorId, gotrueChallenge, encryptString(gotrueChallenge, '902211', KEY_ID, KEY));
      const ok = await verify(encrypted, token, factorId, gotrueChallenge, '902211');
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(aalOf(ok.json().access_token), 'aal2');

      // A plain code GoTrue wrote before encryption was turned on is sealed at the first (failed) read, as GoTrue does.
      const older = randomUUID();
      await insertGoTrueChallenge(encrypted.database.db, factorId, older, '553311');
      const wrong = await verify(encrypted, ok.json().access_token, factorId, older, '553312');
      assert.equal(wrong.json().code, 'mfa_verification_failed');
      const [{ otp_code: resealed }] = await encrypted.database.db.query<{ otp_code: string }>('select otp_code from auth.mfa_challenges where id = $1', [older]);
      assert.equal(decryptString(older, parseEncryptedString(resealed)!, new Map([[KEY_ID, KEY]])), '553311');
      assert.equal((await verify(encrypted, ok.json().access_token, factorId, older, '553311')).statusCode, 200);
    });

    it('a code sealed under a key Foyer is not given: the challenge is unusable (422 mfa_challenge_expired, removed), never a 500', async () => {
      const { email, factorId } = await insertGoTruePhoneFactorUser(encrypted.database.db, freshPhone());
      const signedIn = await encrypted.anonClient().auth.signInWithPassword({ email, password: PASSWORD });
      const challengeId = randomUUID();
      await insertGoTrueChallenge(encrypted.database.db, factorId, challengeId, encryptString(challengeId, '123456', 'other-key', Buffer.alloc(32, 7)));
      const response = await verify(encrypted, signedIn.data.session!.access_token, factorId, challengeId, '123456');
      assert.equal(response.statusCode, 422, response.body);
      assert.equal(response.json().code, 'mfa_challenge_expired');
      assert.equal((await encrypted.database.db.query('select 1 from auth.mfa_challenges where id = $1', [challengeId])).length, 0);
    });
  });
}
