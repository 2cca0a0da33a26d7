/**
 * The project-wide anonymous budget (FOYER_ANONYMOUS_BUDGET): one counter for every client of the
 * project, exact under concurrency and across two Foyer processes (a shared PostgreSQL database, or a
 * shared Redis on either engine), driven through supabase-js. Over the budget a sign-in is refused
 * (429) or needs a solved challenge, as FOYER_ANONYMOUS_BUDGET_ACTION says.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { buildApp } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { openProject } from '../../src/runtime.js';
import { getAbuseCounters } from '../../src/security/abuse-counters.js';
import { openPostgres } from '../../src/store/postgres.js';
import { altchaEnv, solvedToken } from '../helpers/altcha.js';
import { engines } from '../helpers/engines.js';
import { createTestProject, TEST_JWT_SECRET, versionHeaders, type TestProject } from '../helpers/project.js';
import { REDIS_URL, redisReachable } from '../helpers/redis.js';
import { makeClient } from '../helpers/server.js';

interface Instance {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly anonKey: string;
  close(): Promise<void>;
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** A second Foyer process on the first one's PostgreSQL database. */
async function secondProcess(t: TestProject, env: Record<string, string>): Promise<Instance> {
  const db = await openPostgres({ url: t.database.url as string, poolSize: 4 });
  const project = await openProject(
    loadConfig({ GOTRUE_JWT_SECRET: TEST_JWT_SECRET, GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'true', GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '100000', DATABASE_URL: t.database.url as string, ...env }),
    { db },
  );
  const app = await buildApp({ deps: project.deps });
  return {
    app,
    url: await listen(app),
    anonKey: project.apiKeys.anonKey,
    close: async () => {
      await app.close();
      await project.deps.rateLimits.close();
      await db.close();
    },
  };
}

async function asInstance(t: TestProject): Promise<Instance> {
  return { app: t.app, url: await listen(t.app), anonKey: t.anonKey, close: () => t.close() };
}

/** `n` concurrent anonymous sign-ins through supabase-js, spread over `instances`; the outcomes. */
async function signInBurst(instances: readonly Instance[], n: number, captchaToken?: () => Promise<string>) {
  const outcomes = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const { url, anonKey } = instances[i % instances.length];
      const token = captchaToken ? await captchaToken() : undefined;
      const { data, error } = await makeClient(url, anonKey).auth.signInAnonymously(token ? { options: { captchaToken: token } } : undefined);
      return error ? { ok: false as const, status: error.status, code: error.code } : { ok: true as const, id: data.user?.id };
    }),
  );
  return { ok: outcomes.filter((o) => o.ok).length, refused: outcomes.filter((o) => !o.ok) };
}

const budgetRefusals = () => getAbuseCounters().rateLimited['POST /signup']?.anonymous_budget ?? 0;

for (const engine of engines) {
  describe(`anonymous budget, refuse over it (${engine})`, () => {
    let t: TestProject;
    let instance: Instance;
    before(async () => {
      t = await createTestProject(engine, { FOYER_ANONYMOUS_BUDGET: '5/1h', FOYER_ANONYMOUS_BUDGET_ACTION: 'refuse' });
      instance = await asInstance(t);
    });
    after(() => instance.close());

    it('admits exactly 5 of 12 concurrent sign-ins, refusing the rest with 429 and Retry-After', async () => {
      const before = budgetRefusals();
      const result = await signInBurst([instance], 12);
      assert.equal(result.ok, 5);
      for (const refusal of result.refused) assert.deepEqual(refusal, { ok: false, status: 429, code: 'over_request_rate_limit' });
      assert.equal(budgetRefusals(), before + 7);
      const reply = await t.app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: { data: {} } });
      assert.equal(reply.statusCode, 429);
      assert.equal(reply.json().message, 'Anonymous sign-up budget of this project reached, please try again later');
      const retryAfter = Number(reply.headers['retry-after']);
      assert.ok(retryAfter > 3500 && retryAfter <= 3600, String(retryAfter));
    });

    it('does not count email sign-ups nor admin-role callers', async () => {
      const email = await t.app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: { email: 'budget@example.com', password: 'correct horse battery' } });
      assert.equal(email.statusCode, 200, email.body);
      const admin = await t.app.inject({ method: 'POST', url: '/auth/v1/signup', headers: { ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}` }, payload: { data: {} } });
      assert.equal(admin.statusCode, 200, admin.body);
    });
  });

  describe(`anonymous budget, challenge over it (${engine})`, () => {
    let t: TestProject;
    let instance: Instance;
    before(async () => {
      t = await createTestProject(engine, altchaEnv({ FOYER_SECURITY_CAPTCHA_ANONYMOUS: 'never', FOYER_ANONYMOUS_BUDGET: '3/1h' }));
      instance = await asInstance(t);
    });
    after(() => instance.close());

    it('admits 3 without a challenge, then only sign-ins with a solved one', async () => {
      const calm = await signInBurst([instance], 3);
      assert.equal(calm.ok, 3);
      const unsolved = await signInBurst([instance], 4);
      assert.equal(unsolved.ok, 0);
      for (const refusal of unsolved.refused) assert.deepEqual(refusal, { ok: false, status: 400, code: 'captcha_failed' });
      const solved = await signInBurst([instance], 4, () => solvedToken(t.app));
      assert.equal(solved.ok, 4);
    });
  });

  describe(`anonymous budget behind an always-required challenge (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, altchaEnv({ FOYER_ANONYMOUS_BUDGET: '2/1h', FOYER_ANONYMOUS_BUDGET_ACTION: 'refuse' }));
    });
    after(() => t.close());

    it('spends none of the budget on sign-ins without a solution', async () => {
      for (let i = 0; i < 5; i++) {
        const reply = await t.app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: { data: {} } });
        assert.equal(reply.statusCode, 400);
      }
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        const payload = { data: {}, gotrue_meta_security: { captcha_token: await solvedToken(t.app) } };
        statuses.push((await t.app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload })).statusCode);
      }
      assert.deepEqual(statuses, [200, 200, 429]);
    });
  });

  describe(`anonymous budget across two Foyer processes sharing Redis (${engine})`, () => {
    const prefix = `foyer-test-${randomBytes(6).toString('hex')}`;
    const env = { FOYER_ANONYMOUS_BUDGET: '10/1h', FOYER_ANONYMOUS_BUDGET_ACTION: 'refuse', FOYER_RATE_LIMIT_STORE: 'redis', REDIS_URL, FOYER_RATE_LIMIT_KEY_PREFIX: prefix };
    const instances: Instance[] = [];
    let available = false;
    before(async () => {
      available = await redisReachable();
      if (!available) {
        if (process.env.CI === 'true' || process.env.FOYER_REQUIRE_REDIS === '1') throw new Error(`Redis is required but not reachable at ${REDIS_URL}`);
        return;
      }
      for (let i = 0; i < 2; i++) {
        const t = await createTestProject(engine, env);
        instances.push({ ...(await asInstance(t)), close: async () => (await t.project.deps.rateLimits.close(), await t.close()) });
      }
    });
    after(async () => {
      for (const instance of instances) await instance.close();
      if (available) {
        const redis = new Redis(REDIS_URL);
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length) await redis.del(...keys);
        await redis.quit();
      }
    });

    it('admits exactly 10 in all of 30 concurrent sign-ins spread over both', async (context) => {
      if (!available) return context.skip(`Redis is not reachable at ${REDIS_URL}`);
      const result = await signInBurst(instances, 30);
      assert.equal(result.ok, 10);
      assert.equal(result.refused.length, 20);
    });
  });

  if (engine === 'postgres') {
    describe('anonymous budget across two Foyer processes sharing PostgreSQL', () => {
      const env = { FOYER_ANONYMOUS_BUDGET: '10/1h', FOYER_ANONYMOUS_BUDGET_ACTION: 'refuse' };
      const instances: Instance[] = [];
      before(async () => {
        const t = await createTestProject(engine, env);
        instances.push(await asInstance(t), await secondProcess(t, env));
      });
      after(async () => {
        await instances[1].close();
        await instances[0].close();
      });

      it('admits exactly 10 in all of 30 concurrent sign-ins spread over both', async () => {
        const result = await signInBurst(instances, 30);
        assert.equal(result.ok, 10);
        for (const refusal of result.refused) assert.equal(refusal.status, 429);
      });
    });
  }
}

describe('anonymous budget settings', () => {
  const base = { GOTRUE_JWT_SECRET: TEST_JWT_SECRET };
  it('reads N/duration, defaults to no budget, and needs CAPTCHA to challenge', () => {
    assert.equal(loadConfig(base).anonymousBudget, undefined);
    assert.deepEqual(loadConfig({ ...base, FOYER_ANONYMOUS_BUDGET: '500/1h', FOYER_ANONYMOUS_BUDGET_ACTION: 'refuse' }).anonymousBudget, { limit: 500, windowSeconds: 3600 });
    assert.throws(
      () => loadConfig({ ...base, FOYER_ANONYMOUS_BUDGET: '500' }),
      (error: unknown) => error instanceof ConfigError && /FOYER_ANONYMOUS_BUDGET_ACTION=challenge needs CAPTCHA/.test(error.message),
    );
    assert.equal(loadConfig({ ...base, ...altchaEnv({ FOYER_ANONYMOUS_BUDGET: '500' }) }).anonymousBudgetAction, 'challenge');
  });
});
