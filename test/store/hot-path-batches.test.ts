/**
 * Concurrent anonymous sign-ins and refresh rotations share one statement (src/store/coalesce.ts):
 * one commit for many requests, while every request keeps its own outcome, its own place in its rate
 * limit, and its own failure. Rows written by one statement share a transaction id (`xmin`), which is
 * how these tests see that the requests were batched.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { signInAnonymousUser, signInCountedAnonymousUser, type NewAnonymousSession } from '../../src/store/anonymous-sign-in.js';
import type { InlineCounter } from '../../src/store/rate-limits.js';
import { rotateCountedRefreshToken, rotateRefreshToken } from '../../src/store/refresh-grant.js';
import { migrate } from '../../src/store/migrate.js';
import { engines, openTestDatabase, type TestDatabase } from '../helpers/engines.js';
import { newAnonymousSession, refreshInput } from '../helpers/hot-path-inputs.js';

const newSession = () => newAnonymousSession({ userMetadataJson: JSON.stringify({ seat: randomUUID() }) });
const counter = (key: string, limit: number): InlineCounter => ({ key: `batch-test:${key}`, windowMs: 60_000, limit });

for (const engine of engines) {
  describe(`hot-path statements shared by concurrent requests (${engine})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await openTestDatabase(engine);
      await migrate(database.db);
    });
    after(() => database.close());

    const count = async (sql: string, params: string[] = []) =>
      (await database.db.query<{ n: number }>(sql, params))[0].n;

    it('gives each of 40 concurrent sign-ins its own place in its own limit; refused ones write nothing', async () => {
      const requests = [
        ...Array.from({ length: 15 }, () => ({ session: newSession(), limit: counter('a', 10) })),
        ...Array.from({ length: 15 }, () => ({ session: newSession(), limit: counter('b', 10) })),
        ...Array.from({ length: 10 }, () => ({ session: newSession(), limit: undefined })),
      ];
      const outcomes = await Promise.all(
        requests.map(({ session, limit }) =>
          limit ? signInCountedAnonymousUser(database.db, session, limit) : signInAnonymousUser(database.db, session).then((user) => ({ counter: undefined, result: user })),
        ),
      );
      for (const key of ['a', 'b']) {
        const mine = outcomes.filter((_, index) => requests[index].limit?.key === `batch-test:${key}`);
        assert.deepEqual(mine.map((outcome) => outcome.counter?.points).sort((x, y) => (x ?? 0) - (y ?? 0)), Array.from({ length: 15 }, (_, i) => i + 1));
        assert.equal(mine.filter((outcome) => outcome.result).length, 10, `key ${key}: exactly its limit admitted`);
        for (const outcome of mine) {
          assert.equal(outcome.result !== undefined, (outcome.counter?.points ?? Infinity) <= 10, 'admitted exactly when within the limit');
          assert.ok(outcome.counter && outcome.counter.ms_before_next > 0 && outcome.counter.ms_before_next <= 60_000);
        }
      }
      outcomes.forEach((outcome, index) => {
        if (!outcome.result) return;
        assert.equal(outcome.result.id, requests[index].session.userId, 'each request gets its own user back');
        assert.deepEqual(outcome.result.user_metadata, JSON.parse(requests[index].session.userMetadataJson));
        assert.equal(outcome.result.is_anonymous, true);
      });

      const admitted = requests.filter((_, index) => outcomes[index].result).map(({ session }) => session);
      const refused = requests.filter((_, index) => !outcomes[index].result).map(({ session }) => session);
      assert.equal(admitted.length, 30);
      const ids = (sessions: NewAnonymousSession[]) => sessions.map((session) => session.userId);
      assert.equal(await count('select count(*)::int as n from auth.users where id = any($1::uuid[])', [`{${ids(admitted).join(',')}}`]), 30);
      for (const table of ['auth.sessions', 'auth.refresh_tokens']) {
        const column = table === 'auth.sessions' ? 'user_id' : 'user_id::uuid';
        assert.equal(await count(`select count(*)::int as n from ${table} where ${column} = any($1::uuid[])`, [`{${ids(admitted).join(',')}}`]), 30, table);
      }
      assert.equal(
        await count(`select count(*)::int as n from auth.mfa_amr_claims where session_id = any($1::uuid[])`, [`{${admitted.map((s) => s.sessionId).join(',')}}`]),
        30,
      );
      assert.equal(await count('select count(*)::int as n from auth.users where id = any($1::uuid[])', [`{${ids(refused).join(',')}}`]), 0, 'refused: no user');
      assert.equal(await count('select count(*)::int as n from auth.sessions where user_id = any($1::uuid[])', [`{${ids(refused).join(',')}}`]), 0);
      const transactions = await count('select count(distinct xmin::text)::int as n from auth.users where id = any($1::uuid[])', [`{${ids(admitted).join(',')}}`]);
      assert.ok(transactions < 30 / 2, `30 users in ${transactions} transactions: the sign-ins shared statements`);
    });

    it('fails only the request whose row the database refuses; the others in its statement are written', async () => {
      const sessions = Array.from({ length: 8 }, () => newSession());
      sessions[3] = { ...sessions[3], ip: 'not-an-address' };
      const outcomes = await Promise.allSettled(sessions.map((session) => signInAnonymousUser(database.db, session)));
      assert.deepEqual(outcomes.map((outcome) => outcome.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      const written = await count('select count(*)::int as n from auth.users where id = any($1::uuid[])', [`{${sessions.map((s) => s.userId).join(',')}}`]);
      assert.equal(written, 7);
    });

    it('rotates many sessions in shared statements; a second request for one token gets the same child back', async () => {
      const sessions = Array.from({ length: 12 }, () => newSession());
      await Promise.all(sessions.map((session) => signInAnonymousUser(database.db, session)));
      const inputs = [...sessions.map((session) => refreshInput(session.refreshToken)), refreshInput(sessions[0].refreshToken)];
      const rows = await Promise.all(inputs.map((input) => rotateRefreshToken(database.db, input)));
      rows.slice(0, 12).forEach((row, index) => {
        assert.equal(row.outcome, 'rotated');
        assert.equal(row.refresh_token, inputs[index].newToken);
        assert.equal(row.session_id, sessions[index].sessionId);
        assert.equal(row.id, sessions[index].userId, 'each rotation answers with its own session user');
        assert.deepEqual(row.amr?.map((entry) => entry.method), ['anonymous']);
      });
      assert.equal(rows[12].outcome, 'reissued', 'the duplicate is a lost-response recovery');
      assert.equal(rows[12].refresh_token, inputs[0].newToken);
      const live = await database.db.query<{ token: string; parent: string | null; xmin: string }>(
        'select token, parent, xmin::text as xmin from auth.refresh_tokens where session_id = any($1::uuid[]) and not revoked',
        [`{${sessions.map((s) => s.sessionId).join(',')}}`],
      );
      assert.deepEqual(new Set(live.map((row) => row.token)), new Set(inputs.slice(0, 12).map((input) => input.newToken)), 'exactly one live child per session');
      assert.ok(new Set(live.map((row) => row.xmin)).size < 12 / 2, 'the rotations shared statements');
    });

    it('counts refreshes per client in the shared statement: over the limit, the token is untouched', async () => {
      const sessions = Array.from({ length: 6 }, () => newSession());
      await Promise.all(sessions.map((session) => signInAnonymousUser(database.db, session)));
      const limit = counter('refresh', 4);
      const outcomes = await Promise.all(sessions.map((session) => rotateCountedRefreshToken(database.db, refreshInput(session.refreshToken), limit)));
      assert.deepEqual(outcomes.map((outcome) => outcome.counter.points).sort(), [1, 2, 3, 4, 5, 6]);
      const refusedTokens = sessions.filter((_, index) => !outcomes[index].result).map((session) => session.refreshToken);
      assert.equal(refusedTokens.length, 2);
      const untouched = await count('select count(*)::int as n from auth.refresh_tokens where token = any($1::text[]) and not revoked', [`{${refusedTokens.join(',')}}`]);
      assert.equal(untouched, 2, 'refused tokens are neither revoked nor given a child');
    });
  });
}
