/**
 * Reads of the audit log that must not grow with its size: GET /admin/audit?user_id= (the entries
 * about one user) and the sign-up spike check (every /metrics scrape), also right after a cleanup. EXPLAIN (ANALYZE, BUFFERS) shows
 * how many pages each touched.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AUDIT_ACTIONS } from '../../src/store/activity.js';
import { listAuditEntries } from '../../src/store/audit-log.js';
import type { Queryable } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { readSpikeWindow } from '../../src/store/stats.js';
import { NIL_UUID } from '../../src/store/users.js';
import { engines, openTestDatabase, type TestDatabase } from '../helpers/engines.js';
import { countPages } from '../helpers/pages.js';

/** Other users' entries, all newer than the ones about the user looked up. */
const NEWER_ENTRIES = 40_000;
/** Conversions recorded long before the spike check's window. */
const OLD_CONVERSIONS = 20_000;
/** Users who signed up with an address during the spike check's baseline. */
const PERMANENT_USERS = 5_000;
/** Anonymous users a cleanup deleted just now, all created long before the spike check's window. */
const CLEANED_UP = 20_000;
/** Index pages another level deep, at most: nothing that grows with the older conversions. */
const GROWTH_PAGES = 10;
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

    const measured = <T>(work: (db: Queryable) => Promise<T>) => countPages(database.db, work);

    it('lists the entries about one user touching a few pages, not the whole log', async () => {
      // Pages of one entry: at this log's size, the planner's guess then favours walking the log by
      // time, as it does for pages of 50 at 1 000 000 entries.
      const { result, pages } = await measured((db) => listAuditEntries(db, { userId }, { page: 1, perPage: 1 }));
      assert.equal(result.total, 4, 'three as the actor, one as the deleted user');
      assert.deepEqual(result.entries.map((entry) => entry.payload.action), ['user_deleted'], 'the newest first');
      assert.ok(pages <= MOST_PAGES, `touched ${pages} pages among ${NEWER_ENTRIES} newer entries`);
    });

    it('checks for a sign-up spike reading the same pages however many conversions came before its window', async () => {
      const addOldConversions = async () => {
        await database.db.query(
          `insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
           select '${NIL_UUID}', gen_random_uuid(), jsonb_build_object('actor_id', gen_random_uuid()::text, 'action', '${AUDIT_ACTIONS.converted}',
                  'log_type', 'user', 'traits', jsonb_build_object('method', 'email')), now() - interval '20 days' - make_interval(secs => g), '127.0.0.1'
             from generate_series(1, ${OLD_CONVERSIONS}) g`,
        );
        await database.db.query('analyze auth.audit_log_entries');
      };
      // Signed up with an address during the baseline: each is checked for a conversion.
      await database.db.query(
        `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, is_anonymous, is_sso_user, created_at, updated_at)
         select '${NIL_UUID}', gen_random_uuid(), 'authenticated', 'authenticated', 'member' || g || '@example.com', '', false, false,
                now() - interval '2 hours' - make_interval(secs => g * 4), now()
           from generate_series(1, ${PERMANENT_USERS}) g`,
      );
      // Signed up anonymously 30 minutes ago and converted since: counted in the last hour.
      const converted = randomUUID();
      await database.db.query(
        `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, is_anonymous, is_sso_user, created_at, updated_at)
         values ('${NIL_UUID}', $1, 'authenticated', 'authenticated', 'converted@example.com', '', false, false, now() - interval '30 minutes', now())`,
        [converted],
      );
      await database.db.query(
        `insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
         values ('${NIL_UUID}', gen_random_uuid(), jsonb_build_object('actor_id', $1::text, 'action', '${AUDIT_ACTIONS.converted}'), now(), '127.0.0.1')`,
        [converted],
      );
      await database.db.query('analyze auth.users');

      await addOldConversions();
      const first = await measured((db) => readSpikeWindow(db, 24));
      assert.deepEqual(first.result, { last_hour: 1, baseline: 0 });
      await addOldConversions();
      const second = await measured((db) => readSpikeWindow(db, 24));
      assert.deepEqual(second.result, { last_hour: 1, baseline: 0 });
      assert.ok(
        second.pages - first.pages <= GROWTH_PAGES,
        `${OLD_CONVERSIONS} more conversions before the window: ${first.pages} → ${second.pages} pages`,
      );
    });

    it('checks for a sign-up spike without reading the entries of the users a cleanup just deleted', async () => {
      // A cleanup's user_deleted entries are new, but their users signed up long before the window.
      const deletion = (createdAgo: string) =>
        `select '${NIL_UUID}'::uuid, gen_random_uuid(), json_build_object('actor_id', '${NIL_UUID}', 'action', '${AUDIT_ACTIONS.deleted}', 'log_type', 'team',
                'traits', json_build_object('user_id', gen_random_uuid(), 'reason', 'anonymous_cleanup', 'was_anonymous', true,
                                           'user_created_at', now() - ${createdAgo})), now(), ''`;
      const addCleanedUp = async () => {
        await database.db.query(
          `insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
           ${deletion(`interval '60 days' - make_interval(secs => g)`)} from generate_series(1, ${CLEANED_UP}) g`,
        );
        await database.db.query('analyze auth.audit_log_entries');
      };
      const before = await readSpikeWindow(database.db, 24);
      // One deleted while anonymous 10 minutes after signing up, 20 minutes ago: a sign-up of the last hour.
      await database.db.query(`insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address) ${deletion(`interval '30 minutes'`)}`);
      await addCleanedUp();
      const first = await measured((db) => readSpikeWindow(db, 24));
      assert.deepEqual(first.result, { last_hour: before.last_hour + 1, baseline: before.baseline });
      await addCleanedUp();
      const second = await measured((db) => readSpikeWindow(db, 24));
      assert.deepEqual(second.result, first.result);
      assert.ok(
        second.pages - first.pages <= GROWTH_PAGES,
        `${CLEANED_UP} more users deleted by a cleanup: ${first.pages} → ${second.pages} pages`,
      );
    });
  });
}
