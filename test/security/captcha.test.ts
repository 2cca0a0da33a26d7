/**
 * CAPTCHA (hCaptcha / Turnstile) against a local server speaking the siteverify protocol: what is sent,
 * what each provider answer becomes, GoTrue's check order, fail-closed paths, scope, admin bypass, the
 * providers' test secrets, and the settings exactly as the seed guide writes them.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { getAbuseCounters } from '../../src/security/abuse-counters.js';
import { createCaptchaVerifier } from '../../src/security/captcha/verifier.js';
import { engines } from '../helpers/engines.js';
import { createTestProject, TEST_JWT_SECRET, versionHeaders, type TestProject } from '../helpers/project.js';
import { deadUrl, startSiteverifyServer, type SiteverifyServer } from '../helpers/siteverify.js';

const SECRET = 'test-captcha-secret-0123456789';

const captchaEnv = (verifyUrl: string, extra: Record<string, string> = {}) => ({
  GOTRUE_SECURITY_CAPTCHA_ENABLED: 'true',
  GOTRUE_SECURITY_CAPTCHA_PROVIDER: 'turnstile',
  GOTRUE_SECURITY_CAPTCHA_SECRET: SECRET,
  GOTRUE_SECURITY_CAPTCHA_TIMEOUT: '2s',
  FOYER_SECURITY_CAPTCHA_VERIFY_URL: verifyUrl,
  ...extra,
});

function signup(t: TestProject, payload: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url: '/auth/v1/signup',
    headers: { ...versionHeaders, ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

const withToken = (token: unknown, data: Record<string, unknown> = {}) => ({ data, gotrue_meta_security: { captcha_token: token } });

async function userCount(t: TestProject): Promise<number> {
  const rows = await t.database.db.query<{ n: number }>('select count(*)::int as n from auth.users');
  return rows[0].n;
}

const counter = (endpoint: string, kind: 'missing' | 'rejected' | 'unavailable') => getAbuseCounters().captcha[endpoint]?.[kind] ?? 0;

for (const engine of engines) {
  describe(`CAPTCHA on anonymous sign-in (${engine})`, () => {
    let provider: SiteverifyServer;
    let t: TestProject;
    before(async () => {
      provider = await startSiteverifyServer();
      t = await createTestProject(engine, captchaEnv(provider.url));
    });
    after(async () => {
      await t.close();
      await provider.close();
    });
    beforeEach(() => {
      provider.mode = { kind: 'pass' };
      provider.received.length = 0;
    });

    it('refuses a sign-in without a token with GoTrue’s 400 captcha_failed, without asking the provider', async () => {
      const before = counter('POST /signup', 'missing');
      const users = await userCount(t);
      for (const payload of [{ data: {} }, { data: {}, gotrue_meta_security: {} }, { gotrue_meta_security: null }, withToken(null), withToken('   ')]) {
        const response = await signup(t, payload);
        assert.equal(response.statusCode, 400, response.body);
        assert.equal(response.headers['x-sb-error-code'], 'captcha_failed');
        assert.deepEqual(response.json(), {
          code: 'captcha_failed',
          message: 'captcha protection: request disallowed (no captcha_token found)',
        });
      }
      assert.equal(provider.received.length, 0);
      assert.equal(await userCount(t), users);
      assert.equal(counter('POST /signup', 'missing'), before + 5);
    });

    it('verifies a token with a form POST of secret, response (trimmed) and remoteip, then signs in', async () => {
      const response = await signup(t, withToken('  token-from-the-widget \n', { plan: 'trial' }));
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().user.is_anonymous, true);
      assert.deepEqual(response.json().user.user_metadata, { plan: 'trial' });
      assert.equal(provider.received.length, 1);
      const [call] = provider.received;
      assert.equal(call.method, 'POST');
      assert.equal(call.path, '/siteverify');
      assert.match(call.contentType ?? '', /^application\/x-www-form-urlencoded/);
      assert.deepEqual(call.form, { secret: SECRET, response: 'token-from-the-widget', remoteip: '127.0.0.1' });
    });

    it('passes the provider’s error-codes on in a 400 captcha_failed', async () => {
      provider.mode = { kind: 'fail', codes: ['invalid-input-response', 'timeout-or-duplicate'] };
      const before = counter('POST /signup', 'rejected');
      const response = await signup(t, withToken('stale-token'));
      assert.equal(response.statusCode, 400);
      assert.deepEqual(response.json(), {
        code: 'captcha_failed',
        message: 'captcha protection: request disallowed (invalid-input-response, timeout-or-duplicate)',
      });
      assert.equal(counter('POST /signup', 'rejected'), before + 1);
    });

    it('refuses non-string, empty and huge tokens without calling the provider', async () => {
      const cases: { token: unknown; reason: string }[] = [
        { token: 42, reason: 'captcha_token must be a string' },
        { token: true, reason: 'captcha_token must be a string' },
        { token: { nested: 'x' }, reason: 'captcha_token must be a string' },
        { token: ['a'], reason: 'captcha_token must be a string' },
        { token: '', reason: 'no captcha_token found' },
        { token: 'x'.repeat(16 * 1024 + 1), reason: 'captcha_token is too long' },
      ];
      for (const { token, reason } of cases) {
        const response = await signup(t, withToken(token));
        assert.equal(response.statusCode, 400, `${JSON.stringify(token)?.slice(0, 20)}: ${response.body}`);
        assert.equal(response.json().code, 'captcha_failed');
        assert.equal(response.json().message, `captcha protection: request disallowed (${reason})`);
      }
      // A token of exactly the maximum length is still sent.
      const response = await signup(t, withToken('y'.repeat(16 * 1024)));
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(provider.received.length, 1);
    });

    it('fails closed with GoTrue’s 500 when the provider answers 500, HTML, JSON garbage or hangs past the timeout', async () => {
      const modes = [
        { kind: 'status', status: 500 },
        { kind: 'status', status: 502, body: '{"success":true}' },
        { kind: 'html' },
        { kind: 'json', body: '{"success":"true"}' },
        { kind: 'json', body: '[true]' },
        { kind: 'json', body: 'null' },
        { kind: 'hang' },
      ] as const;
      const before = counter('POST /signup', 'unavailable');
      const users = await userCount(t);
      for (const mode of modes) {
        provider.mode = mode;
        const started = Date.now();
        const response = await signup(t, withToken('valid-looking-token'));
        assert.equal(response.statusCode, 500, `${JSON.stringify(mode)}: ${response.body}`);
        assert.deepEqual(response.json(), { code: 'unexpected_failure', message: 'captcha verification process failed' });
        assert.ok(Date.now() - started < 15000, 'the timeout bounds the wait');
      }
      assert.equal(counter('POST /signup', 'unavailable'), before + modes.length);
      assert.equal(await userCount(t), users, 'nothing was created');
    });

    it('checks CAPTCHA before the body must be JSON (GoTrue’s order)', async () => {
      for (const payload of ['', '[]', '"text"']) {
        const response = await signup(t, payload);
        assert.equal(response.statusCode, 400);
        assert.equal(response.json().code, 'captcha_failed', `${JSON.stringify(payload)} → ${response.body}`);
      }
      // Unparseable JSON never reaches any hook: it is bad_json, as in GoTrue.
      const broken = await signup(t, '{"data":');
      assert.equal(broken.json().code, 'bad_json');
      // With a good token, the body rules apply again.
      const invalid = await signup(t, { data: 'not an object', gotrue_meta_security: { captcha_token: 'ok' } });
      assert.equal(invalid.json().code, 'validation_failed');
    });

    it('lets admin-role callers (service_role) through without a token, but not the anon key', async () => {
      const asAdmin = await signup(t, { data: {} }, { authorization: `Bearer ${t.serviceRoleKey}` });
      assert.equal(asAdmin.statusCode, 200, asAdmin.body);
      const asAnon = await signup(t, { data: {} }, { authorization: `Bearer ${t.anonKey}`, apikey: t.anonKey });
      assert.equal(asAnon.statusCode, 400);
      assert.equal(asAnon.json().code, 'captcha_failed');
      const forged = await signup(t, { data: {} }, { authorization: `Bearer ${t.serviceRoleKey.slice(0, -2)}xx` });
      assert.equal(forged.json().code, 'captcha_failed');
      assert.equal(provider.received.length, 0);
    });

    it('covers the password grant but not the refresh-token grant', async () => {
      const password = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=password',
        headers: versionHeaders,
        payload: { email: 'someone@example.com', password: 'whatever-123' },
      });
      assert.equal(password.statusCode, 400);
      assert.equal(password.json().code, 'captcha_failed');
      const refresh = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=refresh_token',
        headers: versionHeaders,
        payload: { refresh_token: 'abcdefghijkl' },
      });
      assert.notEqual(refresh.json().code, 'captcha_failed');
      assert.equal(refresh.json().code, 'refresh_token_not_found');
      const withCaptcha = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=password',
        headers: versionHeaders,
        payload: { email: 'someone@example.com', password: 'whatever-123', gotrue_meta_security: { captcha_token: 'ok' } },
      });
      assert.equal(withCaptcha.json().code, 'invalid_credentials');
    });

    it('covers email sign-ups, /otp, /magiclink, /recover and /resend too (scope all)', async () => {
      const response = await signup(t, { email: 'new@example.com', password: 'a-good-password-1' });
      assert.equal(response.json().code, 'captcha_failed');
      for (const [url, payload] of [
        ['/auth/v1/otp', { email: 'otp@example.com' }],
        ['/auth/v1/magiclink', { email: 'otp@example.com' }],
        ['/auth/v1/recover', { email: 'otp@example.com' }],
        ['/auth/v1/resend', { type: 'signup', email: 'otp@example.com' }],
      ] as const) {
        // The counters are the process's (both engines' projects count into them): compare with before.
        const endpoint = `POST ${url.slice('/auth/v1'.length)}`;
        const missingBefore = counter(endpoint, 'missing');
        const without = await t.app.inject({ method: 'POST', url, headers: versionHeaders, payload });
        assert.equal(without.json().code, 'captcha_failed', `${url}: ${without.body}`);
        assert.equal(counter(endpoint, 'missing'), missingBefore + 1, endpoint);
        const withIt = await t.app.inject({ method: 'POST', url, headers: versionHeaders, payload: { ...payload, gotrue_meta_security: { captcha_token: 'ok' } } });
        assert.notEqual(withIt.json().code, 'captcha_failed', `${url}: ${withIt.body}`);
        assert.equal(counter(endpoint, 'missing'), missingBefore + 1, `${endpoint}: a request with a token is not counted as missing`);
      }
      assert.equal(provider.received.length, 4);
    });

    it('says so in GET /settings, keeping GoTrue’s fields', async () => {
      const settings = (await t.app.inject({ method: 'GET', url: '/auth/v1/settings' })).json();
      assert.equal(settings.external.anonymous_users, true);
      assert.equal(settings.disable_signup, false);
      assert.deepEqual(settings.foyer_protections.captcha, { enabled: true, provider: 'turnstile', scope: 'all' });
    });
  });

  describe(`CAPTCHA before the anonymous-enabled check (${engine})`, () => {
    let provider: SiteverifyServer;
    let t: TestProject;
    before(async () => {
      provider = await startSiteverifyServer();
      t = await createTestProject(engine, captchaEnv(provider.url, { GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'false' }));
    });
    after(async () => {
      await t.close();
      await provider.close();
    });

    it('answers captcha_failed first, then anonymous_provider_disabled once the token passes', async () => {
      const without = await signup(t, { data: {} });
      assert.equal(without.json().code, 'captcha_failed');
      const withIt = await signup(t, withToken('ok'));
      assert.equal(withIt.statusCode, 422);
      assert.equal(withIt.json().code, 'anonymous_provider_disabled');
    });
  });

  describe(`CAPTCHA scoped to anonymous sign-ins (${engine})`, () => {
    let provider: SiteverifyServer;
    let t: TestProject;
    before(async () => {
      provider = await startSiteverifyServer();
      t = await createTestProject(
        engine,
        captchaEnv(provider.url, { FOYER_SECURITY_CAPTCHA_SCOPE: 'anonymous', GOTRUE_MAILER_AUTOCONFIRM: 'true' }),
      );
    });
    after(async () => {
      await t.close();
      await provider.close();
    });

    it('checks anonymous sign-ins only', async () => {
      assert.equal((await signup(t, { data: {} })).json().code, 'captcha_failed');
      assert.equal((await signup(t, withToken('ok'))).statusCode, 200);
      const email = await signup(t, { email: 'scoped@example.com', password: 'a-good-password-1' });
      assert.equal(email.statusCode, 200, email.body);
      const password = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=password',
        headers: versionHeaders,
        payload: { email: 'scoped@example.com', password: 'a-good-password-1' },
      });
      assert.equal(password.statusCode, 200, password.body);
      assert.equal(provider.received.length, 1);
      const settings = (await t.app.inject({ method: 'GET', url: '/auth/v1/settings' })).json();
      assert.equal(settings.foyer_protections.captcha.scope, 'anonymous');
    });
  });

  describe(`CAPTCHA provider unreachable (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, captchaEnv(await deadUrl()));
    });
    after(() => t.close());

    it('fails closed with 500 unexpected_failure, and reports it to the admin API', async () => {
      // The admin API shows this project's refusals (each project counts its own); the process's sum grows too.
      const protection = () => t.app.inject({ method: 'GET', url: '/auth/v1/admin/protection', headers: { authorization: `Bearer ${t.serviceRoleKey}` } });
      const unavailableBefore = ((await protection()).json().counters.captcha['POST /signup']?.unavailable as number | undefined) ?? 0;
      const processBefore = counter('POST /signup', 'unavailable');
      const response = await signup(t, withToken('ok'));
      assert.equal(response.statusCode, 500);
      assert.equal(response.json().code, 'unexpected_failure');
      assert.equal(response.json().message, 'captcha verification process failed');
      const status = await t.app.inject({
        method: 'GET',
        url: '/auth/v1/admin/protection',
        headers: { authorization: `Bearer ${t.serviceRoleKey}` },
      });
      assert.equal(status.statusCode, 200, status.body);
      const body = status.json();
      assert.equal(body.captcha.enabled, true);
      assert.equal(body.captcha.test_secret, null);
      assert.equal(body.counters.captcha['POST /signup'].unavailable, unavailableBefore + 1);
      assert.equal(counter('POST /signup', 'unavailable'), processBefore + 1);
      const forbidden = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/protection', headers: { authorization: `Bearer ${t.anonKey}` } });
      assert.equal(forbidden.statusCode, 403);
    });
  });

  describe(`providers’ documented test secrets (${engine})`, () => {
    const projects: TestProject[] = [];
    after(async () => {
      for (const project of projects) await project.close();
    });
    const open = async (provider: string, secret: string, extra: Record<string, string> = {}) => {
      const project = await createTestProject(engine, {
        GOTRUE_SECURITY_CAPTCHA_ENABLED: 'true',
        GOTRUE_SECURITY_CAPTCHA_PROVIDER: provider,
        GOTRUE_SECURITY_CAPTCHA_SECRET: secret,
        ...extra,
      });
      projects.push(project);
      return project;
    };

    it('Turnstile 1x… always passes, 2x… always fails, 3x… answers "token already spent", without network', async () => {
      const pass = await open('turnstile', '1x0000000000000000000000000000000AA');
      assert.equal((await signup(pass, withToken('XXXX.DUMMY.TOKEN.XXXX'))).statusCode, 200);
      assert.equal((await signup(pass, withToken('anything'))).statusCode, 200);
      assert.equal((await signup(pass, { data: {} })).json().code, 'captcha_failed', 'a token is still required');
      const fail = await open('turnstile', '2x0000000000000000000000000000000AA');
      assert.equal((await signup(fail, withToken('XXXX.DUMMY.TOKEN.XXXX'))).json().message, 'captcha protection: request disallowed (invalid-input-response)');
      const spent = await open('turnstile', '3x0000000000000000000000000000000AA');
      assert.equal((await signup(spent, withToken('XXXX.DUMMY.TOKEN.XXXX'))).json().message, 'captcha protection: request disallowed (timeout-or-duplicate)');
      const status = await pass.app.inject({ method: 'GET', url: '/auth/v1/admin/protection', headers: { authorization: `Bearer ${pass.serviceRoleKey}` } });
      assert.equal(status.json().captcha.test_secret, 'always passes');
      assert.ok(status.json().warnings.some((w: string) => w.includes('test secret')));
    });

    it('hCaptcha 0x000… accepts the test sitekey’s passcode and refuses other tokens', async () => {
      const project = await open('hcaptcha', '0x0000000000000000000000000000000000000000');
      assert.equal((await signup(project, withToken('10000000-aaaa-bbbb-cccc-000000000001'))).statusCode, 200);
      const other = await signup(project, withToken('P1_real-looking-token'));
      assert.equal(other.json().message, 'captcha protection: request disallowed (not-using-dummy-passcode)');
    });

    it('sends test secrets on when FOYER_SECURITY_CAPTCHA_VERIFY_URL is set (the proxy decides)', async () => {
      const provider = await startSiteverifyServer({ kind: 'fail', codes: ['proxy-says-no'] });
      try {
        const project = await open('turnstile', '1x0000000000000000000000000000000AA', { FOYER_SECURITY_CAPTCHA_VERIFY_URL: provider.url });
        const response = await signup(project, withToken('XXXX.DUMMY.TOKEN.XXXX'));
        assert.equal(response.json().message, 'captcha protection: request disallowed (proxy-says-no)');
        assert.equal(provider.received[0].form.secret, '1x0000000000000000000000000000000AA');
      } finally {
        await provider.close();
      }
    });
  });
}

describe('CAPTCHA settings', () => {
  const base = { GOTRUE_JWT_SECRET: TEST_JWT_SECRET };
  const configError = (env: Record<string, string>): string => {
    try {
      loadConfig({ ...base, ...env });
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      return error.message;
    }
    assert.fail('expected a ConfigError');
  };

  it('reads the seed guide’s compose variables exactly as written', () => {
    const config = loadConfig({
      ...base,
      GOTRUE_SECURITY_CAPTCHA_ENABLED: 'true',
      GOTRUE_SECURITY_CAPTCHA_PROVIDER: 'turnstile',
      GOTRUE_SECURITY_CAPTCHA_SECRET: 'your-captcha-secret-key',
      GOTRUE_SECURITY_CAPTCHA_TIMEOUT: '10s',
    });
    assert.equal(config.captchaEnabled, true);
    assert.equal(config.captchaProvider, 'turnstile');
    assert.equal(config.captchaSecret, 'your-captcha-secret-key');
    assert.equal(config.captchaTimeoutSeconds, 10);
    assert.equal(config.captchaScope, 'all');
    const verifier = createCaptchaVerifier(config);
    assert.equal(verifier.verifyUrl, 'https://challenges.cloudflare.com/turnstile/v0/siteverify');
    assert.equal(createCaptchaVerifier({ ...config, captchaProvider: 'hcaptcha' }).verifyUrl, 'https://hcaptcha.com/siteverify');
  });

  it('reads the guide’s .env names (SECURITY_CAPTCHA_*) too, and hcaptcha', () => {
    const config = loadConfig({
      ...base,
      SECURITY_CAPTCHA_ENABLED: 'true',
      SECURITY_CAPTCHA_PROVIDER: 'hcaptcha',
      SECURITY_CAPTCHA_SECRET: ' 0xsecret ',
      SECURITY_CAPTCHA_TIMEOUT: '1m30s',
    });
    assert.equal(config.captchaProvider, 'hcaptcha');
    assert.equal(config.captchaSecret, '0xsecret');
    assert.equal(config.captchaTimeoutSeconds, 90);
  });

  it('defaults: off, 10 s, scope all; blank values (unset compose variables) mean the default', () => {
    const config = loadConfig({ ...base, GOTRUE_SECURITY_CAPTCHA_ENABLED: '', GOTRUE_SECURITY_CAPTCHA_TIMEOUT: '' });
    assert.equal(config.captchaEnabled, false);
    assert.equal(config.captchaTimeoutSeconds, 10);
    assert.equal(loadConfig({ ...base, GOTRUE_SECURITY_CAPTCHA_TIMEOUT: '0' }).captchaTimeoutSeconds, 10);
  });

  it('refuses bad values, naming the variable and what it accepts', () => {
    assert.match(configError({ GOTRUE_SECURITY_CAPTCHA_ENABLED: 'yes please' }), /GOTRUE_SECURITY_CAPTCHA_ENABLED must be true or false/);
    assert.match(configError({ GOTRUE_SECURITY_CAPTCHA_PROVIDER: 'recaptcha' }), /GOTRUE_SECURITY_CAPTCHA_PROVIDER must be one of hcaptcha, turnstile/);
    assert.match(configError({ GOTRUE_SECURITY_CAPTCHA_TIMEOUT: 'ten seconds' }), /GOTRUE_SECURITY_CAPTCHA_TIMEOUT must be a duration/);
    assert.match(configError({ FOYER_SECURITY_CAPTCHA_SCOPE: 'some' }), /FOYER_SECURITY_CAPTCHA_SCOPE must be one of all, anonymous/);
    assert.match(configError({ FOYER_SECURITY_CAPTCHA_VERIFY_URL: 'ftp://x' }), /FOYER_SECURITY_CAPTCHA_VERIFY_URL must be an absolute http\(s\) URL/);
  });

  it('requires a secret and a provider when enabled', () => {
    const message = configError({ GOTRUE_SECURITY_CAPTCHA_ENABLED: 'true' });
    assert.match(message, /GOTRUE_SECURITY_CAPTCHA_SECRET is required when GOTRUE_SECURITY_CAPTCHA_ENABLED=true/);
    assert.match(message, /GOTRUE_SECURITY_CAPTCHA_PROVIDER must be hcaptcha, turnstile or altcha/);
    assert.match(configError({ GOTRUE_SECURITY_CAPTCHA_ENABLED: 'true', GOTRUE_SECURITY_CAPTCHA_PROVIDER: 'turnstile', GOTRUE_SECURITY_CAPTCHA_SECRET: '  ' }), /SECRET is required/);
  });
});
