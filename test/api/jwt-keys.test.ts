import assert from 'node:assert/strict';
import { createHmac, createPrivateKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { engines } from '../helpers/engines.js';
import { createTestProject, decodeJwt, signUpAnonymously, TEST_JWT_SECRET, versionHeaders, type TestProject } from '../helpers/project.js';

const rsaPrivate = { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'rsa-main', alg: 'RS256' };
const ecPrivate = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid: 'ec-old', alg: 'ES256' };
const rsaPublicPem = createPrivateKey({ key: rsaPrivate as JsonWebKey, format: 'jwk' }).export({ type: 'pkcs1', format: 'pem' });
const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi'];

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const header = (token: string) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as Record<string, unknown>;

/** An HS256 token signed with any key material, header as given: what an attacker can make. */
function hmacToken(head: Record<string, unknown>, claims: Record<string, unknown>, key: string | Buffer): string {
  const input = `${b64(head)}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

const getUser = (t: TestProject, token: string) =>
  t.app.inject({ method: 'GET', url: '/auth/v1/user', headers: { ...versionHeaders, authorization: `Bearer ${token}` } });

async function assertBadJwt(t: TestProject, token: string, why: string): Promise<void> {
  const response = await getUser(t, token);
  assert.equal(response.statusCode, 403, `${why}: ${response.body}`);
  assert.equal(response.json().code, 'bad_jwt', why);
}

for (const engine of engines) {
  describe(`GOTRUE_JWT_KEYS: RS256 signs, ES256 verifies, HS secret still accepted (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, {
        GOTRUE_JWT_KEYS: JSON.stringify([
          { ...ecPrivate, key_ops: ['verify'] },
          { ...rsaPrivate, key_ops: ['sign', 'verify'] },
        ]),
      });
    });
    after(() => t.close());

    it('signs access tokens and API keys with the signing key’s kid and alg', async () => {
      const session = await signUpAnonymously(t.app);
      assert.deepEqual(header(session.access_token), { alg: 'RS256', kid: 'rsa-main', typ: 'JWT' });
      assert.equal(header(t.serviceRoleKey).kid, 'rsa-main');
      assert.equal(header(t.anonKey).alg, 'RS256');
      const refreshed = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=refresh_token',
        headers: versionHeaders,
        payload: { refresh_token: session.refresh_token },
      });
      assert.equal(refreshed.statusCode, 200, refreshed.body);
      assert.equal(header(refreshed.json().access_token).kid, 'rsa-main');
    });

    it('publishes only public parts at /.well-known/jwks.json, cacheable, and they verify the tokens', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/auth/v1/.well-known/jwks.json' });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.headers['cache-control'], 'public, max-age=600');
      const { keys } = response.json() as { keys: Record<string, unknown>[] };
      assert.deepEqual(keys.map((key) => key.kid).sort(), ['ec-old', 'rsa-main']);
      for (const key of keys) {
        for (const member of privateMembers) assert.equal(key[member], undefined, `${String(key.kid)} leaks "${member}"`);
        assert.equal(key.use, 'sig');
        assert.deepEqual(key.key_ops, ['verify']);
      }
      const rsa = keys.find((key) => key.kid === 'rsa-main')!;
      assert.deepEqual([rsa.kty, rsa.alg, rsa.n, rsa.e], ['RSA', 'RS256', rsaPrivate.n, rsaPrivate.e]);
      const ec = keys.find((key) => key.kid === 'ec-old')!;
      assert.deepEqual([ec.kty, ec.alg, ec.crv, ec.x, ec.y], ['EC', 'ES256', 'P-256', ecPrivate.x, ecPrivate.y]);
      assert.equal((await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json().keys.length, 2);

      const session = await signUpAnonymously(t.app);
      const { payload } = await jwtVerify(session.access_token, createLocalJWKSet({ keys: keys as never }), { audience: 'authenticated' });
      assert.equal(payload.sub, session.user.id);
    });

    it('accepts its own tokens, tokens of the verify-only key and HS256 tokens of GOTRUE_JWT_SECRET at GET /user', async () => {
      const session = await signUpAnonymously(t.app);
      const own = await getUser(t, session.access_token);
      assert.equal(own.statusCode, 200, own.body);
      assert.equal(own.json().id, session.user.id);
      const claims = decodeJwt(session.access_token);

      const esKey = createPrivateKey({ key: ecPrivate as JsonWebKey, format: 'jwk' });
      const byOldKey = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'ec-old', typ: 'JWT' }).sign(esKey);
      assert.equal((await getUser(t, byOldKey)).statusCode, 200);

      const bySecret = hmacToken({ alg: 'HS256', typ: 'JWT' }, claims, TEST_JWT_SECRET);
      const response = await getUser(t, bySecret);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().id, session.user.id);
    });

    it('refuses HS256 tokens that name an asymmetric kid (algorithm confusion), and every other mismatch', async () => {
      const session = await signUpAnonymously(t.app);
      const claims = decodeJwt(session.access_token);
      const publicJwkN = Buffer.from(rsaPrivate.n as string, 'base64url');
      await assertBadJwt(t, hmacToken({ alg: 'HS256', typ: 'JWT', kid: 'rsa-main' }, claims, rsaPublicPem), 'HMAC keyed with the RSA public PEM');
      await assertBadJwt(t, hmacToken({ alg: 'HS256', typ: 'JWT', kid: 'rsa-main' }, claims, publicJwkN), 'HMAC keyed with the modulus');
      await assertBadJwt(t, hmacToken({ alg: 'HS256', typ: 'JWT', kid: 'rsa-main' }, claims, TEST_JWT_SECRET), 'HS256 with an RS kid');
      await assertBadJwt(t, hmacToken({ alg: 'HS256', typ: 'JWT', kid: 'ec-old' }, claims, TEST_JWT_SECRET), 'HS256 with an ES kid');

      const strangerRsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const stranger = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'rsa-main', typ: 'JWT' }).sign(strangerRsa);
      await assertBadJwt(t, stranger, 'RS256 by another key under our kid');
      const unknownKid = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'rsa-other', typ: 'JWT' }).sign(strangerRsa);
      await assertBadJwt(t, unknownKid, 'unknown kid');
      const rsKey = createPrivateKey({ key: rsaPrivate as JsonWebKey, format: 'jwk' });
      const noKid = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(rsKey);
      await assertBadJwt(t, noKid, 'RS256 without kid');
      const wrongAlg = await new SignJWT(claims).setProtectedHeader({ alg: 'PS256', kid: 'rsa-main', typ: 'JWT' }).sign(rsKey);
      await assertBadJwt(t, wrongAlg, 'PS256 with an RS256 key');
      const now = Math.floor(Date.now() / 1000);
      const expired = await new SignJWT({ ...claims, iat: now - 100, exp: now - 10 }).setProtectedHeader({ alg: 'RS256', kid: 'rsa-main' }).sign(rsKey);
      await assertBadJwt(t, expired, 'expired RS256');
      await assertBadJwt(t, hmacToken({ alg: 'HS256', typ: 'JWT' }, claims, 'not-the-configured-secret-0123456789abcdef'), 'HS256 by another secret');
    });
  });

  describe(`GOTRUE_JWT_KEYS with ES256 signing and GOTRUE_JWT_VALID_METHODS without HS256 (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, {
        GOTRUE_JWT_KEYS: JSON.stringify([{ ...ecPrivate, key_ops: ['sign'] }, { ...rsaPrivate, key_ops: ['verify'] }]),
        GOTRUE_JWT_VALID_METHODS: 'ES256,RS256',
      });
    });
    after(() => t.close());

    it('signs with ES256 and refuses HS256 tokens when HS256 is not a valid method', async () => {
      const session = await signUpAnonymously(t.app);
      assert.deepEqual(header(session.access_token), { alg: 'ES256', kid: 'ec-old', typ: 'JWT' });
      assert.equal((await getUser(t, session.access_token)).statusCode, 200);
      await assertBadJwt(t, hmacToken({ alg: 'HS256', typ: 'JWT' }, decodeJwt(session.access_token), TEST_JWT_SECRET), 'HS256 not allowed');
    });
  });

  describe(`only GOTRUE_JWT_SECRET (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine);
    });
    after(() => t.close());

    it('publishes an empty key set and signs HS256 without kid', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/auth/v1/.well-known/jwks.json' });
      assert.equal(response.statusCode, 200);
      assert.deepEqual(response.json(), { keys: [] });
      assert.equal(response.headers['cache-control'], 'public, max-age=600');
      const session = await signUpAnonymously(t.app);
      assert.deepEqual(header(session.access_token), { alg: 'HS256', typ: 'JWT' });
      const rsKey = createPrivateKey({ key: rsaPrivate as JsonWebKey, format: 'jwk' });
      const rs = await new SignJWT(decodeJwt(session.access_token)).setProtectedHeader({ alg: 'RS256', kid: 'rsa-main' }).sign(rsKey);
      await assertBadJwt(t, rs, 'RS256 when no RSA key is configured');
    });
  });
}
