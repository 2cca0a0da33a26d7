/**
 * Rate limits: on by default, exact under concurrency on every store (memory, the project database,
 * Redis), shared by several Foyer processes, keyed by a client IP that a client cannot choose.
 * The concurrency cases go through a real listening server and real sockets (a second client bound
 * to 127.0.0.2); the proxy cases use inject() with a chosen peer address.
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
import { normalizeIp, rateLimitKey } from '../../src/security/client-ip.js';
import { openPostgres } from '../../src/store/postgres.js';
import { engines } from '../helpers/engines.js';
import { createTestProject, TEST_JWT_SECRET, versionHeaders, type TestProject } from '../helpers/project.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

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

async function redisReachable(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.quit();
    return true;
  } catch {
    redis.disconnect();
    return false;
  }
}

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

  describe(`client IP without trusted proxies (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '3', GOTRUE_RATE_LIMIT_HEADER: 'X-Real-IP' });
    });
    after(() => t.close());

    it('ignores X-Forwarded-For and GOTRUE_RATE_LIMIT_HEADER from an untrusted peer: spoofing does not change the bucket', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i += 1) {
        const response = await t.app.inject({
          method: 'POST',
          url: '/auth/v1/signup',
          remoteAddress: '192.0.2.50',
          headers: { ...versionHeaders, 'x-forwarded-for': `198.51.100.${i}`, 'x-real-ip': `203.0.113.${i}` },
          payload: {},
        });
        statuses.push(response.statusCode);
      }
      assert.deepEqual(statuses, [200, 200, 200, 429, 429, 429]);
      const status = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/protection', headers: { authorization: `Bearer ${t.serviceRoleKey}` } });
      const body = status.json();
      assert.equal(body.rate_limits.client_ip.source, 'socket');
      assert.equal(body.rate_limits.client_ip.rate_limit_header_used, false);
      assert.ok(body.warnings.some((w: string) => w.includes('GOTRUE_RATE_LIMIT_HEADER=x-real-ip is ignored')));
    });
  });

  describe(`client IP behind trusted proxies (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '2', FOYER_TRUSTED_PROXIES: '10.0.0.0/8' });
    });
    after(() => t.close());

    const viaProxy = (xff: string | undefined, remoteAddress = '10.0.0.2') =>
      t.app
        .inject({
          method: 'POST',
          url: '/auth/v1/signup',
          remoteAddress,
          headers: { ...versionHeaders, ...(xff === undefined ? {} : { 'x-forwarded-for': xff }) },
          payload: {},
        })
        .then((response) => response.statusCode);

    it('keys on the right-most untrusted X-Forwarded-For hop; what the client prepends is ignored', async () => {
      assert.deepEqual([await viaProxy('198.51.100.1'), await viaProxy('198.51.100.1'), await viaProxy('198.51.100.1')], [200, 200, 429]);
      assert.equal(await viaProxy('198.51.100.2'), 200, 'another client behind the proxy has its own bucket');
      const spoofs = ['1.1.1.1', '8.8.8.8', '9.9.9.9'].map((spoof) => `${spoof}, 198.51.100.3`);
      assert.deepEqual([await viaProxy(spoofs[0]), await viaProxy(spoofs[1]), await viaProxy(spoofs[2])], [200, 200, 429]);
    });

    it('walks through many trusted hops, whatever the client put before them', async () => {
      const chain = (spoofs: number) => [...times(spoofs, (i) => `192.0.2.${i % 250}`), '198.51.100.4', '10.0.0.7', '10.9.9.9'].join(', ');
      assert.deepEqual([await viaProxy(chain(500)), await viaProxy(chain(3)), await viaProxy(chain(0))], [200, 200, 429]);
    });

    it('never mints a bucket from garbage: an unparseable hop falls back to the proxy that sent it', async () => {
      const garbage = ['garbage', '%%%', ', , ', '999.1.1.1', '198.51.100.5 extra', 'unknown, 10.1.1.1'];
      const statuses = [];
      for (const xff of garbage) statuses.push(await viaProxy(xff, '10.1.1.1'));
      assert.deepEqual(statuses, [200, 200, 429, 429, 429, 429]);
    });

    it('limits IPv6 clients per /64 and treats IPv4-mapped addresses as IPv4', async () => {
      assert.deepEqual(
        [await viaProxy('2001:db8:1:2::1'), await viaProxy('2001:DB8:1:2:ffff:ffff:ffff:ffff'), await viaProxy('2001:db8:1:2::abcd')],
        [200, 200, 429],
      );
      assert.equal(await viaProxy('2001:db8:1:3::1'), 200, 'the next /64 is another client');
      assert.deepEqual([await viaProxy('::ffff:198.51.100.7'), await viaProxy('198.51.100.7'), await viaProxy('::ffff:c633:6407')], [200, 200, 429]);
    });

    it('ignores X-Forwarded-For when the peer itself is not a trusted proxy', async () => {
      assert.deepEqual(
        [await viaProxy('198.51.100.20', '192.0.2.99'), await viaProxy('198.51.100.21', '192.0.2.99'), await viaProxy('198.51.100.22', '192.0.2.99')],
        [200, 200, 429],
      );
    });

    it('records the client address on the session', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/signup',
        remoteAddress: '10.0.0.2',
        headers: { ...versionHeaders, 'x-forwarded-for': '198.51.100.30' },
        payload: {},
      });
      assert.equal(response.statusCode, 200);
      const rows = await t.database.db.query<{ ip: string }>('select host(ip) as ip from auth.sessions where user_id = $1', [response.json().user.id]);
      assert.equal(rows[0].ip, '198.51.100.30');
    });
  });

  describe(`GOTRUE_RATE_LIMIT_HEADER behind trusted proxies (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, {
        GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '1',
        FOYER_TRUSTED_PROXIES: '10.0.0.0/8, loopback',
        GOTRUE_RATE_LIMIT_HEADER: 'CF-Connecting-IP',
      });
    });
    after(() => t.close());

    const send = (headers: Record<string, string>, remoteAddress = '10.0.0.2') =>
      t.app
        .inject({ method: 'POST', url: '/auth/v1/signup', remoteAddress, headers: { ...versionHeaders, ...headers }, payload: {} })
        .then((response) => response.statusCode);

    it('keys on the first value of that header, and only from a trusted peer', async () => {
      assert.equal(await send({ 'cf-connecting-ip': '198.51.100.40, 10.0.0.1' }), 200);
      assert.equal(await send({ 'cf-connecting-ip': '198.51.100.40', 'x-forwarded-for': '198.51.100.99' }), 429);
      assert.equal(await send({ 'cf-connecting-ip': '198.51.100.41' }), 200);
      // Absent or garbage: X-Forwarded-For through the trusted proxies, as without the header.
      assert.equal(await send({ 'x-forwarded-for': '198.51.100.42' }), 200);
      assert.equal(await send({ 'cf-connecting-ip': 'garbage', 'x-forwarded-for': '198.51.100.42' }), 429);
      // From an untrusted peer the header means nothing.
      assert.equal(await send({ 'cf-connecting-ip': '198.51.100.43' }, '192.0.2.7'), 200);
      assert.equal(await send({ 'cf-connecting-ip': '198.51.100.44' }, '192.0.2.7'), 429);
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
    });

    it('answers the legacy shape with Retry-After when no API version is sent; 0 refuses everything', async () => {
      const zero = await open({ GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '0' });
      const response = await signup(zero, { 'content-type': 'application/json' });
      assert.equal(response.statusCode, 429);
      assert.equal(response.headers['x-sb-error-code'], 'over_request_rate_limit');
      assert.ok(Number(response.headers['retry-after']) >= 1);
      assert.deepEqual(response.json(), { code: 429, error_code: 'over_request_rate_limit', msg: 'Request rate limit reached' });
    });

    it('does not limit admin-role callers (service_role)', async () => {
      const t = await open({ GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '1' });
      for (let i = 0; i < 3; i += 1) {
        const response = await signup(t, { ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}` });
        assert.equal(response.statusCode, 200);
      }
      assert.equal((await signup(t)).statusCode, 200, 'admin calls consumed nothing');
      assert.equal((await signup(t)).statusCode, 429);
    });

    it('limits POST /token (every grant) with GOTRUE_RATE_LIMIT_TOKEN_REFRESH and email sign-ups with GOTRUE_RATE_LIMIT_OTP', async () => {
      const t = await open({ GOTRUE_RATE_LIMIT_TOKEN_REFRESH: '2', GOTRUE_RATE_LIMIT_OTP: '1', GOTRUE_MAILER_AUTOCONFIRM: 'true' });
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
    });

    it('fails closed (500) when the counter store fails, and counts it', async () => {
      const t = await open({ FOYER_RATE_LIMIT_STORE: 'postgres' });
      assert.equal((await signup(t)).statusCode, 200);
      await t.database.db.query('drop table foyer.rate_limits');
      const response = await signup(t);
      assert.equal(response.statusCode, 500);
      assert.equal(response.json().code, 'unexpected_failure');
      assert.ok((getAbuseCounters().rateLimitStoreErrors['POST /signup']?.anonymous_users ?? 0) >= 1);
    });

    it('reports the limits in GET /settings', async () => {
      const t = await open({ GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '30' });
      const settings = (await t.app.inject({ method: 'GET', url: '/auth/v1/settings' })).json();
      assert.deepEqual(settings.foyer_protections.rate_limits.anonymous_users, { limit: 30, window_seconds: 3600 });
      assert.deepEqual(settings.foyer_protections.rate_limits.token_refresh, { limit: 150, window_seconds: 300 });
      assert.equal(settings.foyer_protections.rate_limits.enabled, true);
    });
  });
}

describe('client addresses and buckets', () => {
  it('normalises addresses', () => {
    assert.equal(normalizeIp('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(normalizeIp('::FFFF:7f00:1'), '127.0.0.1');
    assert.equal(normalizeIp('fe80::1%eth0'), 'fe80::1');
    assert.equal(normalizeIp(' 2001:DB8::1 '), '2001:db8::1');
    assert.equal(normalizeIp('garbage'), null);
    assert.equal(normalizeIp('1.2.3.4:80'), null);
    assert.equal(normalizeIp(''), null);
  });

  it('keys IPv4 by address and IPv6 by /64', () => {
    assert.equal(rateLimitKey('198.51.100.1'), '198.51.100.1');
    assert.equal(rateLimitKey('2001:db8:1:2::1'), '2001:db8:1:2::/64');
    assert.equal(rateLimitKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
    assert.equal(rateLimitKey('::1'), '0:0:0:0::/64');
    assert.equal(rateLimitKey('::ffff:10.0.0.1'), '10.0.0.1');
    assert.equal(rateLimitKey('1::'), '1:0:0:0::/64');
  });
});

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
