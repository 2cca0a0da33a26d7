import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkSpike } from '../../src/stats/report.js';
import { engines } from '../helpers/engines.js';
import { metric, parseMetrics, seedAnonymous } from '../helpers/ops.js';
import { createTestProject, signUpAnonymously, versionHeaders, type TestProject } from '../helpers/project.js';

for (const engine of engines) {
  describe(`metrics, stats and the spike signal (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, {
        GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '30/1h',
        FOYER_ANONYMOUS_SPIKE_THRESHOLD: '4',
        FOYER_ANONYMOUS_SPIKE_MIN_SIGNUPS: '10',
        FOYER_ANONYMOUS_SPIKE_BASELINE_HOURS: '24',
        GOTRUE_MAILER_AUTOCONFIRM: 'true',
      });
      // A quiet baseline: one anonymous sign-up per hour over the day before the last hour.
      for (let hour = 1; hour <= 24; hour += 1) {
        const id = await seedAnonymous(t.database.db);
        await t.database.db.query(`update auth.users set created_at = now() - make_interval(mins => $2::int) where id = $1`, [id, hour * 60 + 30]);
      }
    });
    after(() => t.close());

    const scrape = async () => {
      const response = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${t.serviceRoleKey}` } });
      assert.equal(response.statusCode, 200);
      return parseMetrics(response.body);
    };
    const stats = async (query = '') => {
      const response = await t.app.inject({
        method: 'GET', url: `/auth/v1/admin/stats${query}`, headers: { ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}` },
      });
      assert.equal(response.statusCode, 200, response.body);
      return response.json();
    };

    it('is quiet before the burst', async () => {
      const report = await stats();
      assert.equal(report.spike.firing, false);
      assert.equal(report.spike.last_hour, 0);
      assert.equal(report.spike.baseline_per_hour, 1);
      assert.equal(metric(await scrape(), 'foyer_anonymous_signup_spike'), 0);
    });

    it('fires after a burst of anonymous sign-ups, in the stats API, /metrics and the log', async () => {
      // Process-wide counters: both engines' runs add to them, so count what this burst adds.
      const beforeBurst = await scrape();
      const refusedBefore = metric(beforeBurst, 'foyer_rate_limited_requests_total', { limiter: 'anonymous_users' }) ?? 0;
      const signupsBefore = metric(beforeBurst, 'foyer_http_request_duration_seconds_count', { route: '/auth/v1/signup', status_code: '200' }) ?? 0;
      for (let i = 0; i < 30; i += 1) await signUpAnonymously(t.app);
      const refused = await t.app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: {} });
      assert.equal(refused.statusCode, 429);

      const report = await stats();
      assert.deepEqual(
        { firing: report.spike.firing, last_hour: report.spike.last_hour, ratio: report.spike.ratio, threshold: report.spike.threshold },
        { firing: true, last_hour: 30, ratio: 30, threshold: 4 },
      );
      const points = report.series.points as { anonymous_signups: number }[];
      assert.equal(report.series.bucket, 'hour');
      assert.equal(points.length, 48);
      assert.equal(points[points.length - 1].anonymous_signups + (points[points.length - 2]?.anonymous_signups ?? 0) >= 30, true);
      assert.equal(points.reduce((sum, point) => sum + point.anonymous_signups, 0), 54);

      const warnings: { object: Record<string, unknown>; message: string }[] = [];
      await checkSpike(t.database.db, t.project.deps.config, { warn: (object, message) => warnings.push({ object, message }) });
      assert.equal(warnings.length, 1);
      assert.match(warnings[0].message, /anonymous sign-up spike: 30 in the last hour, 1\/hour/);

      const values = await scrape();
      assert.equal(metric(values, 'foyer_anonymous_signup_spike'), 1);
      assert.equal(metric(values, 'foyer_anonymous_signups_last_hour'), 30);
      assert.equal(metric(values, 'foyer_anonymous_signups_baseline_per_hour'), 1);
      assert.equal(metric(values, 'foyer_anonymous_signups_total'), 54);
      assert.equal(metric(values, 'foyer_sign_ins_total', { method: 'anonymous' }), 30);
      assert.equal(metric(values, 'foyer_rate_limited_requests_total', { limiter: 'anonymous_users' }), refusedBefore + 1, 'the one refused sign-up');
      assert.equal(metric(values, 'foyer_http_request_duration_seconds_count', { route: '/auth/v1/signup', status_code: '200' }), signupsBefore + 30);
    });

    it('counts sign-ins, refreshes and conversions', async () => {
      const refused = await t.app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: {} });
      assert.equal(refused.statusCode, 429, `the anonymous limit is used up: ${refused.body}`);
      assert.equal(refused.json().code, 'over_request_rate_limit');
      const signup = await t.app.inject({
        method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: { email: 'grace@example.com', password: 'a-long-password' },
      });
      const refreshed = await t.app.inject({
        method: 'POST', url: '/auth/v1/token?grant_type=refresh_token', headers: versionHeaders, payload: { refresh_token: signup.json().refresh_token },
      });
      assert.equal(refreshed.statusCode, 200);
      const twice = await t.app.inject({
        method: 'POST', url: '/auth/v1/token?grant_type=refresh_token', headers: versionHeaders, payload: { refresh_token: refreshed.json().refresh_token },
      });
      assert.equal(twice.statusCode, 200);
      const reused = await t.app.inject({
        method: 'POST', url: '/auth/v1/token?grant_type=refresh_token', headers: versionHeaders, payload: { refresh_token: signup.json().refresh_token },
      });
      assert.equal(reused.statusCode, 400);
      const login = await t.app.inject({
        method: 'POST', url: '/auth/v1/token?grant_type=password', headers: versionHeaders, payload: { email: 'grace@example.com', password: 'a-long-password' },
      });
      assert.equal(login.statusCode, 200);
      // Convert one of the burst through the admin API (the promotion writes user_converted).
      const [victim] = await t.database.db.query<{ id: string }>(`select id::text as id from auth.users where is_anonymous order by created_at desc limit 1`);
      const converted = await t.app.inject({
        method: 'PUT', url: `/auth/v1/admin/users/${victim.id}`, headers: { ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}` },
        payload: { email: 'converted@example.com', email_confirm: true },
      });
      assert.equal(converted.statusCode, 200, converted.body);

      const values = await scrape();
      assert.equal(metric(values, 'foyer_token_refreshes_total', { outcome: 'success' }), 2);
      assert.equal(metric(values, 'foyer_token_refreshes_total', { outcome: 'refresh_token_already_used' }), 1);
      assert.equal(metric(values, 'foyer_sign_ins_total', { method: 'password' }), 1);
      assert.equal(metric(values, 'foyer_conversions_total', { method: 'admin' }), 1);
      assert.equal(metric(values, 'foyer_users', { kind: 'anonymous' }), 53);
      assert.equal(metric(values, 'foyer_users', { kind: 'permanent' }), 2);
      assert.equal(metric(values, 'foyer_anonymous_signups_total'), 54, 'a conversion does not change the sign-up count');
      assert.ok((metric(values, 'process_resident_memory_bytes') ?? 0) > 0);

      const report = await stats('?bucket=day&buckets=3');
      assert.equal(report.series.points.length, 3);
      assert.deepEqual(report.totals.conversions, { total: 1, by_method: { admin: 1 } });
      assert.equal(report.totals.anonymous_signups, 54);
      // A small database is read for every call (src/stats/reading-cache.ts): the totals are as new as the report.
      assert.ok(Date.parse(report.generated_at) - Date.parse(report.as_of.totals) < 5_000, JSON.stringify(report.as_of));
      assert.equal(metric(values, 'foyer_totals_age_seconds')! < 5, true);
      assert.ok(Date.parse(report.generated_at) - Date.parse(report.as_of.spike) < 5_000, JSON.stringify(report.as_of));
      assert.equal(metric(values, 'foyer_spike_age_seconds')! < 5, true);
    });

    it('validates its parameters', async () => {
      for (const query of ['?bucket=week', '?buckets=0', '?bucket=day&buckets=400', '?buckets=x']) {
        const response = await t.app.inject({
          method: 'GET', url: `/auth/v1/admin/stats${query}`, headers: { ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}` },
        });
        assert.equal(response.statusCode, 400, query);
        assert.equal(response.json().code, 'validation_failed');
      }
      const anon = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/stats', headers: { ...versionHeaders, authorization: `Bearer ${t.anonKey}` } });
      assert.equal(anon.statusCode, 403);
    });
  });

  describe(`/metrics with FOYER_METRICS_AUTH=none (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { FOYER_METRICS_AUTH: 'none' });
    });
    after(() => t.close());

    it('answers without credentials and exposes every documented family', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(response.statusCode, 200);
      for (const family of [
        'foyer_users', 'foyer_anonymous_signups_total', 'foyer_conversions_total', 'foyer_anonymous_cleanup_deleted_total',
        'foyer_anonymous_cleanup_runs_total', 'foyer_anonymous_signup_spike', 'foyer_sign_ins_total', 'foyer_token_refreshes_total',
        'foyer_captcha_rejections_total', 'foyer_rate_limited_requests_total', 'foyer_http_request_duration_seconds', 'foyer_database_up',
        'foyer_db_batches_total', 'foyer_db_batched_requests_total', 'foyer_db_batch_retries_total', 'foyer_db_batch_waiting',
        'foyer_totals_age_seconds', 'foyer_spike_age_seconds',
      ]) {
        assert.match(response.body, new RegExp(`^# TYPE ${family} `, 'm'), family);
      }
      assert.match(response.body, /^foyer_users\{kind="anonymous",project="default"\} 0$/m);
    });

    it('shows concurrent sign-ins and refreshes sharing statements', async () => {
      const sessions = await Promise.all(Array.from({ length: 20 }, () => signUpAnonymously(t.app)));
      await Promise.all(
        sessions.map(async (session) => {
          const response = await t.app.inject({
            method: 'POST', url: '/auth/v1/token?grant_type=refresh_token', headers: versionHeaders, payload: { refresh_token: session.refresh_token },
          });
          assert.equal(response.statusCode, 200, response.body);
        }),
      );
      const values = parseMetrics((await t.app.inject({ method: 'GET', url: '/metrics' })).body);
      for (const path of ['anonymous_sign_in', 'refresh_rotation']) {
        const requests = metric(values, 'foyer_db_batched_requests_total', { path });
        const batches = metric(values, 'foyer_db_batches_total', { path }) ?? 0;
        assert.equal(requests, 20, `${path}: every request carried once`);
        assert.ok(batches >= 1 && batches < 20, `${path}: 20 requests in ${batches} statements`);
        assert.equal(metric(values, 'foyer_db_batch_retries_total', { path }), 0);
        assert.equal(metric(values, 'foyer_db_batch_waiting', { path }), 0);
      }
    });
  });

  describe(`the spike window on a large database (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine);
      for (let i = 0; i < 3; i += 1) await signUpAnonymously(t.app);
      // PostgreSQL's row estimate is what makes a database large for the readings (src/stats/reading-cache.ts);
      // a large estimate stands in for the million rows. No ANALYZE runs in between to correct it.
      await t.database.db.query(`update pg_class set reltuples = 200000 where oid = 'auth.users'::regclass`);
    });
    after(() => t.close());

    it('is reused by the stats API and /metrics, says when it was read, and the detector reads it anew for them', async () => {
      const stats = async () => {
        const response = await t.app.inject({
          method: 'GET', url: '/auth/v1/admin/stats', headers: { ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}` },
        });
        assert.equal(response.statusCode, 200, response.body);
        return response.json();
      };
      const first = await stats();
      assert.equal(first.spike.last_hour, 3);

      for (let i = 0; i < 2; i += 1) await signUpAnonymously(t.app);
      const second = await stats();
      assert.equal(second.spike.last_hour, 3, 'the reading taken for the first call, not a count per call');
      assert.equal(second.as_of.spike, first.as_of.spike);
      const scraped = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${t.serviceRoleKey}` } });
      const values = parseMetrics(scraped.body);
      assert.equal(metric(values, 'foyer_anonymous_signups_last_hour'), 3);
      const age = metric(values, 'foyer_spike_age_seconds')!;
      assert.ok(age >= 0 && age < 60, String(age));

      const detected = await checkSpike(t.database.db, t.project.deps.config);
      assert.equal(detected.last_hour, 5, 'the scheduled check and the CAPTCHA escalation count now');
      const third = await stats();
      assert.equal(third.spike.last_hour, 5, 'the detector\'s reading is served from then on');
      assert.ok(Date.parse(third.as_of.spike) > Date.parse(first.as_of.spike), JSON.stringify(third.as_of));
    });
  });
}
