/**
 * String length limits at the edge, each just under (accepted, or another error) and just over (refused
 * with GoTrue's code and message where GoTrue has a rule): GoTrue's own rules (email 255 bytes, password
 * 72 bytes, phone E.164, PKCE code challenge 43 to 128), the fields' limits of src/http/schemas.ts, the
 * backstop on any one string (body values and keys, query names and values: 65536 characters) and on path
 * parameters (100), on the auth API, the admin API, /platform/v1 and the Data API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { MAX_PATH_PARAM_LENGTH, MAX_STRING_LENGTH } from '../../src/http/body.js';
import { FIELD_LIMITS } from '../../src/http/schemas.js';
import { engines } from '../helpers/engines.js';
import { apiHeaders, createTestPlatform, type ConsoleLogin, type TestPlatform } from '../helpers/platform.js';
import { createTestProject, signUpAnonymously, type TestProject } from '../helpers/project.js';

/** An address of exactly `bytes` bytes (ASCII), unique by `tag`. */
const emailOf = (bytes: number, tag: string) => {
  const domain = `@${tag}.example.com`;
  return `${'a'.repeat(bytes - domain.length)}${domain}`;
};

function assertRefused(response: LightMyRequestResponse, status: number, code: string, message: string | RegExp): void {
  assert.equal(response.statusCode, status, response.body);
  const body = response.json() as { code: unknown; message: unknown };
  assert.equal(body.code, code, response.body);
  if (typeof message === 'string') assert.equal(body.message, message);
  else assert.match(String(body.message), message);
}

function assertNotRefusedFor(response: LightMyRequestResponse, message: RegExp): void {
  assert.ok(response.statusCode < 500, response.body);
  assert.doesNotMatch(response.body, message);
}

const TOO_LONG_EMAIL = 'An email address is too long';
const TOO_LONG_PASSWORD = 'Password cannot be longer than 72 characters';
const BAD_PHONE = 'Invalid phone number format (E.164 required)';
const BAD_CHALLENGE = 'code challenge has to be between 43 and 128 characters';
const BACKSTOP = new RegExp(`longer than ${MAX_STRING_LENGTH} characters \\(the limit for any one value\\)`);
const PATH_LIMIT = `A path parameter is longer than ${MAX_PATH_PARAM_LENGTH} characters`;

for (const engine of engines) {
  describe(`length limits (${engine})`, () => {
    let t: TestPlatform;
    let session: ConsoleLogin;
    let standalone: TestProject;
    let serviceKey: string;
    let anonKey: string;

    before(async () => {
      t = await createTestPlatform(engine, {
        GOTRUE_MAILER_AUTOCONFIRM: 'true',
        GOTRUE_RATE_LIMIT_EMAIL_SENT: '100000',
        GOTRUE_RATE_LIMIT_OTP: '100000',
        GOTRUE_RATE_LIMIT_TOKEN_REFRESH: '100000',
      });
      session = await t.setUp();
      serviceKey = t.project.apiKeys.serviceRoleKey;
      anonKey = t.project.apiKeys.anonKey;
      standalone = await createTestProject(engine);
      await standalone.database.db.execScript(
        'create table public.notes (id int primary key, body text); grant all on public.notes to anon, authenticated, service_role;',
      );
    });
    after(async () => {
      await standalone.close();
      await t.close();
    });

    const send = (method: 'POST' | 'PUT' | 'GET', url: string, payload?: unknown, key = anonKey, token?: string) =>
      t.front.inject({ method, url, headers: apiHeaders(key, token), ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }) });

    it('email: 255 bytes are taken, 256 are "An email address is too long" (GoTrue counts bytes, as Go’s len)', async () => {
      const signup = (email: string) => send('POST', '/auth/v1/signup', { email, password: 'a-good-password-1' });
      const under = await signup(emailOf(255, 'signup'));
      assert.equal(under.statusCode, 200, under.body);
      assertRefused(await signup(emailOf(256, 'signup')), 400, 'validation_failed', TOO_LONG_EMAIL);
      // 138 characters, 266 bytes (é is two): too long before the format is looked at (GoTrue's order).
      assertRefused(await signup(`${'é'.repeat(128)}@x.example`), 400, 'validation_failed', TOO_LONG_EMAIL);

      for (const [url, payload, key] of [
        ['/auth/v1/otp', (email: string) => ({ email }), anonKey],
        ['/auth/v1/recover', (email: string) => ({ email }), anonKey],
        ['/auth/v1/invite', (email: string) => ({ email }), serviceKey],
        ['/auth/v1/admin/users', (email: string) => ({ email }), serviceKey],
        ['/auth/v1/admin/generate_link', (email: string) => ({ type: 'magiclink', email }), serviceKey],
      ] as const) {
        const tag = (url.split('/').pop() ?? 'x').replace(/[^a-z]/g, '-');
        const accepted = await send('POST', url, payload(emailOf(255, `${tag}-under`)), key);
        assert.equal(accepted.statusCode, 200, `${url}: ${accepted.body}`);
        assertRefused(await send('POST', url, payload(emailOf(256, `${tag}-over`)), key), 400, 'validation_failed', TOO_LONG_EMAIL);
      }
    });

    it('password: 72 bytes are taken, 73 are "Password cannot be longer than 72 characters" (bytes, not characters)', async () => {
      const signup = (tag: string, password: string) => send('POST', '/auth/v1/signup', { email: `${tag}@example.com`, password });
      const under = await signup('pw-under', 'p'.repeat(72));
      assert.equal(under.statusCode, 200, under.body);
      // The password signs in, whole.
      const signIn = await send('POST', '/auth/v1/token?grant_type=password', { email: 'pw-under@example.com', password: 'p'.repeat(72) });
      assert.equal(signIn.statusCode, 200, signIn.body);
      assertRefused(await signup('pw-over', 'p'.repeat(73)), 400, 'validation_failed', TOO_LONG_PASSWORD);
      // 37 two-byte characters: 74 bytes.
      assertRefused(await signup('pw-wide', 'é'.repeat(37)), 400, 'validation_failed', TOO_LONG_PASSWORD);
      assertRefused(await send('POST', '/auth/v1/admin/users', { email: 'pw-admin@example.com', password: 'p'.repeat(73) }, serviceKey), 400, 'validation_failed', TOO_LONG_PASSWORD);
      const token = (signIn.json() as { access_token: string }).access_token;
      assertRefused(await send('PUT', '/auth/v1/user', { password: 'q'.repeat(73) }, anonKey, token), 400, 'validation_failed', TOO_LONG_PASSWORD);
    });

    it('phone: E.164 is at most 15 digits; GoTrue strips one leading + and spaces, nothing else', async () => {
      const create = (phone: string) => send('POST', '/auth/v1/admin/users', { phone }, serviceKey);
      const fifteen = await create('+1 555 555 0100 1234');
      assert.equal(fifteen.statusCode, 200, fifteen.body);
      assert.equal((fifteen.json() as { phone: string }).phone, '155555501001234');
      assertRefused(await create('+1555555010012345'), 400, 'validation_failed', BAD_PHONE);
      assertRefused(await create('+1555\t5550100'), 400, 'validation_failed', BAD_PHONE);
      assertRefused(await create('++15555550100'), 400, 'validation_failed', BAD_PHONE);
    });

    it('PKCE code challenge: 128 characters are taken, 129 are GoTrue’s "between 43 and 128"', async () => {
      const otp = (tag: string, challenge: string) =>
        send('POST', '/auth/v1/otp', { email: `${tag}@example.com`, code_challenge: challenge, code_challenge_method: 's256' });
      const under = await otp('pkce-under', 'c'.repeat(128));
      assert.equal(under.statusCode, 200, under.body);
      assertRefused(await otp('pkce-over', 'c'.repeat(129)), 400, 'validation_failed', BAD_CHALLENGE);
    });

    it('fields GoTrue leaves open have their own limits: role (a 500 before), redirect_to, refresh_token, filter', async () => {
      const role = (tag: string, length: number) => send('POST', '/auth/v1/admin/users', { email: `${tag}@example.com`, role: 'r'.repeat(length) }, serviceKey);
      const roleUnder = await role('role-under', FIELD_LIMITS.name);
      assert.equal(roleUnder.statusCode, 200, roleUnder.body);
      assertRefused(await role('role-over', FIELD_LIMITS.name + 1), 400, 'validation_failed', `body/role must NOT have more than ${FIELD_LIMITS.name} characters`);

      const redirect = (tag: string, length: number) => {
        const target = `http://localhost:3000/${'r'.repeat(length - 'http://localhost:3000/'.length)}`;
        return send('POST', `/auth/v1/otp?redirect_to=${target}`, { email: `${tag}@example.com` });
      };
      const redirectUnder = await redirect('redirect-under', FIELD_LIMITS.url);
      assert.equal(redirectUnder.statusCode, 200, redirectUnder.body);
      assertRefused(await redirect('redirect-over', FIELD_LIMITS.url + 1), 400, 'validation_failed', `querystring/redirect_to must NOT have more than ${FIELD_LIMITS.url} characters`);

      const refresh = (length: number) => send('POST', '/auth/v1/token?grant_type=refresh_token', { refresh_token: 'x'.repeat(length) });
      // Just under: the token's own check (neither a 12-character v1 token nor a well-formed v2 one).
      assertRefused(await refresh(FIELD_LIMITS.token), 400, 'validation_failed', 'Refresh token is not valid');
      assertRefused(await refresh(FIELD_LIMITS.token + 1), 400, 'validation_failed', `body/refresh_token must NOT have more than ${FIELD_LIMITS.token} characters`);

      const filter = (length: number) => send('GET', `/auth/v1/admin/users?filter=${'f'.repeat(length)}`, undefined, serviceKey);
      assert.equal((await filter(FIELD_LIMITS.search)).statusCode, 200);
      assertRefused(await filter(FIELD_LIMITS.search + 1), 400, 'validation_failed', `querystring/filter must NOT have more than ${FIELD_LIMITS.search} characters`);
    });

    it(`any one string of a body, value or key, is at most ${MAX_STRING_LENGTH} characters; metadata up to that is kept whole`, async () => {
      const user = await signUpAnonymously(t.front, { bio: 'b'.repeat(MAX_STRING_LENGTH) });
      assert.equal((user.user.user_metadata as { bio: string }).bio.length, MAX_STRING_LENGTH);
      assertRefused(await send('POST', '/auth/v1/signup', { data: { bio: 'b'.repeat(MAX_STRING_LENGTH + 1) } }), 400, 'validation_failed', /^Request body has a string longer than 65536 characters/);
      assertRefused(await send('POST', '/auth/v1/signup', { data: { ['k'.repeat(MAX_STRING_LENGTH + 1)]: 1 } }), 400, 'validation_failed', /^Request body has a key longer than 65536 characters/);
      // Deep in an update's metadata too, and on the admin API.
      assertRefused(
        await send('PUT', '/auth/v1/user', { data: { a: [{ b: 'b'.repeat(MAX_STRING_LENGTH + 1) }] } }, anonKey, user.access_token),
        400, 'validation_failed', BACKSTOP,
      );
      assertRefused(await send('POST', '/auth/v1/admin/users', { email: 'meta@example.com', app_metadata: { x: 'x'.repeat(MAX_STRING_LENGTH + 1) } }, serviceKey), 400, 'validation_failed', BACKSTOP);
      // A password of a megabyte stops at the backstop, before anything hashes it.
      assertRefused(await send('POST', '/auth/v1/token?grant_type=password', { email: 'x@example.com', password: 'p'.repeat(MAX_STRING_LENGTH + 1) }), 400, 'validation_failed', BACKSTOP);
    });

    it(`query names and values are at most ${MAX_STRING_LENGTH} characters, path parameters ${MAX_PATH_PARAM_LENGTH}`, async () => {
      assert.equal((await send('GET', `/auth/v1/settings?x=${'v'.repeat(MAX_STRING_LENGTH)}`)).statusCode, 200);
      assertRefused(await send('GET', `/auth/v1/settings?x=${'v'.repeat(MAX_STRING_LENGTH + 1)}`), 400, 'validation_failed', /^The query string has a value longer than 65536 characters/);
      assertRefused(await send('GET', `/auth/v1/settings?${'n'.repeat(MAX_STRING_LENGTH + 1)}=1`), 400, 'validation_failed', /^The query string has a parameter name longer than 65536 characters/);
      const byId = (length: number) => send('GET', `/auth/v1/admin/users/${'i'.repeat(length)}`, undefined, serviceKey);
      assertNotRefusedFor(await byId(MAX_PATH_PARAM_LENGTH), /path parameter is longer/);
      assertRefused(await byId(MAX_PATH_PARAM_LENGTH + 1), 400, 'validation_failed', PATH_LIMIT);
      // The same at the root (the drop-in auth listener's paths), in GoTrue's shape; and what else the
      // router refuses before any route runs (a path that is not percent-encoding) is GoTrue-shaped too.
      assertRefused(await send('GET', `/admin/users/${'i'.repeat(MAX_PATH_PARAM_LENGTH + 1)}`, undefined, serviceKey), 400, 'validation_failed', PATH_LIMIT);
      assertRefused(await send('GET', '/auth/v1/admin/users/%zz', undefined, serviceKey), 400, 'validation_failed', 'The path is not valid URL encoding');
    });

    it('the provider callback’s form body gets the string checks too', async () => {
      const form = (text: string) =>
        t.front.inject({
          method: 'POST',
          url: '/auth/v1/callback',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-supabase-api-version': '2024-01-01' },
          payload: text,
        });
      assertRefused(await form('state=a%00b'), 400, 'validation_failed', /NUL/);
      const fine = await form('state=abc&code=def');
      assert.equal(fine.statusCode, 303, fine.body);
    });

    it('/platform/v1: project name, database_url, the ref, settings values, invite emails, console login and CAPTCHA test', async () => {
      const rename = (name: string) => t.call(session, 'PATCH', '/platform/v1/projects/default', { name });
      assert.equal((await rename('n'.repeat(64))).statusCode, 200);
      assertRefused(await rename('n'.repeat(65)), 422, 'validation_failed', 'name must be at most 64 characters long');
      const tooLongUrl = `postgres://u@h/${'d'.repeat(FIELD_LIMITS.url)}`;
      assertRefused(await t.call(session, 'POST', '/platform/v1/projects', { name: 'x', database_url: tooLongUrl }), 422, 'validation_failed', `database_url must be at most ${FIELD_LIMITS.url} characters long`);

      assertRefused(await t.call(session, 'GET', `/platform/v1/projects/${'r'.repeat(MAX_PATH_PARAM_LENGTH + 1)}`), 400, 'validation_failed', PATH_LIMIT);
      const unknown = await t.call(session, 'POST', '/platform/v1/projects/default/settings/copy', { from_ref: 'r'.repeat(10_000) });
      assertRefused(unknown, 404, 'project_not_found', /^No project with ref "r{63}…"$/);

      const patch = (value: string) => t.call(session, 'PATCH', '/platform/v1/projects/default/settings', { changes: { GOTRUE_SITE_URL: value } });
      assertRefused(await patch(`https://example.com/${'s'.repeat(MAX_STRING_LENGTH)}`), 400, 'validation_failed', BACKSTOP);

      const invite = (email: string) => t.call(session, 'POST', '/platform/v1/projects/default/invite', { email });
      const invited = await invite(emailOf(255, 'console-invite'));
      assert.equal(invited.statusCode, 200, invited.body);
      assertRefused(await invite(emailOf(256, 'console-invite')), 400, 'validation_failed', TOO_LONG_EMAIL);

      const login = (email: string, password: string) => t.front.inject({ method: 'POST', url: '/platform/v1/login', payload: { email, password } });
      assertRefused(await login('ops@example.com', 'p'.repeat(1024)), 400, 'invalid_credentials', 'Invalid login credentials');
      assertRefused(await login('ops@example.com', 'p'.repeat(1025)), 422, 'validation_failed', 'password must be at most 1024 characters long');
      assertRefused(await login(`${'e'.repeat(243)}@example.com`, 'x'), 422, 'validation_failed', 'email must be at most 254 characters long');

      const captcha = (body: Record<string, unknown>) => t.call(session, 'POST', '/platform/v1/projects/default/captcha/test', { provider: 'turnstile', ...body });
      assertRefused(await captcha({ secret: 's'.repeat(1025) }), 422, 'validation_failed', 'secret must be at most 1024 characters long');
      assertRefused(await captcha({ secret: 's', verify_url: `http://localhost/${'v'.repeat(2048)}` }), 422, 'validation_failed', 'verify_url must be at most 2048 characters long');
    });

    it('the Data API: query and path in PostgREST’s shape; string values are data, bounded by the body limit alone', async () => {
      const headers = { apikey: standalone.serviceRoleKey, authorization: `Bearer ${standalone.serviceRoleKey}`, 'content-type': 'application/json' };
      const get = (url: string) => standalone.app.inject({ method: 'GET', url, headers });
      const under = await get(`/rest/v1/notes?body=eq.${'q'.repeat(MAX_STRING_LENGTH - 3)}`);
      assert.equal(under.statusCode, 200, under.body.slice(0, 300));
      assertRefused(await get(`/rest/v1/notes?body=eq.${'q'.repeat(MAX_STRING_LENGTH - 2)}`), 400, 'PGRST100', 'Query string parameter too long');
      assertRefused(await get(`/rest/v1/${'t'.repeat(MAX_PATH_PARAM_LENGTH + 1)}`), 400, 'PGRST100', PATH_LIMIT);
      assertRefused(await get(`/rest/v1/rpc/${'f'.repeat(MAX_PATH_PARAM_LENGTH + 1)}`), 400, 'PGRST100', PATH_LIMIT);

      const long = 'l'.repeat(4 * MAX_STRING_LENGTH);
      const insert = await standalone.app.inject({ method: 'POST', url: '/rest/v1/notes', headers: { ...headers, prefer: 'return=representation' }, payload: JSON.stringify({ id: 1, body: long }) });
      assert.equal(insert.statusCode, 201, insert.body.slice(0, 300));
      assert.equal((insert.json() as { body: string }[])[0].body.length, long.length);
      // NUL is PostgreSQL's to refuse, with the SQLSTATE PostgREST forwards.
      const nul = await standalone.app.inject({ method: 'POST', url: '/rest/v1/notes', headers, payload: '{"id":2,"body":"a\\u0000b"}' });
      assertRefused(nul, 400, '22P05', 'unsupported Unicode escape sequence');
    });
  });
}
