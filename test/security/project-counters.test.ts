/**
 * Refusals are counted per project (issue 19): GET /admin/protection and a project's /metrics show what
 * that project's CAPTCHA and rate limits refused, not every project's in the process — a new project
 * must not show the default project's refusals. The process-wide sum still holds every one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getAbuseCounters } from '../../src/security/abuse-counters.js';
import { engines } from '../helpers/engines.js';
import { createTestProject, versionHeaders, type TestProject } from '../helpers/project.js';

interface Counters {
  captcha: Record<string, Record<string, number>>;
  rateLimited: Record<string, Record<string, number>>;
}

async function counters(t: TestProject): Promise<Counters> {
  const response = await t.app.inject({ method: 'GET', url: '/auth/v1/admin/protection', headers: { authorization: `Bearer ${t.serviceRoleKey}` } });
  assert.equal(response.statusCode, 200, response.body);
  return (response.json() as { counters: Counters }).counters;
}

const signIn = (t: TestProject) => t.app.inject({ method: 'POST', url: '/auth/v1/signup', headers: versionHeaders, payload: {} });

for (const engine of engines) {
  describe(`refusals counted per project (${engine})`, () => {
    let captcha: TestProject;
    let limited: TestProject;
    let quiet: TestProject;
    before(async () => {
      captcha = await createTestProject(engine, {
        GOTRUE_SECURITY_CAPTCHA_ENABLED: 'true',
        GOTRUE_SECURITY_CAPTCHA_PROVIDER: 'hcaptcha',
        GOTRUE_SECURITY_CAPTCHA_SECRET: 'a-secret-no-request-reaches',
      });
      limited = await createTestProject(engine, { GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '1' });
      quiet = await createTestProject(engine);
    });
    after(async () => {
      await Promise.all([captcha?.close(), limited?.close(), quiet?.close()]);
    });

    it("shows each project its own CAPTCHA and rate-limit refusals only, and the process's sum holds both", async () => {
      const processBefore = getAbuseCounters();
      const missing = await signIn(captcha);
      assert.equal(missing.statusCode, 400);
      assert.equal(missing.json().code, 'captcha_failed');
      assert.equal((await signIn(limited)).statusCode, 200);
      assert.equal((await signIn(limited)).statusCode, 429);
      assert.equal((await signIn(quiet)).statusCode, 200);

      const ofCaptcha = await counters(captcha);
      assert.deepEqual(ofCaptcha.captcha, { 'POST /signup': { missing: 1 } });
      assert.deepEqual(ofCaptcha.rateLimited, {});
      const ofLimited = await counters(limited);
      assert.deepEqual(ofLimited.captcha, {});
      assert.deepEqual(ofLimited.rateLimited, { 'POST /signup': { anonymous_users: 1 } });
      const ofQuiet = await counters(quiet);
      assert.deepEqual([ofQuiet.captcha, ofQuiet.rateLimited], [{}, {}], 'a project nothing was refused on shows nothing');

      const processAfter = getAbuseCounters();
      const delta = (read: typeof processAfter, pick: (c: typeof processAfter) => number | undefined) => (pick(read) ?? 0);
      assert.equal(delta(processAfter, (c) => c.captcha['POST /signup']?.missing) - delta(processBefore, (c) => c.captcha['POST /signup']?.missing), 1);
      assert.equal(
        delta(processAfter, (c) => c.rateLimited['POST /signup']?.anonymous_users) - delta(processBefore, (c) => c.rateLimited['POST /signup']?.anonymous_users),
        1,
      );

      const scrape = await quiet.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${quiet.serviceRoleKey}` } });
      assert.doesNotMatch(scrape.body, /^foyer_rate_limited_requests_total\{/m, "the quiet project's metrics show no other project's 429");
      const limitedScrape = await limited.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${limited.serviceRoleKey}` } });
      assert.match(limitedScrape.body, /^foyer_rate_limited_requests_total\{[^}]*limiter="anonymous_users"[^}]*\} 1$/m);
    });
  });
}
