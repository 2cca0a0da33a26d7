/**
 * Escalation (FOYER_SECURITY_CAPTCHA_ANONYMOUS=spike) through supabase-js, with each process's scheduler
 * reading the spike signal every second (FOYER_ANONYMOUS_SPIKE_CHECK_INTERVAL=1s), as `foyer start`
 * runs it: calm, anonymous sign-ins need no challenge; a flood turns the spike on and, within the
 * reaction time, every process refuses sign-ins without a solution and admits those with one, at a
 * difficulty raised with the spike; the state shows in GET /settings, /metrics and the stats API, and
 * the period with what it challenged is recorded exactly; the spike ending turns the requirement off.
 * On PostgreSQL two Foyer processes share the database; PGlite serves one process.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import type { AuthDeps } from '../../src/auth/deps.js';
import { loadConfig } from '../../src/config/load.js';
import { startScheduler, type Scheduler } from '../../src/jobs/scheduler.js';
import { openProject } from '../../src/runtime.js';
import { openPostgres } from '../../src/store/postgres.js';
import { altchaEnv, craftChallenge, fetchChallenge, solve, solvedToken } from '../helpers/altcha.js';
import { engines } from '../helpers/engines.js';
import { recordingJobLog, until } from '../helpers/jobs.js';
import { seedMany } from '../helpers/ops.js';
import { createTestProject, TEST_JWT_SECRET, versionHeaders, type TestProject } from '../helpers/project.js';
import { makeClient } from '../helpers/server.js';

const CHECK_INTERVAL_MS = 1000;
/** A reading every interval, plus the reading itself and the loaded test machine's slack. */
const REACTION_MS = CHECK_INTERVAL_MS + 2500;

const env = altchaEnv({
  FOYER_SECURITY_CAPTCHA_ANONYMOUS: 'spike',
  FOYER_ANONYMOUS_SPIKE_MIN_SIGNUPS: '10',
  FOYER_ANONYMOUS_SPIKE_CHECK_INTERVAL: '1s',
});

interface Instance {
  readonly app: FastifyInstance;
  readonly deps: AuthDeps;
  readonly url: string;
  readonly anonKey: string;
  readonly serviceRoleKey: string;
  scheduler?: Scheduler;
  close(): Promise<void>;
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

interface AnonymousState {
  challenge: string;
  required: boolean;
  escalated: boolean;
  difficulty: number | null;
}

async function anonymousState(instance: Instance): Promise<AnonymousState> {
  const response = await fetch(`${instance.url}/auth/v1/settings`);
  return ((await response.json()) as { foyer_protections: { anonymous_sign_ins: AnonymousState } }).foyer_protections.anonymous_sign_ins;
}

/** `n` concurrent anonymous sign-ins through supabase-js, spread over `instances`. */
async function signIns(instances: readonly Instance[], n: number, solved = false) {
  const outcomes = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const instance = instances[i % instances.length];
      const captchaToken = solved ? await solvedToken(instance.app) : undefined;
      const { data, error } = await makeClient(instance.url, instance.anonKey).auth.signInAnonymously(captchaToken ? { options: { captchaToken } } : undefined);
      return error ? `${error.status} ${error.code}` : data.user?.is_anonymous ? 'ok' : 'no user';
    }),
  );
  return outcomes.reduce<Record<string, number>>((tally, outcome) => ({ ...tally, [outcome]: (tally[outcome] ?? 0) + 1 }), {});
}

async function periods(t: TestProject) {
  return t.database.db.query<{ ended_at: string | null; challenged: number; refused: number; peak_difficulty: number | null }>(
    'select ended_at, challenged, refused, peak_difficulty from auth.foyer_captcha_escalations order by started_at',
  );
}

async function metric(instance: Instance, name: string): Promise<number | undefined> {
  const response = await fetch(`${instance.url}/metrics`, { headers: { authorization: `Bearer ${instance.serviceRoleKey}` } });
  const line = (await response.text()).split('\n').find((candidate) => candidate.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

for (const engine of engines) {
  const processes = engine === 'postgres' ? 2 : 1;
  describe(`CAPTCHA escalation on a sign-up spike, ${processes} Foyer process(es) (${engine})`, () => {
    let t: TestProject;
    const instances: Instance[] = [];
    const { logger } = recordingJobLog();
    /** Sign-ins of the flood that escalation already refused (it may turn on while the flood lasts). */
    let floodRefused = 0;
    before(async () => {
      t = await createTestProject(engine, env);
      instances.push({ app: t.app, deps: t.project.deps, url: await listen(t.app), anonKey: t.anonKey, serviceRoleKey: t.serviceRoleKey, close: () => t.close() });
      if (processes === 2) {
        const db = await openPostgres({ url: t.database.url as string, poolSize: 4 });
        const project = await openProject(
          loadConfig({ GOTRUE_JWT_SECRET: TEST_JWT_SECRET, GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'true', GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '100000', DATABASE_URL: t.database.url as string, ...env }),
          { db },
        );
        const app = await buildApp({ deps: project.deps });
        instances.push({
          app,
          deps: project.deps,
          url: await listen(app),
          anonKey: project.apiKeys.anonKey,
          serviceRoleKey: project.apiKeys.serviceRoleKey,
          close: async () => (await app.close(), await db.close()),
        });
      }
      for (const instance of instances) instance.scheduler = startScheduler(instance.deps, logger);
    });
    after(async () => {
      for (const instance of instances) await instance.scheduler?.stop();
      for (const instance of [...instances].reverse()) await instance.close();
    });

    it('while calm: no challenge needed, and GET /settings says so', async () => {
      for (const instance of instances) {
        assert.deepEqual(await anonymousState(instance), { challenge: 'spike', required: false, escalated: false, difficulty: null });
      }
      assert.deepEqual(await signIns(instances, 4), { ok: 4 });
      assert.equal(await metric(instances[0], 'foyer_captcha_escalation'), 0);
    });

    it('a flood turns the spike on: within the reaction time every process refuses sign-ins without a solution', async () => {
      const flood = await signIns(instances, 26);
      floodRefused = flood['400 captcha_failed'] ?? 0;
      assert.equal((flood.ok ?? 0) + floodRefused, 26, JSON.stringify(flood));
      const floodEnded = Date.now();
      await until(async () => (await Promise.all(instances.map(anonymousState))).every((state) => state.required), REACTION_MS);
      assert.ok(Date.now() - floodEnded <= REACTION_MS);
      assert.deepEqual(await signIns(instances, 6), { '400 captcha_failed': 6 });
      // The flood goes on (escalation may have cut the first wave short): 30 sign-ups in the hour against
      // a threshold of 10 are two to four times over it, so the difficulty doubles.
      const signUps = (await t.database.db.query<{ n: number }>('select count(*)::int as n from auth.users'))[0].n;
      if (signUps < 30) await seedMany(t.database.db, 30 - signUps);
      const expected = 400;
      await until(async () => (await Promise.all(instances.map(anonymousState))).every((state) => state.escalated && state.difficulty === expected), REACTION_MS);
    });

    it('while it fires: solutions of the raised difficulty are admitted, easier ones refused', async () => {
      assert.deepEqual(await signIns(instances, 4, true), { ok: 4 });
      const challenge = await fetchChallenge(instances[0].app);
      assert.ok(Number(challenge.parameters.data?.difficulty) > 200, JSON.stringify(challenge.parameters.data));
      const easy = await solve(await craftChallenge({ aud: 'http://localhost:8081/auth/v1', difficulty: 200 }));
      const refused = await instances.at(-1)!.app.inject({
        method: 'POST',
        url: '/auth/v1/signup',
        headers: versionHeaders,
        payload: { data: {}, gotrue_meta_security: { captcha_token: easy } },
      });
      assert.equal(refused.json().message, 'captcha protection: request disallowed (difficulty-too-low)');
      assert.equal(await metric(instances[0], 'foyer_captcha_escalation'), 1);
      assert.ok(Number(await metric(instances[0], 'foyer_captcha_difficulty')) > 200);
    });

    it('records the period with exactly what it challenged, from every process, and the stats API shows it', async () => {
      await until(async () => {
        const [open] = await periods(t);
        return open?.challenged === 4 && open.refused === floodRefused + 7;
      }, REACTION_MS);
      const all = await periods(t);
      assert.equal(all.length, 1);
      assert.equal(all[0].ended_at, null);
      assert.ok(Number(all[0].peak_difficulty) > 200);
      const stats = await instances[0].app.inject({ method: 'GET', url: '/auth/v1/admin/stats', headers: { authorization: `Bearer ${t.serviceRoleKey}` } });
      const { escalation } = stats.json();
      assert.equal(escalation.mode, 'spike');
      assert.equal(escalation.escalated, true);
      assert.deepEqual(
        escalation.periods.map((period: { challenged: number; refused: number; ended_at: string | null }) => [period.challenged, period.refused, period.ended_at]),
        [[4, floodRefused + 7, null]],
      );
    });

    it('the spike ending turns the requirement off again, on every process, and closes the period', async () => {
      // The hour's sign-ups become yesterday's: the last hour is calm again.
      await t.database.db.query(`update auth.users set created_at = created_at - interval '2 hours'`);
      await until(async () => (await Promise.all(instances.map(anonymousState))).every((state) => !state.required), REACTION_MS);
      assert.deepEqual(await signIns(instances, 4), { ok: 4 });
      await until(async () => (await periods(t))[0].ended_at !== null, REACTION_MS);
      const [period] = await periods(t);
      assert.deepEqual([period.challenged, period.refused], [4, floodRefused + 7]);
    });
  });
}
