/**
 * The built-in CAPTCHA provider (GOTRUE_SECURITY_CAPTCHA_PROVIDER=altcha): challenges from
 * GET /captcha/challenge solved as the ALTCHA widget solves them (altcha-lib), and every way a solution
 * can be wrong: forged, expired, replayed (also concurrently and across two Foyer processes), under the
 * required difficulty, for another project, or not a solution at all. Each is GoTrue's 400
 * captcha_failed with the reason, never a 500.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { openProject } from '../../src/runtime.js';
import { openPostgres } from '../../src/store/postgres.js';
import { ALTCHA_SECRET, altchaEnv, craftChallenge, fetchChallenge, solve, solvedToken } from '../helpers/altcha.js';
import { engines } from '../helpers/engines.js';
import { createTestProject, TEST_JWT_SECRET, versionHeaders, type TestProject } from '../helpers/project.js';

const AUD = 'http://localhost:8081/auth/v1';

function signIn(app: FastifyInstance, token?: unknown) {
  const payload = token === undefined ? { data: {} } : { data: {}, gotrue_meta_security: { captcha_token: token } };
  return app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: JSON.stringify(payload) });
}

async function refusedWith(app: FastifyInstance, token: unknown, reason: string): Promise<void> {
  const response = await signIn(app, token);
  assert.equal(response.statusCode, 400, response.body);
  assert.deepEqual(response.json(), { code: 'captcha_failed', message: `captcha protection: request disallowed (${reason})` });
}

const anonymousUsers = async (t: TestProject) =>
  (await t.database.db.query<{ n: number }>('select count(*)::int as n from auth.users where is_anonymous'))[0].n;

/** The payload with its JSON changed by `edit` (what a forger would send). */
function tampered(token: string, edit: (payload: { challenge: { parameters: Record<string, unknown>; signature: string }; solution: Record<string, unknown> }) => void): string {
  const payload = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  edit(payload);
  return Buffer.from(JSON.stringify(payload)).toString('base64');
}

const flipFirstDigit = (hex: string) => (parseInt(hex[0], 16) ^ 1).toString(16) + hex.slice(1);

for (const engine of engines) {
  describe(`built-in proof-of-work CAPTCHA (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, altchaEnv());
    });
    after(() => t.close());

    it('serves signed, expiring challenges in the widget’s format, not cached, under /auth/v1 and at the root', async () => {
      for (const url of ['/auth/v1/captcha/challenge', '/captcha/challenge']) {
        const response = await t.app.inject({ method: 'GET', url });
        assert.equal(response.statusCode, 200, response.body);
        assert.equal(response.headers['cache-control'], 'no-store');
        const { parameters, signature } = response.json();
        assert.match(signature, /^[0-9a-f]{64}$/);
        assert.equal(parameters.algorithm, 'PBKDF2/SHA-256');
        assert.deepEqual(parameters.data, { aud: AUD, difficulty: 200 });
        const now = Date.now() / 1000;
        assert.ok(parameters.expiresAt > now + 590 && parameters.expiresAt <= now + 601, String(parameters.expiresAt));
      }
      const first = await fetchChallenge(t.app);
      const second = await fetchChallenge(t.app);
      assert.notEqual(first.parameters.nonce, second.parameters.nonce);
    });

    it('admits an anonymous sign-in with a solved challenge, and refuses one without', async () => {
      const users = await anonymousUsers(t);
      const response = await signIn(t.app, await solvedToken(t.app));
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().user.is_anonymous, true);
      await refusedWith(t.app, undefined, 'no captcha_token found');
      assert.equal(await anonymousUsers(t), users + 1);
    });

    it('refuses a replayed solution, also when the replays race', async () => {
      const token = await solvedToken(t.app);
      assert.equal((await signIn(t.app, token)).statusCode, 200);
      await refusedWith(t.app, token, 'already-used');
      const racing = await solvedToken(t.app);
      const replies = await Promise.all(Array.from({ length: 12 }, () => signIn(t.app, racing)));
      assert.equal(replies.filter((reply) => reply.statusCode === 200).length, 1);
      for (const reply of replies.filter((r) => r.statusCode !== 200)) assert.equal(reply.json().message, 'captcha protection: request disallowed (already-used)');
    });

    it('refuses forged challenges and wrong solutions', async () => {
      const token = await solvedToken(t.app);
      // An easier challenge claimed by editing the signed parameters.
      await refusedWith(t.app, tampered(token, (p) => (p.challenge.parameters.data = { aud: AUD, difficulty: 100_000 })), 'invalid-signature');
      await refusedWith(t.app, tampered(token, (p) => (p.challenge.parameters.expiresAt = Math.floor(Date.now() / 1000) + 9999)), 'invalid-signature');
      await refusedWith(t.app, tampered(token, (p) => (p.challenge.signature = '0'.repeat(64))), 'invalid-signature');
      // A challenge signed with another key.
      await refusedWith(t.app, await solve(await craftChallenge({ secret: 'some-other-signing-key-0123456789abcdef', aud: AUD, difficulty: 200 })), 'invalid-signature');
      // The right challenge, a made-up solution.
      await refusedWith(t.app, tampered(token, (p) => (p.solution.derivedKey = 'ab'.repeat(32))), 'invalid-solution');
      await refusedWith(t.app, tampered(token, (p) => (p.solution.derivedKey = flipFirstDigit(String(p.solution.derivedKey)))), 'invalid-solution');
      // The untouched token still works once: nothing above used it up.
      assert.equal((await signIn(t.app, token)).statusCode, 200);
    });

    it('refuses an expired challenge, and one with less work than required', async () => {
      const expired = await craftChallenge({ aud: AUD, difficulty: 200, expiresAt: Math.floor(Date.now() / 1000) - 1 });
      await refusedWith(t.app, await solve(expired), 'challenge-expired');
      const easy = await craftChallenge({ aud: AUD, difficulty: 150 });
      await refusedWith(t.app, await solve(easy), 'difficulty-too-low');
    });

    it('refuses a challenge solved for another project with the same signing key', async () => {
      const other = await craftChallenge({ aud: 'https://api.example.com/p/other/auth/v1', difficulty: 200 });
      await refusedWith(t.app, await solve(other), 'challenge-for-another-project');
    });

    it('answers anything that is not a solution with captcha_failed, never a 500', async () => {
      const notPayloads: unknown[] = [
        'not base64 !',
        Buffer.from('not json').toString('base64'),
        Buffer.from('[]').toString('base64'),
        Buffer.from(JSON.stringify({ challenge: null, solution: null, test: true })).toString('base64'),
        Buffer.from(JSON.stringify({ challenge: { parameters: {}, signature: 'x' }, solution: { counter: 1, derivedKey: 'ab' } })).toString('base64'),
        'A'.repeat(5000),
      ];
      for (const token of notPayloads) await refusedWith(t.app, token, 'invalid-payload');
      const token = await solvedToken(t.app);
      // A challenge naming a costly algorithm of its own is not looked at (no key is derived for it).
      await refusedWith(t.app, tampered(token, (p) => (p.challenge.parameters.algorithm = 'SCRYPT')), 'invalid-payload');
      await refusedWith(t.app, tampered(token, (p) => delete p.challenge.parameters.keySignature), 'invalid-payload');
      await refusedWith(t.app, tampered(token, (p) => (p.solution.counter = -1)), 'invalid-solution');
      await refusedWith(t.app, tampered(token, (p) => (p.solution.derivedKey = 'XYZ')), 'invalid-solution');
      for (const token of [42, { a: 1 }, ['x'], true]) await refusedWith(t.app, token, 'captcha_token must be a string');
    });

    it('shows the provider in GET /settings', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/auth/v1/settings' });
      assert.equal(response.json().foyer_protections.captcha.provider, 'altcha');
    });
  });

  describe(`the challenge route with the built-in provider off (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, {});
    });
    after(() => t.close());

    it('answers 404 naming the settings', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/auth/v1/captcha/challenge', headers: versionHeaders });
      assert.equal(response.statusCode, 404);
      assert.match(response.json().message, /GOTRUE_SECURITY_CAPTCHA_PROVIDER=altcha/);
    });
  });

  describe(`the challenge route's per-client limit (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, altchaEnv({ FOYER_RATE_LIMIT_CAPTCHA_CHALLENGE: '3/5m' }));
    });
    after(() => t.close());

    it('issues FOYER_RATE_LIMIT_CAPTCHA_CHALLENGE challenges per client IP, then 429 with Retry-After, and shows the limit', async () => {
      const fetchFrom = (ip: string) => t.app.inject({ method: 'GET', url: '/auth/v1/captcha/challenge', headers: versionHeaders, remoteAddress: ip });
      for (let i = 0; i < 3; i++) assert.equal((await fetchFrom('198.51.100.7')).statusCode, 200);
      const refused = await fetchFrom('198.51.100.7');
      assert.equal(refused.statusCode, 429, refused.body);
      assert.equal(refused.json().code, 'over_request_rate_limit');
      const retryAfter = Number(refused.headers['retry-after']);
      assert.ok(retryAfter > 0 && retryAfter <= 300, String(retryAfter));
      // Another client is not affected.
      assert.equal((await fetchFrom('198.51.100.8')).statusCode, 200);
      const settings = await t.app.inject({ method: 'GET', url: '/auth/v1/settings', headers: versionHeaders });
      assert.deepEqual(settings.json().foyer_protections.rate_limits.captcha_challenge, { limit: 3, window_seconds: 300 });
    });
  });

  if (engine === 'postgres') {
    describe('a solution replayed on a second Foyer process sharing the database', () => {
      let t: TestProject;
      let second: { app: FastifyInstance; close: () => Promise<void> };
      before(async () => {
        const env = altchaEnv({ FOYER_RATE_LIMIT_STORE: 'postgres' });
        t = await createTestProject(engine, env);
        const db = await openPostgres({ url: t.database.url as string, poolSize: 3 });
        const project = await openProject(
          loadConfig({ GOTRUE_JWT_SECRET: TEST_JWT_SECRET, GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'true', DATABASE_URL: t.database.url as string, ...env }),
          { db },
        );
        const app = await buildApp({ deps: project.deps });
        second = { app, close: async () => (await app.close(), await db.close()) };
      });
      after(async () => {
        await second.close();
        await t.close();
      });

      it('admits it once in all, racing on both', async () => {
        const token = await solvedToken(t.app);
        const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => signIn(i % 2 ? second.app : t.app, token)));
        assert.deepEqual(replies.map((reply) => reply.statusCode).sort(), [200, ...Array(9).fill(400)]);
        // A challenge issued by one process is good on the other (one key, one project).
        assert.equal((await signIn(second.app, await solvedToken(t.app))).statusCode, 200);
      });
    });
  }
}

describe('built-in CAPTCHA settings', () => {
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

  it('reads the provider, difficulty, expiry and mode, with defaults', () => {
    const config = loadConfig({ ...base, ...altchaEnv({ FOYER_SECURITY_ALTCHA_EXPIRY: '2m', FOYER_SECURITY_CAPTCHA_ANONYMOUS: 'spike' }) });
    assert.equal(config.captchaProvider, 'altcha');
    assert.equal(config.altchaDifficulty, 200);
    assert.equal(config.altchaExpirySeconds, 120);
    assert.equal(config.captchaAnonymous, 'spike');
    const defaults = loadConfig(base);
    assert.deepEqual([defaults.altchaDifficulty, defaults.altchaMaxDifficulty, defaults.altchaExpirySeconds, defaults.captchaAnonymous], [5000, 50000, 600, 'always']);
    assert.deepEqual(defaults.rateLimitCaptchaChallenge, { limit: 100, windowSeconds: 300 });
  });

  it('refuses a short signing key, a missing one, an impossible difficulty range and expiry', () => {
    assert.match(configError(altchaEnv({ GOTRUE_SECURITY_CAPTCHA_SECRET: 'short' })), /GOTRUE_SECURITY_CAPTCHA_SECRET must be at least 32 characters with GOTRUE_SECURITY_CAPTCHA_PROVIDER=altcha/);
    const { GOTRUE_SECURITY_CAPTCHA_SECRET: _secret, ...withoutSecret } = altchaEnv();
    assert.match(configError(withoutSecret), /GOTRUE_SECURITY_CAPTCHA_SECRET is required with GOTRUE_SECURITY_CAPTCHA_PROVIDER=altcha/);
    assert.match(configError(altchaEnv({ FOYER_SECURITY_ALTCHA_MAX_DIFFICULTY: '150' })), /FOYER_SECURITY_ALTCHA_MAX_DIFFICULTY \(150\) must be at least FOYER_SECURITY_ALTCHA_DIFFICULTY \(200\)/);
    assert.match(configError({ FOYER_SECURITY_ALTCHA_DIFFICULTY: '10' }), /FOYER_SECURITY_ALTCHA_DIFFICULTY must be at least 100/);
    assert.match(configError({ FOYER_SECURITY_ALTCHA_EXPIRY: '2h' }), /FOYER_SECURITY_ALTCHA_EXPIRY must be between 10s and 1h/);
    assert.match(configError({ FOYER_SECURITY_CAPTCHA_ANONYMOUS: 'sometimes' }), /FOYER_SECURITY_CAPTCHA_ANONYMOUS must be one of always, spike, never/);
    assert.ok(ALTCHA_SECRET.length >= 32);
  });
});
