/**
 * How `auth.foyer_refresh_token_grant` finds rows, seen through PostgreSQL's own per-transaction counters
 * (`pg_stat_xact_user_tables`): the tuples a call reads must not grow with other sessions' tokens.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { signInAnonymousUser } from '../../src/store/anonymous-sign-in.js';
import { migrate } from '../../src/store/migrate.js';
import { rotateRefreshToken } from '../../src/store/refresh-grant.js';
import { engines, openTestDatabase, type TestDatabase } from '../helpers/engines.js';
import { newAnonymousSession, refreshInput } from '../helpers/hot-path-inputs.js';

/** Issued after the lost response: this many sessions' chains of TOKENS_PER_SESSION revoked tokens. */
const OTHER_SESSIONS = 100;
const TOKENS_PER_SESSION = 300;

for (const engine of engines) {
  describe(`refresh_token_grant lookups (${engine})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await openTestDatabase(engine);
      await migrate(database.db);
    });
    after(() => database.close());

    const insertRevokedTokens = (userId: string, sessionIds: readonly string[]) =>
      database.db.query(
        `insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
         select '00000000-0000-0000-0000-000000000000', 'old-' || s || '-' || g, $1, true, now(), now(), null, s
           from unnest($2::uuid[]) s, generate_series(1, ${TOKENS_PER_SESSION}) g`,
        [userId, `{${sessionIds.join(',')}}`],
      );

    it('answers a lost response from the session’s own tokens, not by reading every newer token', async () => {
      // Sessions as the planner sees them in production: many, each with a long chain of revoked tokens.
      const mine = newAnonymousSession();
      await signInAnonymousUser(database.db, mine);
      await insertRevokedTokens(mine.userId, [mine.sessionId]);
      const rotated = await rotateRefreshToken(database.db, refreshInput(mine.refreshToken));
      assert.equal(rotated.outcome, 'rotated');

      const others = newAnonymousSession();
      await signInAnonymousUser(database.db, others);
      const otherSessionIds = Array.from({ length: OTHER_SESSIONS }, () => randomUUID());
      await database.db.query(
        `insert into auth.sessions (id, user_id, aal, created_at, updated_at) select id, $1, 'aal1', now(), now() from unnest($2::uuid[]) id`,
        [others.userId, `{${otherSessionIds.join(',')}}`],
      );
      await insertRevokedTokens(others.userId, otherSessionIds);
      await database.db.query('analyze auth.refresh_tokens');

      // The first token again, as a client that never saw the rotation's response sends it.
      const { outcome, refreshToken, tuplesRead } = await database.db.transaction(async (tx) => {
        // The counters also hold earlier transactions' counts until they are flushed, which never
        // happens inside a transaction: the difference is this call's alone.
        const tuples = async () => {
          const [stats] = await tx.query<{ n: string }>(
            `select coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) as n
               from pg_stat_xact_user_tables where relid = 'auth.refresh_tokens'::regclass`,
          );
          return Number(stats.n);
        };
        const before = await tuples();
        const input = refreshInput(mine.refreshToken);
        const [row] = await tx.query<{ outcome: string; refresh_token: string }>(
          'select outcome, refresh_token from auth.foyer_refresh_token_grant($1, $2, $3, $4, $5, $6, $7, $8)',
          [input.token, input.newToken, input.reuseIntervalSeconds, input.rotationEnabled, input.timeboxSeconds, input.inactivitySeconds, input.userAgent, input.ip],
        );
        return { outcome: row.outcome, refreshToken: row.refresh_token, tuplesRead: (await tuples()) - before };
      });
      assert.equal(outcome, 'reissued');
      assert.equal(refreshToken, rotated.refresh_token, 'the child the lost response carried');
      assert.ok(tuplesRead < 50, `read ${tuplesRead} refresh_tokens rows for one lost response`);
    });
  });
}
