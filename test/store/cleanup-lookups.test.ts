/**
 * The cleanup locks its next batch of stale anonymous users and decides, for each, whether its rows
 * in the application's tables keep it. EXPLAIN (ANALYZE, BUFFERS) shows the pages a batch touched,
 * which must not grow with the application's tables.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dataReferences, lockCandidates, START_CURSOR } from '../../src/store/cleanup.js';
import { migrate } from '../../src/store/migrate.js';
import { NIL_UUID } from '../../src/store/users.js';
import { engines, openTestDatabase, type TestDatabase } from '../helpers/engines.js';
import { addCartRow, createCartTable } from '../helpers/ops.js';
import { countPages } from '../helpers/pages.js';

/** Stale anonymous users, waiting for the cleanup. */
const STALE_USERS = 3_000;
/** Permanent users, owning the cart rows. */
const SHOPPERS = 1_000;
/** Cart rows of the permanent users, added twice. */
const CART_ROWS = 20_000;
const BATCH = 10;
/** Index pages another level deep, at most: nothing that grows with the application's table. */
const GROWTH_PAGES = 10;

for (const engine of engines) {
  describe(`cleanup batches (${engine})`, () => {
    let database: TestDatabase;
    let shoppers = '';
    before(async () => {
      database = await openTestDatabase(engine);
      await migrate(database.db);
      await createCartTable(database.db);
      await database.db.query('create index on public.cart_items (user_id)');
      await database.db.query(
        `insert into auth.users (instance_id, id, aud, role, encrypted_password, is_anonymous, is_sso_user, created_at, updated_at, last_sign_in_at)
         select '${NIL_UUID}', gen_random_uuid(), 'authenticated', 'authenticated', '', true, false,
                now() - interval '60 days' + make_interval(secs => g), now() - interval '60 days', now() - interval '60 days'
           from generate_series(1, ${STALE_USERS}) g`,
      );
      const rows = await database.db.query<{ id: string }>(
        `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, is_anonymous, is_sso_user, created_at, updated_at)
         select '${NIL_UUID}', gen_random_uuid(), 'authenticated', 'authenticated', 'shopper' || g || '@example.com', '', false, false, now(), now()
           from generate_series(1, ${SHOPPERS}) g
         returning id::text as id`,
      );
      shoppers = `{${rows.map((row) => row.id).join(',')}}`;
      await database.db.query('analyze auth.users');
    });
    after(() => database.close());

    const addCartRows = async () => {
      await database.db.query(
        `insert into public.cart_items (user_id, item)
         select ($1::uuid[])[1 + g % ${SHOPPERS}], 'book ' || g from generate_series(1, ${CART_ROWS}) g`,
        [shoppers],
      );
      await database.db.query('analyze public.cart_items');
    };

    /** The first batch and the pages it touched, rolled back. */
    const firstBatch = async () => {
      const criteria = { references: await dataReferences(database.db), keepDataOwners: true };
      assert.equal(criteria.references.length, 1, 'the cart is found as user data');
      const cutoff = new Date(Date.now() - 30 * 86_400_000).toISOString();
      const { result: candidates, pages } = await countPages(database.db, (db) => lockCandidates(db, criteria, cutoff, START_CURSOR, BATCH), { rollback: true });
      return { candidates, pages };
    };

    it('decides which users their data keeps for the batch only, not by reading the application tables whole', async () => {
      const [owner] = await database.db.query<{ id: string }>(`select id::text as id from auth.users where is_anonymous order by created_at limit 1`);
      await addCartRow(database.db, owner.id);
      await addCartRows();
      const first = await firstBatch();
      assert.equal(first.candidates.length, BATCH);
      assert.deepEqual(first.candidates.map((candidate) => candidate.keep), [true, ...Array(BATCH - 1).fill(false)], 'the cart keeps its owner');
      await addCartRows();
      const second = await firstBatch();
      assert.deepEqual(second.candidates, first.candidates);
      assert.ok(second.pages - first.pages <= GROWTH_PAGES, `${CART_ROWS} more cart rows: ${first.pages} → ${second.pages} pages`);
    });
  });
}
