/**
 * Rate limits: on by default, exact under concurrency on every store (memory, the project database,
 * Redis), shared by several Foyer processes, keyed by a client IP that a client cannot choose.
 * The concurrency cases go through a real listening server and real sockets (a second client bound
 * to 127.0.0.2). How the client address is found behind proxies: client-ip.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { buildApp } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { openProject, type Project } from '../../src/runtime.js';
import { getAbuseCounters } from '../../src/security/abuse-counters.js';
import { openPostgres } from '../../src/store/postgres.js';
import { engines } from '../helpers/engines.js';
import { createTestProject, TEST_JWT_SECRET, versionHeaders, type TestProject } from '../helpers/project.js';
import { REDIS_URL, redisReachable } from '../helpers/redis.js';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Record<string, unknown>;
}

/** One POST over a fresh TCP connection, optionally from a chosen local address. */
function post(port: number, path: string, payload: unknown, options: { localAddress?: string; headers?: Record<string, string> } = {}) {
  const body = JSON.stringify(payload);
  return new Promise<Reply>((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        localAddress: options.localAddress,
        agent: false,
        headers: { ...versionHeaders, 'content-length': Buffer.byteLength(body), ...options.headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

const anonymousSignIn = (port: number, options: Parameters<typeof post>[3] = {}) => post(port, '/auth/v1/signup', { data: {} }, options);

/** Fires all requests at once and tallies the answers; every 429 must be GoTrue's, with Retry-After. */
async function burst(requests: (() => Promise<Reply>)[]) {
  const replies = await Promise.all(requests.map((send) => send()));
  const ok = replies.filter((r) => r.status === 200);
  const limited = replies.filter((r) => r.status === 429);
  for (const reply of limited) {
    assert.equal(reply.body.code, 'over_request_rate_limit');
    assert.equal(reply.body.message, 'Request rate limit reached');
    assert.equal(reply.headers['x-sb-error-code'], 'over_request_rate_limit');
    const retryAfter = Number(reply.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 3600, `Retry-After ${reply.headers['retry-after']}`);
  }
  assert.equal(ok.length + limited.length, replies.length, `unexpected statuses: ${replies.map((r) => r.status).join(',')}`);
  return { ok: ok.length, limited: limited.length };
}

async function anonymousUsers(t: TestProject): Promise<number> {
  const rows = await t.database.db.query<{ n: number }>('select count(*)::int as n from auth.users where is_anonymous');
  return rows[0].n;
}

const times = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

const limited = (endpoint: string, limiter: string) => getAbuseCounters().rateLimited[endpoint]?.[limiter] ?? 0;

for (const engine of engines) {
  const stores = engine === 'pglite' ? ['memory (default)', 'postgres'] : ['postgres (default)'];
  for (const store of stores) {
    describe(`100 concurrent anonymous sign-ins, limit 30, ${store} store (${engine})`, () => {
      let t: TestProject;
      let port: number;
      before(async () => {
        t = await createTestProject(engine, {
          GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '30',
          ...(store === 'postgres' ? { FOYER_RATE_LIMIT_STORE: 'postgres' } : {}),
        });
        port = await listen(t.app);
      });
      after(() => t.close());

      it('admits exactly 30 and refuses 70 with 429 and Retry-After; a second IP is unaffected', async () => {
        assert.equal(t.project.deps.rateLimits.store, store.split(' ')[0]);
        const before = limited('POST /signup', 'anonymous_users');
        const result = await burst(times(100, () => () => anonymousSignIn(port)));
        assert.deepEqual(result, { ok: 30, limited: 70 });
        assert.equal(await anonymousUsers(t), 30, 'exactly 30 users were created');
        assert.equal(limited('POST /signup', 'anonymous_users'), before + 70);

        const other = await anonymousSignIn(port, { localAddress: '127.0.0.2' });
        assert.equal(other.status, 200, JSON.stringify(other.body));

        // The first client cannot escape its bucket by claiming another address.
        const spoofed = await anonymousSignIn(port, { headers: { 'x-forwarded-for': '203.0.113.9', 'x-real-ip': '203.0.113.10' } });
        assert.equal(spoofed.status, 429);
      });

      if (store.startsWith('postgres')) {
        it('fails closed (500) when the counter store fails, and counts it', async () => {
          // The counters are the process's (every project in this file counts into them): compare with before.
          const storeErrors = () => getAbuseCounters().rateLimitStoreErrors['POST /signup']?.anonymous_users ?? 0;
          const before = storeErrors();
          await t.database.db.query('drop table auth.foyer_rate_limits');
          const response = await anonymousSignIn(port, { localAddress: '127.0.0.3' });
          assert.equal(response.status, 500);
          assert.equal(response.body.code, 'unexpected_failure');
          assert.equal(storeErrors(), before + 1);
        });
      }
    });
  }

  if (engine === 'postgres') {
    describe('two Foyer processes sharing one PostgreSQL database', () => {
      let t: TestProject;
      let second: { project: Project; app: FastifyInstance; close: () => Promise<void> };
      before(async () => {
        t = await createTestProject(engine, { GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '30' });
        const db = await openPostgres({ url: t.database.url as string, poolSize: 5 });
        const project = await openProject(
          loadConfig({
            GOTRUE_JWT_SECRET: TEST_JWT_SECRET,
            GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'true',
            GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '30',
            DATABASE_URL: t.database.url as string,
          }),
          { db },
        );
        const app = await buildApp({ deps: project.deps });
        second = {
          project,
          app,
          close: async () => {
            await app.close();
            await db.close();
          },
        };
      });
      after(async () => {
        await second.close();
        await t.close();
      });

      it('admits exactly 30 in total from 100 concurrent sign-ins spread over both', async () => {
        const ports = [await listen(t.app), await listen(second.app)];
        const result = await burst(times(100, (i) => () => anonymousSignIn(ports[i % 2])));
        assert.deepEqual(result, { ok: 30, limited: 70 });
        assert.equal(await anonymousUsers(t), 30);
      });
    });
  }

  describe(`two Foyer processes sharing Redis (${engine})`, () => {
    const prefix = `foyer-test-${randomBytes(6).toString('hex')}`;
    let available = false;
    const instances: TestProject[] = [];
    before(async () => {
      available = await redisReachable();
      if (!available) {
        if (process.env.CI === 'true' || process.env.FOYER_REQUIRE_REDIS === '1') throw new Error(`Redis is required but not reachable at ${REDIS_URL}`);
        return;
      }
      const env = { GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '30', FOYER_RATE_LIMIT_STORE: 'redis', REDIS_URL, FOYER_RATE_LIMIT_KEY_PREFIX: prefix };
      instances.push(await createTestProject(engine, env), await createTestProject(engine, env));
    });
    after(async () => {
      for (const instance of instances) {
        await instance.project.deps.rateLimits.close();
        await instance.close();
      }
      if (available) {
        const redis = new Redis(REDIS_URL);
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length) await redis.del(...keys);
        await redis.quit();
      }
    });

    it('admits exactly 30 in total from 100 concurrent sign-ins spread over both', async (context) => {
      if (!available) {
        context.skip(`Redis is not reachable at ${REDIS_URL}`);
        return;
      }
      const ports = [await listen(instances[0].app), await listen(instances[1].app)];
      const result = await burst(times(100, (i) => () => anonymousSignIn(ports[i % 2])));
      assert.deepEqual(result, { ok: 30, limited: 70 });
      assert.equal((await anonymousUsers(instances[0])) + (await anonymousUsers(instances[1])), 30);
      const other = await anonymousSignIn(ports[1], { localAddress: '127.0.0.2' });
      assert.equal(other.status, 200);
    });
  });

  describe(`the refresh limit counted inside the rotation's statement (postgres store, ${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { FOYER_RATE_LIMIT_STORE: 'postgres', GOTRUE_RATE_LIMIT_TOKEN_REFRESH: '5' });
    });
    after(() => t.close());
    const refresh = (token: string) =>
      t.app.inject({ method: 'POST', url: '/auth/v1/token?grant_type=refresh_token', headers: versionHeaders, payload: { refresh_token: token } });
    const signIn = async () => {
      const response = await t.app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: {} });
      assert.equal(response.statusCode, 200, response.body);
      return response.json().refresh_token as string;
    };
    const tokenRows = async (tokens: readonly string[]) =>
      t.database.db.query<{ token: string; revoked: boolean; children: number }>(
        `select t.token, t.revoked, (select count(*)::int from auth.refresh_tokens c where c.parent = t.token) as children
           from auth.refresh_tokens t where t.token = any($1::text[])`,
        [tokens],
      );

    it('rotates exactly 5 of 20 concurrent refreshes; the 15 refused tokens are untouched and still work later', async () => {
      assert.ok(t.project.deps.rateLimits.inlineCounter('token_refresh', 'k'), 'the postgres store folds the counter in');
      const tokens = await Promise.all(times(20, () => signIn()));
      const replies = await Promise.all(tokens.map((token) => refresh(token)));
      const rotated = tokens.filter((_, i) => replies[i].statusCode === 200);
      const refused = tokens.filter((_, i) => replies[i].statusCode === 429);
      assert.equal(rotated.length, 5, replies.map((r) => r.statusCode).join(','));
      assert.equal(refused.length, 15);
      for (const reply of replies.filter((r) => r.statusCode === 429)) {
        assert.equal(reply.json().code, 'over_request_rate_limit');
        assert.ok(Number(reply.headers['retry-after']) >= 1 && Number(reply.headers['retry-after']) <= 300);
      }
      for (const row of await tokenRows(rotated)) assert.deepEqual([row.revoked, row.children], [true, 1], row.token);
      for (const row of await tokenRows(refused)) assert.deepEqual([row.revoked, row.children], [false, 0], row.token);
      const [counter] = await t.database.db.query<{ points: number }>(
        "select points from auth.foyer_rate_limits where key like '%:token_refresh:%'",
      );
      assert.equal(counter.points, 20, 'refused requests are counted too');

      // A new window: the refused tokens were never spent.
      await t.database.db.query("update auth.foyer_rate_limits set expires_at = now() - interval '1 second'");
      const later = await refresh(refused[0]);
      assert.equal(later.statusCode, 200, later.body);
    });

    it('counts a malformed token before refusing it, and refuses one over the limit with 429 first', async () => {
      await t.database.db.query('delete from auth.foyer_rate_limits');
      for (let i = 0; i < 5; i += 1) assert.equal((await refresh('short')).json().code, 'validation_failed');
      assert.equal((await refresh('short')).json().code, 'over_request_rate_limit');
      assert.equal((await refresh(await signIn())).json().code, 'over_request_rate_limit');
    });
  });

  describe(`limits in GoTrue’s check order (${engine})`, () => {
    const projects: TestProject[] = [];
    after(async () => {
      for (const project of projects) await project.close();
    });
    const open = async (env: Record<string, string>) => {
      const project = await createTestProject(engine, env);
      projects.push(project);
      return project;
    };
    const signup = (t: TestProject, headers: Record<string, string> = versionHeaders) =>
      t.app.inject({ method: 'POST', url: '/auth/v1/signup', headers, payload: {} });

    it('anonymous_provider_disabled (422) before the limit, the limit (429) before signup_disabled (422)', async () => {
      const disabled = await open({ GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '0', GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'false' });
      assert.equal((await signup(disabled)).json().code, 'anonymous_provider_disabled');
      const noSignups = await open({ GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '1', GOTRUE_DISABLE_SIGNUP: 'true' });
      assert.equal((await signup(noSignups)).json().code, 'signup_disabled');
      assert.equal((await signup(noSignups)).json().code, 'over_request_rate_limit');

      // Without an API version: GoTrue's legacy shape, still with Retry-After.
      const legacy = await signup(noSignups, { 'content-type': 'application/json' });
      assert.equal(legacy.statusCode, 429);
      assert.equal(legacy.headers['x-sb-error-code'], 'over_request_rate_limit');
      assert.ok(Number(legacy.headers['retry-after']) >= 1);
      assert.deepEqual(legacy.json(), { code: 429, error_code: 'over_request_rate_limit', msg: 'Request rate limit reached' });
    });

    it('limits POST /token (every grant) with GOTRUE_RATE_LIMIT_TOKEN_REFRESH and email sign-ups with GOTRUE_RATE_LIMIT_OTP', async () => {
      const t = await open({ GOTRUE_RATE_LIMIT_TOKEN_REFRESH: '2', GOTRUE_RATE_LIMIT_OTP: '1', GOTRUE_RATE_LIMIT_VERIFY: '1', GOTRUE_MAILER_AUTOCONFIRM: 'true' });
      const refresh = () =>
        t.app.inject({ method: 'POST', url: '/auth/v1/token?grant_type=refresh_token', headers: versionHeaders, payload: { refresh_token: 'abcdefghijkl' } });
      assert.equal((await refresh()).json().code, 'refresh_token_not_found');
      assert.equal((await refresh()).json().code, 'refresh_token_not_found');
      const third = await refresh();
      assert.equal(third.statusCode, 429);
      assert.ok(Number(third.headers['retry-after']) <= 300);
      const password = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=password',
        headers: versionHeaders,
        payload: { email: 'a@example.com', password: 'x' },
      });
      assert.equal(password.statusCode, 429);
      const emailSignup = (email: string) =>
        t.app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: { email, password: 'a-good-password-1' } });
      assert.equal((await emailSignup('one@example.com')).statusCode, 200);
      assert.equal((await emailSignup('two@example.com')).json().code, 'over_request_rate_limit');
      assert.equal((await signup(t)).statusCode, 200, 'anonymous sign-ins have their own limiter');
      // /otp, /magiclink, /recover and /resend count against the same OTP bucket (the sum, not each).
      for (const [url, payload] of [
        ['/auth/v1/otp', { email: 'three@example.com' }],
        ['/auth/v1/magiclink', { email: 'three@example.com' }],
        ['/auth/v1/recover', { email: 'one@example.com' }],
        ['/auth/v1/resend', { type: 'signup', email: 'one@example.com' }],
      ] as const) {
        const response = await t.app.inject({ method: 'POST', url, headers: versionHeaders, payload });
        assert.equal(response.statusCode, 429, `${url}: ${response.body}`);
      }
      // /verify has its own limiter, on both methods.
      const verify = () =>
        t.app.inject({ method: 'POST', url: '/auth/v1/verify', headers: versionHeaders, payload: { type: 'email', token_hash: 'deadbeef' } });
      assert.equal((await verify()).json().code, 'otp_expired');
      assert.equal((await verify()).json().code, 'over_request_rate_limit');
      const link = await t.app.inject({ method: 'GET', url: '/auth/v1/verify?type=signup&token=deadbeef' });
      assert.equal(link.statusCode, 429);

      const settings = (await t.app.inject({ method: 'GET', url: '/auth/v1/settings' })).json();
      assert.equal(settings.foyer_protections.rate_limits.enabled, true);
      assert.deepEqual(settings.foyer_protections.rate_limits.token_refresh, { limit: 2, window_seconds: 300 });
      assert.deepEqual(settings.foyer_protections.rate_limits.otp, { limit: 1, window_seconds: 300 });
      assert.deepEqual(settings.foyer_protections.rate_limits.verify, { limit: 1, window_seconds: 300 });
    });

  });
}

describe('rate-limit settings', () => {
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

  it('has GoTrue’s limits on by default, and picks the store by engine', () => {
    const embedded = loadConfig(base);
    assert.deepEqual(embedded.rateLimitAnonymousUsers, { limit: 30, windowSeconds: 3600 });
    assert.deepEqual(embedded.rateLimitOtp, { limit: 30, windowSeconds: 300 });
    assert.deepEqual(embedded.rateLimitVerify, { limit: 30, windowSeconds: 300 });
    assert.deepEqual(embedded.rateLimitTokenRefresh, { limit: 150, windowSeconds: 300 });
    assert.deepEqual(embedded.rateLimitEmailSent, { limit: 30, windowSeconds: 3600 });
    assert.equal(embedded.rateLimitStore, 'memory');
    assert.deepEqual(embedded.trustedProxies, []);
    assert.equal(embedded.rateLimitHeader, undefined);
    assert.equal(loadConfig({ ...base, DATABASE_URL: 'postgres://x@localhost/db' }).rateLimitStore, 'postgres');
  });

  it('accepts GoTrue’s numbers, fractions, N/duration, CIDR lists and named ranges', () => {
    const config = loadConfig({
      ...base,
      GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '2.5',
      GOTRUE_RATE_LIMIT_EMAIL_SENT: '10/1h',
      GOTRUE_RATE_LIMIT_OTP: '5/30s',
      FOYER_TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.1, fd00::/8, loopback',
      GOTRUE_RATE_LIMIT_HEADER: 'X-Real-IP',
      FOYER_RATE_LIMIT_STORE: 'redis',
      REDIS_URL: 'redis://127.0.0.1:6379/2',
    });
    assert.deepEqual(config.rateLimitAnonymousUsers, { limit: 2, windowSeconds: 3600 });
    assert.deepEqual(config.rateLimitEmailSent, { limit: 10, windowSeconds: 3600 });
    assert.deepEqual(config.rateLimitOtp, { limit: 5, windowSeconds: 30 });
    assert.deepEqual(config.trustedProxies, ['10.0.0.0/8', '192.168.1.1/32', 'fd00::/8', '127.0.0.0/8', '::1/128']);
    assert.equal(config.rateLimitHeader, 'x-real-ip');
  });

  it('refuses bad values, naming the variable and what it accepts', () => {
    assert.match(configError({ GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: 'lots' }), /GOTRUE_RATE_LIMIT_ANONYMOUS_USERS must be a number of requests/);
    assert.match(configError({ GOTRUE_RATE_LIMIT_VERIFY: '-1' }), /GOTRUE_RATE_LIMIT_VERIFY must be a number/);
    assert.match(configError({ GOTRUE_RATE_LIMIT_OTP: '5/forever' }), /GOTRUE_RATE_LIMIT_OTP must be a duration/);
    assert.match(configError({ FOYER_TRUSTED_PROXIES: '10.0.0.0/33' }), /FOYER_TRUSTED_PROXIES must be a comma-separated list .* "10.0.0.0\/33"/);
    assert.match(configError({ FOYER_TRUSTED_PROXIES: 'proxy.internal' }), /FOYER_TRUSTED_PROXIES .*"proxy.internal" is none of these/);
    assert.match(configError({ FOYER_RATE_LIMIT_STORE: 'disk' }), /FOYER_RATE_LIMIT_STORE must be one of memory, postgres, redis/);
    assert.match(configError({ FOYER_RATE_LIMIT_STORE: 'redis' }), /REDIS_URL is required when FOYER_RATE_LIMIT_STORE=redis/);
    assert.match(configError({ REDIS_URL: 'http://cache:6379' }), /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
    assert.match(configError({ GOTRUE_RATE_LIMIT_HEADER: 'X Real IP' }), /GOTRUE_RATE_LIMIT_HEADER must be an HTTP header name/);
    assert.match(configError({ FOYER_RATE_LIMIT_KEY_PREFIX: 'has space' }), /FOYER_RATE_LIMIT_KEY_PREFIX must be/);
  });

  it('stops start-up when Redis is unreachable', async () => {
    const config = loadConfig({ ...base, FOYER_RATE_LIMIT_STORE: 'redis', REDIS_URL: 'redis://127.0.0.1:1/0', FOYER_DATA_DIR: '/nonexistent-unused' });
    const { openPglite } = await import('../../src/store/pglite.js');
    const db = await openPglite({ dataDir: undefined });
    try {
      await assert.rejects(openProject(config, { db }), /Cannot connect to Redis at redis:\/\/127.0.0.1:1\/0/);
    } finally {
      await db.close();
    }
  });
});
