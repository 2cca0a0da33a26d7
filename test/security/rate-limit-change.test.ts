/**
 * A changed rate limit keeps its counts: saving a limit through the console's settings API hands no
 * client a fresh allowance, on every store (memory, the project database, Redis) and both engines.
 * Tightening refuses a client already over the new limit at once; widening admits exactly the
 * difference; changing the window keeps what the window counted, and a shortened window ends within its
 * new length. Each case signs in from its own client address (inject's remoteAddress), so the cases do
 * not share a bucket. Refused requests count too (as before the change): the arithmetic says so.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { engines } from '../helpers/engines.js';
import { apiHeaders, createTestPlatform, type ConsoleLogin, type ProjectView, type TestPlatform } from '../helpers/platform.js';
import { REDIS_URL, redisReachable } from '../helpers/redis.js';

const LIMIT = 'GOTRUE_RATE_LIMIT_ANONYMOUS_USERS';

const stores = ['memory', 'postgres', 'redis'] as const;

for (const engine of engines) {
  for (const store of stores) {
    describe(`a changed limit keeps its counts, ${store} store (${engine})`, () => {
      const prefix = `foyer-test-${randomBytes(6).toString('hex')}`;
      let available = true;
      let t: TestPlatform;
      let session: ConsoleLogin;
      let project: ProjectView;

      before(async () => {
        if (store === 'redis') {
          available = await redisReachable();
          if (!available) {
            if (process.env.CI === 'true' || process.env.FOYER_REQUIRE_REDIS === '1') throw new Error(`Redis is required but not reachable at ${REDIS_URL}`);
            return;
          }
        }
        t = await createTestPlatform(engine, {
          FOYER_RATE_LIMIT_STORE: store,
          ...(store === 'redis' ? { REDIS_URL, FOYER_RATE_LIMIT_KEY_PREFIX: prefix } : {}),
        });
        session = await t.setUp();
        project = await t.createProject(session, 'Limited');
        await setLimit('30/1h');
      });
      after(async () => {
        if (!available) return;
        await t.close();
        const redis = new Redis(REDIS_URL);
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length) await redis.del(...keys);
        await redis.quit();
      });

      async function setLimit(value: string): Promise<void> {
        const response = await t.call(session, 'PATCH', `/platform/v1/projects/${project.ref}/settings`, {
          changes: { GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'true', [LIMIT]: value },
        });
        assert.equal(response.statusCode, 200, response.body);
      }
      const signIn = (client: string) =>
        t.front.inject({ method: 'POST', url: `/p/${project.ref}/auth/v1/signup`, headers: apiHeaders(project.anon_key), payload: {}, remoteAddress: client });
      /** Signs in `n` times one after the other; the statuses, in order. */
      async function signIns(client: string, n: number): Promise<number[]> {
        const statuses: number[] = [];
        for (let i = 0; i < n; i += 1) {
          const response = await signIn(client);
          if (response.statusCode === 429) assert.equal(response.json().code, 'over_request_rate_limit');
          statuses.push(response.statusCode);
        }
        return statuses;
      }
      const admitted = (statuses: number[]) => statuses.filter((status) => status === 200).length;
      const skipUnlessAvailable = (context: { skip(message: string): void }) => {
        if (!available) context.skip(`Redis is not reachable at ${REDIS_URL}`);
        return !available;
      };

      it('15 sign-ins in the hour, the limit set to 3: no more; 500/1h then 3 again: still none; widened to 25: exactly the difference', async (context) => {
        if (skipUnlessAvailable(context)) return;
        const client = '198.51.100.1';
        assert.equal(admitted(await signIns(client, 15)), 15);
        await setLimit('3');
        assert.deepEqual(await signIns(client, 3), [429, 429, 429], 'a client over a tightened limit is refused at once');
        await setLimit('500/1h');
        await setLimit('3');
        assert.deepEqual(await signIns(client, 2), [429, 429], 'saving a limit twice hands out nothing either');
        // Counted so far: 15 admitted and 5 refused.
        await setLimit('25/1h');
        assert.deepEqual(await signIns(client, 7), [200, 200, 200, 200, 200, 429, 429], 'widening admits 25 - 20');
        // Another client never counted is admitted up to the limit in force.
        assert.equal(admitted(await signIns('198.51.100.2', 26)), 25);
      });

      it('a changed window keeps the count; a shortened one ends within its new length', async (context) => {
        if (skipUnlessAvailable(context)) return;
        const client = '198.51.100.3';
        await setLimit('10/1h');
        assert.equal(admitted(await signIns(client, 6)), 6);
        await setLimit('10/2h');
        assert.deepEqual(await signIns(client, 5), [200, 200, 200, 200, 429], 'the longer window still holds the first 6');
        await setLimit('10/1m');
        const refused = await signIn(client);
        assert.equal(refused.statusCode, 429, 'the shorter window still holds all 11');
        const retryAfter = Number(refused.headers['retry-after']);
        assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter} is within the new 1-minute window`);
        // The window itself ends within the new length, not when the 2-hour window that counted it would.
        await setLimit('10/1s');
        assert.equal((await signIn(client)).statusCode, 429, 'counted requests still count in the 1-second window');
        await new Promise((resolve) => setTimeout(resolve, 1200));
        assert.equal((await signIn(client)).statusCode, 200, 'a new window began within a second');
        await setLimit('30/1h');
      });
    });
  }
}
