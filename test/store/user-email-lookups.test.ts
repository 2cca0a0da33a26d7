/**
 * Finding a user by address (password sign-in, duplicate checks, OAuth linking) goes through the index
 * on (instance_id, lower(email)), and by pending address (email-change resend) through the index on
 * lower(email_change). EXPLAIN (ANALYZE, BUFFERS) shows how many pages each lookup touched,
 * which must not grow with the number of users: a sequential scan touches every page of the table, a
 * scan of a whole index every page of the index. On PostgreSQL 15 a lookup on lower(email) alone read
 * every user; PGlite's PostgreSQL 18 skips through the index's instance ids by itself.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Queryable } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { emailUsedByOther, lockUserIdByEmail } from '../../src/store/oauth-users.js';
import { emailTaken, findUserForPasswordLogin, findUserIdByPendingEmail, NIL_UUID } from '../../src/store/users.js';
import { engines, openTestDatabase, type TestDatabase } from '../helpers/engines.js';
import { countPages } from '../helpers/pages.js';

const USERS = 20_000;
/** Through the index: a few pages per index scan and one per row. */
const MOST_PAGES = 20;
const AUD = 'authenticated';

for (const engine of engines) {
  describe(`user lookups by email (${engine})`, () => {
    let database: TestDatabase;
    const handMadeId = randomUUID();
    before(async () => {
      database = await openTestDatabase(engine);
      await migrate(database.db);
      await database.db.query(
        `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, raw_app_meta_data, raw_user_meta_data,
                                 is_anonymous, is_sso_user, created_at, updated_at)
         select '${NIL_UUID}', gen_random_uuid(), '${AUD}', '${AUD}', 'Member' || g || '@Example.com', '', '{}', '{}',
                false, false, now() - make_interval(secs => g), now()
           from generate_series(1, ${USERS}) g`,
      );
      // Every 10th member is waiting to change its address.
      await database.db.query(
        `update auth.users set email_change = 'Next-' || email where email like 'Member%0@Example.com'`,
      );
      // Written by hand, without GoTrue's nil instance id: still somebody's address.
      await database.db.query(
        `insert into auth.users (id, aud, role, email, encrypted_password, is_anonymous, is_sso_user, created_at, updated_at)
         values ($1, '${AUD}', '${AUD}', 'hand@example.com', '', false, false, now(), now())`,
        [handMadeId],
      );
      await database.db.query('analyze auth.users');
    });
    after(() => database.close());

    const measured = <T>(lookup: (db: Queryable) => Promise<T>) => countPages(database.db, lookup);

    it('signs in by password touching a few pages, not every user', async () => {
      const { result, pages } = await measured((tx) => findUserForPasswordLogin(tx, { email: 'member4321@example.com' }, AUD));
      assert.equal(result?.email, 'Member4321@Example.com');
      assert.ok(pages <= MOST_PAGES, `touched ${pages} pages to find one of ${USERS} users`);
    });

    it('checks whether an address is taken touching a few pages', async () => {
      const taken = await measured((tx) => emailTaken(tx, 'member17@example.com', AUD, null));
      assert.equal(taken.result, true);
      assert.ok(taken.pages <= MOST_PAGES, `touched ${taken.pages} pages`);
      const free = await measured((tx) => emailTaken(tx, 'nobody@example.com', AUD, null));
      assert.equal(free.result, false);
      assert.ok(free.pages <= MOST_PAGES, `touched ${free.pages} pages`);
    });

    it('finds and locks the owner of an address for OAuth linking touching a few pages', async () => {
      const { result, pages } = await measured((tx) => lockUserIdByEmail(tx, 'member99@example.com', AUD));
      assert.match(result ?? '', /^[0-9a-f-]{36}$/);
      assert.ok(pages <= MOST_PAGES, `touched ${pages} pages to find one of ${USERS} users`);
      const other = await measured((tx) => emailUsedByOther(tx, 'member99@example.com', AUD, randomUUID()));
      assert.equal(other.result, true);
      assert.ok(other.pages <= MOST_PAGES, `touched ${other.pages} pages`);
    });

    it('finds the user waiting for an address change touching a few pages (email-change resend)', async () => {
      const { result, pages } = await measured((tx) => findUserIdByPendingEmail(tx, 'next-member4320@example.com', AUD));
      assert.match(result ?? '', /^[0-9a-f-]{36}$/);
      assert.ok(pages <= MOST_PAGES, `touched ${pages} pages to find one of ${USERS} users`);
      const none = await measured((tx) => findUserIdByPendingEmail(tx, 'member4321@example.com', AUD));
      assert.equal(none.result, undefined, 'an address nobody is changing to');
    });

    it('still finds a user written without an instance id', async () => {
      const found = await findUserForPasswordLogin(database.db, { email: 'hand@example.com' }, AUD);
      assert.equal(found?.id, handMadeId);
      assert.equal(await lockUserIdByEmail(database.db, 'hand@example.com', AUD), handMadeId);
    });
  });
}
