/**
 * Where token verification is lenient on purpose, as GoTrue and PostgREST are (docs/gotrue-compatibility.md,
 * "Tokens"): an HS256 token with a kid Foyer does not know is checked against the shared secret, and
 * tokens without `aud` or without `exp` are accepted, at GET /user and on the Data API alike. What
 * stays strict is checked next to each: another secret, an `exp` in the past.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestProject, decodeJwt, signUpAnonymously, TEST_JWT_SECRET, versionHeaders, type TestProject } from '../helpers/project.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function hmacToken(head: Record<string, unknown>, claims: Record<string, unknown>, key: string): string {
  const input = `${b64(head)}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

const OTHER_SECRET = 'another-secret-that-is-long-enough-0123456789';

for (const engine of engines) {
  describe(`JWT leniency shared with GoTrue and PostgREST (${engine})`, () => {
    let t: TestProject;
    let claims: Record<string, unknown>;
    let userId: string;
    before(async () => {
      t = await createTestProject(engine);
      await t.database.db.execScript(`create function public.whoami() returns uuid language sql stable as $$ select auth.uid() $$;`);
      const session = await signUpAnonymously(t.app);
      claims = decodeJwt(session.access_token);
      userId = session.user.id;
    });
    after(() => t.close());

    /** The status of GET /auth/v1/user, and whether the Data API lets `token` in (a 401 is its refusal). */
    const statuses = async (token: string) => {
      const user = await t.app.inject({ method: 'GET', url: '/auth/v1/user', headers: { ...versionHeaders, authorization: `Bearer ${token}` } });
      const rest = await t.app.inject({ method: 'GET', url: '/rest/v1/rpc/whoami', headers: { apikey: t.anonKey, authorization: `Bearer ${token}` } });
      if (user.statusCode === 200) assert.equal(user.json<{ id: string }>().id, userId);
      if (rest.statusCode === 200) assert.equal(rest.json<string>(), userId);
      return { user: user.statusCode, rest: rest.statusCode === 200 ? 'in' : `${rest.statusCode} ${rest.json<{ code: string }>().code}` };
    };

    it('checks an HS256 token with an unknown kid against the shared secret', async () => {
      assert.deepEqual(await statuses(hmacToken({ alg: 'HS256', typ: 'JWT', kid: 'retired-key' }, claims, TEST_JWT_SECRET)), { user: 200, rest: 'in' });
      assert.deepEqual(await statuses(hmacToken({ alg: 'HS256', typ: 'JWT', kid: 'retired-key' }, claims, OTHER_SECRET)), { user: 403, rest: '401 PGRST301' });
    });

    it('accepts a token without aud, or with another aud', async () => {
      const { aud: _aud, ...withoutAud } = claims;
      assert.deepEqual(await statuses(hmacToken({ alg: 'HS256', typ: 'JWT' }, withoutAud, TEST_JWT_SECRET)), { user: 200, rest: 'in' });
      assert.deepEqual(await statuses(hmacToken({ alg: 'HS256', typ: 'JWT' }, { ...claims, aud: 'another-service' }, TEST_JWT_SECRET)), { user: 200, rest: 'in' });
    });

    it('accepts a token without exp (it never expires), and refuses one whose exp has passed', async () => {
      const { exp: _exp, ...withoutExp } = claims;
      assert.deepEqual(await statuses(hmacToken({ alg: 'HS256', typ: 'JWT' }, withoutExp, TEST_JWT_SECRET)), { user: 200, rest: 'in' });
      const past = Math.floor(Date.now() / 1000) - 10;
      assert.deepEqual(await statuses(hmacToken({ alg: 'HS256', typ: 'JWT' }, { ...claims, exp: past }, TEST_JWT_SECRET)), { user: 403, rest: '401 PGRST303' });
    });

    it('honours nbf when present: a token not valid yet is refused', async () => {
      const later = Math.floor(Date.now() / 1000) + 600;
      const early = await statuses(hmacToken({ alg: 'HS256', typ: 'JWT' }, { ...claims, nbf: later }, TEST_JWT_SECRET));
      assert.equal(early.user, 403);
      assert.match(early.rest, /^401 /);
    });
  });
}
