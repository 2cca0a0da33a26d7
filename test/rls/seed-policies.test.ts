/**
 * The seed document's RLS policies, applied verbatim, decided by the claims of real Foyer access tokens.
 * Each check runs as PostgREST runs a request: one transaction, `request.jwt.claims` set to the token's
 * claims, `set local role` to the token's role, then the statement.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db, Queryable } from '../../src/store/db.js';
import { engines } from '../helpers/engines.js';
import { createTestProject, decodeJwt, signUpAnonymously, versionHeaders, type TestProject } from '../helpers/project.js';

const schemaSql = `
  create table public.products (
    id bigint generated always as identity primary key,
    name text not null,
    price numeric(10, 2) not null
  );
  create table public.reviews (
    id bigint generated always as identity primary key,
    product_id bigint not null references public.products (id),
    user_id uuid not null references auth.users (id) on delete cascade,
    body text not null
  );
  create table public.cart_items (
    id bigint generated always as identity primary key,
    user_id uuid not null references auth.users (id) on delete cascade,
    product_id bigint not null references public.products (id),
    quantity int not null default 1
  );
  create table public.comments (
    id bigint generated always as identity primary key,
    user_id uuid not null references auth.users (id) on delete cascade,
    body text not null
  );
  create table public.articles (
    id bigint generated always as identity primary key,
    author_id uuid not null references auth.users (id) on delete cascade,
    title text not null
  );
  alter table public.products enable row level security;
  alter table public.reviews enable row level security;
  alter table public.cart_items enable row level security;
  alter table public.comments enable row level security;
  alter table public.articles enable row level security;
  insert into public.products (name, price) values ('Tea', 4.50), ('Mug', 12.00), ('Kettle', 39.90);
`;

// Copied verbatim from the seed document ("Writing RLS Policies for Anonymous Users").
const seedPoliciesSql = `
  create policy "All users can view products" on products for select to authenticated using (true);
  create policy "Only permanent users can create reviews" on reviews for insert to authenticated with check ( (auth.jwt()->>'is_anonymous')::boolean is false );
  create policy "Users can manage their cart" on cart_items for all to authenticated using (user_id = auth.uid()) with check (user_id = auth.uid());
  create policy "Only permanent users can comment" on comments for insert to authenticated with check ( (auth.jwt()->>'is_anonymous')::boolean is false );
  create policy "Block anonymous from publishing" on articles as restrictive for insert to authenticated with check ( (auth.jwt()->>'is_anonymous')::boolean is false );
  create policy "Users can publish their own articles" on articles for insert to authenticated with check (author_id = auth.uid());
`;

interface User {
  readonly token: string;
  readonly id: string;
}

/** As PostgREST: the token's claims in `request.jwt.claims`, its role, then `work`, in one transaction. */
function asUser<T>(db: Db, user: User, work: (tx: Queryable) => Promise<T>): Promise<T> {
  const claims = decodeJwt(user.token);
  assert.equal(claims.role, 'authenticated', 'Foyer access tokens carry role authenticated');
  return db.transaction(async (tx) => {
    await tx.query(`select set_config('request.jwt.claims', $1, true)`, [JSON.stringify(claims)]);
    await tx.query(`set local role ${claims.role as string}`);
    return work(plain(tx));
  });
}

/** The statement is refused by row-level security itself (not by a missing grant, also 42501). */
async function assertRlsRefusal(attempt: Promise<unknown>, table: string, restrictivePolicy?: string): Promise<void> {
  // PostgreSQL names the policy in the message when a restrictive one is what failed.
  const policy = restrictivePolicy ? `"${restrictivePolicy}" ` : '';
  await assert.rejects(attempt, (error: { code?: string; message?: string }) => {
    assert.equal(error.code, '42501', `expected SQLSTATE 42501, got ${error.code}: ${error.message}`);
    assert.equal(error.message, `new row violates row-level security policy ${policy}for table "${table}"`);
    return true;
  });
}

/** Results as plain arrays (postgres.js returns an Array subclass, which deepEqual tells apart). */
function plain(target: Queryable): Queryable {
  return { query: async (text, params) => [...(await target.query(text, params))] as never };
}

class Rollback extends Error {}

for (const engine of engines) {
  describe(`the seed's RLS policies with real Foyer tokens (${engine})`, () => {
    let t: TestProject;
    let db: Db;
    let owner: Queryable;
    let anonymous: User;
    let permanent: User;

    before(async () => {
      t = await createTestProject(engine);
      db = t.database.db;
      owner = plain(db);
      await db.execScript(schemaSql);
      await db.execScript(seedPoliciesSql);

      const anon = await signUpAnonymously(t.app, { from: 'rls test' });
      anonymous = { token: anon.access_token, id: anon.user.id };

      const admin = { ...versionHeaders, apikey: t.serviceRoleKey, authorization: `Bearer ${t.serviceRoleKey}` };
      const credentials = { email: 'permanent@example.com', password: 'correct horse battery staple' };
      const created = await t.app.inject({ method: 'POST', url: '/auth/v1/admin/users', headers: admin, payload: { ...credentials, email_confirm: true } });
      assert.equal(created.statusCode, 200, created.body);
      const grant = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=password',
        headers: { ...versionHeaders, apikey: t.anonKey },
        payload: credentials,
      });
      assert.equal(grant.statusCode, 200, grant.body);
      permanent = { token: grant.json().access_token as string, id: created.json().id as string };

      // Both are live tokens that Foyer itself accepts.
      for (const [user, anonymousFlag] of [[anonymous, true], [permanent, false]] as const) {
        const me = await t.app.inject({ method: 'GET', url: '/auth/v1/user', headers: { ...versionHeaders, authorization: `Bearer ${user.token}` } });
        assert.equal(me.statusCode, 200, me.body);
        assert.equal(me.json().id, user.id);
        assert.equal(me.json().is_anonymous, anonymousFlag);
      }
    });
    after(() => t?.close());

    it('has exactly the seed policies in place, RLS enabled', async () => {
      const policies = await owner.query<{ tablename: string; policyname: string; permissive: string; cmd: string; roles: string }>(
        `select tablename, policyname, permissive, cmd, array_to_string(roles, ',') as roles
           from pg_policies where schemaname = 'public' order by tablename, policyname`,
      );
      assert.deepEqual(policies, [
        { tablename: 'articles', policyname: 'Block anonymous from publishing', permissive: 'RESTRICTIVE', cmd: 'INSERT', roles: 'authenticated' },
        { tablename: 'articles', policyname: 'Users can publish their own articles', permissive: 'PERMISSIVE', cmd: 'INSERT', roles: 'authenticated' },
        { tablename: 'cart_items', policyname: 'Users can manage their cart', permissive: 'PERMISSIVE', cmd: 'ALL', roles: 'authenticated' },
        { tablename: 'comments', policyname: 'Only permanent users can comment', permissive: 'PERMISSIVE', cmd: 'INSERT', roles: 'authenticated' },
        { tablename: 'products', policyname: 'All users can view products', permissive: 'PERMISSIVE', cmd: 'SELECT', roles: 'authenticated' },
        { tablename: 'reviews', policyname: 'Only permanent users can create reviews', permissive: 'PERMISSIVE', cmd: 'INSERT', roles: 'authenticated' },
      ]);
      const rls = await owner.query<{ n: number }>(
        `select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relkind = 'r' and c.relrowsecurity`,
      );
      assert.equal(rls[0].n, 5);
    });

    it('auth.uid() is the token sub and auth.jwt() carries is_anonymous, under role authenticated', async () => {
      for (const [user, flag] of [[anonymous, true], [permanent, false]] as const) {
        const rows = await asUser(db, user, (tx) =>
          tx.query(
            `select auth.uid()::text as uid, (auth.jwt()->>'is_anonymous')::boolean as is_anonymous,
                    auth.role() as role, current_user::text as db_role`,
          ),
        );
        assert.deepEqual(rows, [{ uid: decodeJwt(user.token).sub, is_anonymous: flag, role: 'authenticated', db_role: 'authenticated' }]);
        assert.equal(decodeJwt(user.token).sub, user.id);
      }
    });

    it('"All users can view products": the anonymous user reads them, but cannot add one', async () => {
      const rows = await asUser(db, anonymous, (tx) => tx.query<{ name: string }>('select name from products order by id'));
      assert.deepEqual(rows.map((row) => row.name), ['Tea', 'Mug', 'Kettle']);
      await assertRlsRefusal(asUser(db, anonymous, (tx) => tx.query(`insert into products (name, price) values ('Free', 0)`)), 'products');
    });

    it('"Only permanent users can create reviews": anonymous refused with 42501, permanent admitted', async () => {
      const review = `insert into reviews (product_id, user_id, body) values (1, auth.uid(), 'Lovely tea')`;
      await assertRlsRefusal(asUser(db, anonymous, (tx) => tx.query(review)), 'reviews');
      await asUser(db, permanent, (tx) => tx.query(review));
      const stored = await owner.query<{ user_id: string }>('select user_id::text as user_id from reviews');
      assert.deepEqual(stored, [{ user_id: permanent.id }]);
    });

    it('"Only permanent users can comment": anonymous refused with 42501, permanent admitted', async () => {
      const comment = `insert into comments (user_id, body) values (auth.uid(), 'First!')`;
      await assertRlsRefusal(asUser(db, anonymous, (tx) => tx.query(comment)), 'comments');
      await asUser(db, permanent, (tx) => tx.query(comment));
      const stored = await owner.query<{ user_id: string }>('select user_id::text as user_id from comments');
      assert.deepEqual(stored, [{ user_id: permanent.id }]);
    });

    it('"Users can manage their cart": the anonymous user writes and sees only its own rows', async () => {
      await asUser(db, permanent, (tx) => tx.query(`insert into cart_items (user_id, product_id) values (auth.uid(), 3)`));
      const own = await asUser(db, anonymous, (tx) =>
        tx.query<{ user_id: string; product_id: number }>(
          `insert into cart_items (user_id, product_id) values (auth.uid(), 1), (auth.uid(), 2)
           returning user_id::text as user_id, product_id::int as product_id`,
        ),
      );
      assert.deepEqual(own, [{ user_id: anonymous.id, product_id: 1 }, { user_id: anonymous.id, product_id: 2 }]);

      const seen = await asUser(db, anonymous, (tx) => tx.query<{ user_id: string }>('select user_id::text as user_id from cart_items order by id'));
      assert.deepEqual(seen, [{ user_id: anonymous.id }, { user_id: anonymous.id }]);
      await assertRlsRefusal(
        asUser(db, anonymous, (tx) => tx.query(`insert into cart_items (user_id, product_id) values ($1, 1)`, [permanent.id])),
        'cart_items',
      );
      const updated = await asUser(db, anonymous, (tx) => tx.query<{ user_id: string }>('update cart_items set quantity = 99 returning user_id::text as user_id'));
      assert.deepEqual(updated, [{ user_id: anonymous.id }, { user_id: anonymous.id }]);
      const deleted = await asUser(db, anonymous, (tx) => tx.query('delete from cart_items where user_id = $1 returning id', [permanent.id]));
      assert.deepEqual(deleted, []);

      const theirs = await asUser(db, permanent, (tx) => tx.query<{ product_id: number; quantity: number }>('select product_id::int as product_id, quantity from cart_items'));
      assert.deepEqual(theirs, [{ product_id: 3, quantity: 1 }], 'the permanent user’s cart is untouched and its own');
      const all = await owner.query<{ n: number }>('select count(*)::int as n from cart_items');
      assert.equal(all[0].n, 3);
    });

    it('"Block anonymous from publishing" (restrictive) refuses the anonymous author the permissive policy admits', async () => {
      const publish = `insert into articles (author_id, title) values (auth.uid(), 'My take')`;
      await assertRlsRefusal(asUser(db, anonymous, (tx) => tx.query(publish)), 'articles', 'Block anonymous from publishing');

      // Without the restrictive policy the permissive one alone admits this very insert (rolled back).
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('drop policy "Block anonymous from publishing" on articles');
          await tx.query(`select set_config('request.jwt.claims', $1, true)`, [JSON.stringify(decodeJwt(anonymous.token))]);
          await tx.query('set local role authenticated');
          await tx.query(publish);
          throw new Rollback('admitted; rolling back');
        }),
        Rollback,
      );
      const still = await owner.query<{ n: number }>(`select count(*)::int as n from pg_policies where tablename = 'articles'`);
      assert.equal(still[0].n, 2, 'the rollback kept the restrictive policy');

      await asUser(db, permanent, (tx) => tx.query(publish));
      await assertRlsRefusal(
        asUser(db, permanent, (tx) => tx.query(`insert into articles (author_id, title) values ($1, 'Ghostwritten')`, [anonymous.id])),
        'articles',
      );
      const stored = await owner.query<{ author_id: string }>('select author_id::text as author_id from articles');
      assert.deepEqual(stored, [{ author_id: permanent.id }]);
    });
  });
}
