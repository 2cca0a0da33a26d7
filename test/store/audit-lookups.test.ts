/**
 * GET /admin/audit?user_id= lists the entries about one user among many. EXPLAIN (ANALYZE, BUFFERS) of
 * the listing shows how many pages it touched, which must not grow with the size of the log.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { listAuditEntries } from '../../src/store/audit-log.js';
import type { Queryable, SqlParam } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { NIL_UUID } from '../../src/store/users.js';
import { engines, openTestDatabase, type TestDatabase } from '../helpers/engines.js';

/** Other users' entries, all newer than the ones about the user looked up. */
const NEWER_ENTRIES = 40_000;
/** A few pages per index scan, the rows' own pages, and the count's. */
const MOST_PAGES = 40;

for (const engine of engines) {
  describe(`audit log lookups (${engine})`, () => {
    let database: TestDatabase;
    const userId = randomUUID();
    before(async () => {
      database = await openTestDatabase(engine);
      await migrate(database.db);
      const entry = (actor: string, action: string, traits: string, age: string) =>
        `select '${NIL_UUID}'::uuid, gen_random_uuid(), jsonb_build_object('actor_id', ${actor}, 'action', '${action}', 'log_type', 'account',
                'traits', ${traits}), now() - ${age}, '127.0.0.1'`;
      await database.db.query(
        `insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
         ${entry(`'${userId}'`, 'login', `'{}'::jsonb`, `interval '30 days' - make_interval(secs => g)`)} from generate_series(1, 3) g
         union all
         ${entry(`'${randomUUID()}'`, 'user_deleted', `jsonb_build_object('user_id', '${userId}')`, `interval '29 days'`)}
         union all
         ${entry(`gen_random_uuid()::text`, 'login', `jsonb_build_object('user_id', gen_random_uuid()::text)`, `make_interval(secs => g)`)}
           from generate_series(1, ${NEWER_ENTRIES}) g`,
      );
      await database.db.query('analyze auth.audit_log_entries');
    });
    after(() => database.close());

    it('lists the entries about one user touching a few pages, not the whole log', async () => {
      const { result, pages } = await database.db.transaction(async (tx) => {
        let touched = 0;
        const explained: Queryable = {
          async query<Row>(text: string, params?: readonly SqlParam[]) {
            const rows = await tx.query<Row>(text, params);
            const [explain] = await tx.query<{ 'QUERY PLAN': [{ Plan: Record<string, number> }] }>(`explain (analyze, buffers, format json) ${text}`, params);
            const plan = explain['QUERY PLAN'][0].Plan;
            touched += (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0);
            return rows;
          },
        };
        // Pages of one entry: at this log's size, the planner's guess then favours walking the log by
        // time, as it does for pages of 50 at 1 000 000 entries.
        return { result: await listAuditEntries(explained, { userId }, { page: 1, perPage: 1 }), pages: touched };
      });
      assert.equal(result.total, 4, 'three as the actor, one as the deleted user');
      assert.deepEqual(result.entries.map((entry) => entry.payload.action), ['user_deleted'], 'the newest first');
      assert.ok(pages <= MOST_PAGES, `touched ${pages} pages among ${NEWER_ENTRIES} newer entries`);
    });
  });
}
