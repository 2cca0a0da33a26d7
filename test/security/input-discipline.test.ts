/**
 * The input discipline at the edge: strings PostgreSQL and JSON cannot hold (NUL, unpaired surrogates),
 * numbers out of range, durations past Go's bound and bodies nested too deep are refused with GoTrue's
 * 400s (bad_json / validation_failed) on the auth API, the admin API and /platform/v1, never a 500.
 * Each case is one that answered 500 before.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { engines } from '../helpers/engines.js';
import { apiHeaders, createTestPlatform, type ConsoleLogin, type TestPlatform } from '../helpers/platform.js';

const NUL_EMAIL = 'nul\u0000user@example.com';
const NUL_PHONE = '1555\u00000100';
const LONE_SURROGATE = 'project \ud800 name';

/** `depth` arrays inside one another around an email, as raw JSON text. */
const nested = (depth: number) => `{"email":"deep@example.com","data":{"x":${'['.repeat(depth)}1${']'.repeat(depth)}}}`;

function assertRefused(response: LightMyRequestResponse, status: number, code: string): void {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.headers['x-sb-error-code'], code, response.body);
  assert.equal((response.json() as { code: unknown }).code, code);
}

for (const engine of engines) {
  describe(`input discipline (${engine})`, () => {
    let t: TestPlatform;
    let session: ConsoleLogin;
    let serviceKey: string;
    let anonKey: string;

    before(async () => {
      t = await createTestPlatform(engine);
      session = await t.setUp();
      serviceKey = t.project.apiKeys.serviceRoleKey;
      anonKey = t.project.apiKeys.anonKey;
    });
    after(async () => t.close());

    const post = (url: string, payload: unknown, key = anonKey) =>
      t.front.inject({ method: 'POST', url, headers: apiHeaders(key), payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });

    it('refuses a NUL in the email or phone of a password sign-in, under /auth/v1 and at the root', async () => {
      for (const prefix of ['/auth/v1', '']) {
        assertRefused(await post(`${prefix}/token?grant_type=password`, { email: NUL_EMAIL, password: 'secret-password' }), 400, 'validation_failed');
        assertRefused(await post(`${prefix}/token?grant_type=password`, { phone: NUL_PHONE, password: 'secret-password' }), 400, 'validation_failed');
      }
    });

    it('refuses a NUL in the email or phone of /otp, /magiclink, /recover and /invite, and in a name on /signup', async () => {
      assertRefused(await post('/auth/v1/otp', { email: NUL_EMAIL }), 400, 'validation_failed');
      assertRefused(await post('/auth/v1/otp', { phone: NUL_PHONE }), 400, 'validation_failed');
      assertRefused(await post('/auth/v1/magiclink', { email: NUL_EMAIL }), 400, 'validation_failed');
      assertRefused(await post('/auth/v1/recover', { email: NUL_EMAIL }), 400, 'validation_failed');
      assertRefused(await post('/auth/v1/invite', { email: NUL_EMAIL }, serviceKey), 400, 'validation_failed');
      assertRefused(await post('/auth/v1/signup', { email: 'named@example.com', password: 'secret-password', data: { name: 'a\u0000b' } }), 400, 'validation_failed');
      // A NUL in a key is refused as well: jsonb cannot hold it either.
      assertRefused(await post('/auth/v1/signup', { data: { 'na\u0000me': 'x' } }), 400, 'validation_failed');
    });

    it('refuses a NUL in the query string or the path (%00)', async () => {
      const response = await t.front.inject({ method: 'GET', url: '/auth/v1/admin/users?filter=a%00b', headers: apiHeaders(serviceKey) });
      assertRefused(response, 400, 'validation_failed');
      const byId = await t.front.inject({ method: 'GET', url: '/auth/v1/admin/users/a%00b', headers: apiHeaders(serviceKey) });
      assertRefused(byId, 400, 'validation_failed');
    });

    it('refuses numbers JSON cannot carry and bodies nested past the bound, before anything walks them', async () => {
      assertRefused(await post('/auth/v1/signup', '{"email":"big@example.com","password":"secret-password","data":{"n":1e400}}'), 400, 'bad_json');
      assertRefused(await post('/auth/v1/invite', nested(100_000), serviceKey), 400, 'bad_json');
      // Within the bound, nesting is fine (metadata may be nested).
      const shallow = await post('/auth/v1/signup', { email: 'shallow@example.com', password: 'secret-password', data: { a: { b: { c: [[1]] } } } });
      assert.equal(shallow.statusCode, 200, shallow.body);
    });

    it('PUT /admin/users/:id with a ban longer than a Go duration is 400 validation_failed, as GoTrue answers', async () => {
      const created = await post('/auth/v1/admin/users', { email: 'banned@example.com', password: 'secret-password' }, serviceKey);
      assert.equal(created.statusCode, 200, created.body);
      const id = (created.json() as { id: string }).id;
      const put = (ban: string) =>
        t.front.inject({ method: 'PUT', url: `/auth/v1/admin/users/${id}`, headers: apiHeaders(serviceKey), payload: JSON.stringify({ ban_duration: ban }) });
      assertRefused(await put('9999999999h'), 400, 'validation_failed');
      // The longest duration Go has (2562047h) is a ban that holds.
      const longest = await put('2562047h');
      assert.equal(longest.statusCode, 200, longest.body);
      assert.ok(Date.parse((longest.json() as { banned_until: string }).banned_until) > Date.now() + 200 * 365 * 86_400_000);
    });

    it('refuses a NUL in the console login and the console invite', async () => {
      const login = await t.front.inject({ method: 'POST', url: '/platform/v1/login', payload: { email: 'ops\u0000@example.com', password: 'x' } });
      assertRefused(login, 400, 'validation_failed');
      assertRefused(await t.call(session, 'POST', '/platform/v1/projects/default/invite', { email: NUL_EMAIL }), 400, 'validation_failed');
    });

    it('refuses deeply nested JSON to the console invite before it is forwarded (no stack overflow)', async () => {
      const response = await t.front.inject({
        method: 'POST',
        url: '/platform/v1/projects/default/invite',
        headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'application/json' },
        payload: nested(100_000),
      });
      assertRefused(response, 400, 'bad_json');
    });

    it('PATCH /platform/v1/projects/:ref refuses a NUL or an unpaired surrogate in the name, and keeps the old name', async () => {
      const before = (await t.call(session, 'GET', '/platform/v1/projects/default')).json() as { name: string };
      assertRefused(await t.call(session, 'PATCH', '/platform/v1/projects/default', { name: 'a\u0000b' }), 400, 'validation_failed');
      assertRefused(await t.call(session, 'PATCH', '/platform/v1/projects/default', { name: LONE_SURROGATE }), 400, 'validation_failed');
      assertRefused(await t.call(session, 'PATCH', '/platform/v1/projects/default', { name: 'x\udc00' }), 400, 'validation_failed');
      const afterwards = (await t.call(session, 'GET', '/platform/v1/projects/default')).json() as { name: string };
      assert.equal(afterwards.name, before.name);
      // A paired surrogate (an emoji) is an ordinary character.
      const emoji = await t.call(session, 'PATCH', '/platform/v1/projects/default', { name: 'Rocket \u{1F680}' });
      assert.equal(emoji.statusCode, 200, emoji.body);
      assert.equal((emoji.json() as { name: string }).name, 'Rocket \u{1F680}');
    });

    it('settings revert refuses a version that is not a whole number PostgreSQL can hold (1e308)', async () => {
      const revert = (raw: string) =>
        t.front.inject({
          method: 'POST',
          url: '/platform/v1/projects/default/settings/revert',
          headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'application/json' },
          payload: raw,
        });
      assertRefused(await revert('{"version":1e308}'), 422, 'validation_failed');
      assertRefused(await revert('{"version":2147483648}'), 422, 'validation_failed');
      assertRefused(await revert('{"version":1.5}'), 422, 'validation_failed');
      const patch = await t.front.inject({
        method: 'PATCH',
        url: '/platform/v1/projects/default/settings',
        headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'application/json' },
        payload: '{"changes":{},"expected_version":1e308}',
      });
      assertRefused(patch, 422, 'validation_failed');
    });
  });
}
