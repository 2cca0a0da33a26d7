/**
 * The seed document's RLS examples through Foyer's Data API, driven by the real @supabase/supabase-js:
 * every SQL policy of the seed behaves as the seed says, and its one trap ("Anonymous cart item limit"
 * is PERMISSIVE, so "Users can manage their cart" OR-bypasses it) shows, is flagged by the audit, and
 * disappears with the audit's restrictive rewrite.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SupabaseClient } from '@supabase/supabase-js';
import { auditRls } from '../../src/audit/audit.js';
import { engines } from '../helpers/engines.js';
import { createRestProject, seedPoliciesSql, seedSchemaSql, type RestProject } from '../helpers/rest.js';

async function outboxLink(t: RestProject, email: string): Promise<string> {
  const response = await t.app.inject({
    method: 'GET',
    url: `/auth/v1/admin/mail/outbox?email=${encodeURIComponent(email)}`,
    headers: { authorization: `Bearer ${t.serviceRoleKey}` },
  });
  const messages = (response.json() as { messages: { text_body: string }[] }).messages;
  const link = /https?:\/\/\S+/.exec(messages[0]?.text_body ?? '')?.[0];
  assert.ok(link, response.body);
  return link;
}

const addToCart = (client: SupabaseClient, userId: string, productId = 1) => client.from('cart_items').insert({ user_id: userId, product_id: productId });

for (const engine of engines) {
  describe(`seed RLS policies through the Data API with supabase-js (${engine})`, () => {
    let t: RestProject;
    before(async () => {
      t = await createRestProject(engine, { GOTRUE_SMTP_MAX_FREQUENCY: '0s', API_EXTERNAL_URL: 'http://localhost:9999/auth/v1' });
      await t.database.db.execScript(seedSchemaSql + seedPoliciesSql);
    });
    after(() => t.close());

    it('anonymous users read products but cannot create reviews or comments', async () => {
      const { client } = await t.anonymousUser();
      const products = await client.from('products').select('id, name, price').order('id');
      assert.equal(products.error, null);
      assert.deepEqual(products.data, [
        { id: 1, name: 'Tea', price: 4.5 },
        { id: 2, name: 'Mug', price: 12 },
        { id: 3, name: 'Kettle', price: 39.9 },
      ]);
      const review = await client.from('reviews').insert({ product_id: 1, rating: 5, body: 'lovely' });
      assert.equal(review.status, 403);
      assert.equal(review.error?.code, '42501');
      assert.match(review.error?.message ?? '', /row-level security policy for table "reviews"/);
      const comment = await client.from('comments').insert({ body: 'first!' });
      assert.equal(comment.status, 403);
      assert.equal(comment.error?.code, '42501');
      const stored = await t.database.db.query<{ n: number }>('select (select count(*) from reviews)::int + (select count(*) from comments)::int as n');
      assert.equal(stored[0].n, 0);
    });

    it('the anon key alone (no user) sees no products: the seed grants them to authenticated only', async () => {
      const products = await t.anonClient().from('products').select('*');
      assert.equal(products.error, null);
      assert.deepEqual(products.data, []);
      const review = await t.anonClient().from('reviews').insert({ product_id: 1, rating: 5, body: 'x' });
      assert.equal(review.status, 401, 'PostgREST answers 401 to the anon role');
      assert.equal(review.error?.code, '42501');
    });

    it('anonymous users manage only their own cart', async () => {
      const alice = await t.anonymousUser();
      const bob = await t.anonymousUser();
      assert.equal((await addToCart(alice.client, alice.id, 1)).status, 201);
      assert.equal((await addToCart(bob.client, bob.id, 2)).status, 201);

      const mine = await alice.client.from('cart_items').select('user_id, product_id, quantity');
      assert.deepEqual(mine.data, [{ user_id: alice.id, product_id: 1, quantity: 1 }]);

      const updated = await alice.client.from('cart_items').update({ quantity: 3 }).eq('product_id', 1).select('quantity');
      assert.deepEqual(updated.data, [{ quantity: 3 }]);
      const notMine = await alice.client.from('cart_items').update({ quantity: 9 }).eq('user_id', bob.id).select();
      assert.deepEqual(notMine.data, [], "another user's rows are invisible, so nothing is updated");
      const deleted = await alice.client.from('cart_items').delete().eq('user_id', bob.id).select();
      assert.deepEqual(deleted.data, []);
      const bobs = await bob.client.from('cart_items').select('quantity').single();
      assert.deepEqual(bobs.data, { quantity: 1 });

      const removed = await alice.client.from('cart_items').delete().eq('product_id', 1).select('product_id');
      assert.deepEqual(removed.data, [{ product_id: 1 }]);
    });

    it('the restrictive "Block anonymous from publishing" holds even with the permissive author policy', async () => {
      const anonymous = await t.anonymousUser();
      const own = await anonymous.client.from('articles').insert({ author_id: anonymous.id, title: 'Mine' });
      assert.equal(own.status, 403);
      assert.equal(own.error?.code, '42501');

      const writer = await t.permanentUser(`writer-${engine}@example.com`);
      const published = await writer.client.from('articles').insert({ author_id: writer.id, title: 'Hello' });
      assert.equal(published.error, null);
      assert.equal(published.status, 201);
      const impersonating = await writer.client.from('articles').insert({ author_id: anonymous.id, title: 'Not mine' });
      assert.equal(impersonating.status, 403, 'the permissive policy still limits permanent users to their own articles');
    });

    it('a permanent user succeeds where anonymous users are refused', async () => {
      const user = await t.permanentUser(`reviewer-${engine}@example.com`);
      const review = await user.client.from('reviews').insert({ product_id: 2, rating: 4, body: 'solid mug' });
      assert.equal(review.error, null);
      assert.equal(review.status, 201);
      const comment = await user.client.from('comments').insert({ body: 'thanks' });
      assert.equal(comment.status, 201);
      const cart = await addToCart(user.client, user.id, 3);
      assert.equal(cart.status, 201);
      const rows = await t.database.db.query<{ user_id: string }>('select user_id::text from reviews');
      assert.deepEqual([...rows], [{ user_id: user.id }]);
    });

    it('after conversion the same anonymous user id succeeds, and keeps its cart', async () => {
      const { client, id } = await t.anonymousUser();
      assert.equal((await addToCart(client, id, 2)).status, 201);
      assert.equal((await client.from('comments').insert({ body: 'before' })).status, 403);

      const email = `converted-${engine}@example.com`;
      const { error } = await client.auth.updateUser({ email, password: 'correct horse battery staple' });
      assert.equal(error, null);
      const link = new URL(await outboxLink(t, email));
      const followed = await t.app.inject({ method: 'GET', url: `/auth/v1/verify${link.search}` });
      assert.equal(followed.statusCode, 303, followed.body);
      const refreshed = await client.auth.refreshSession();
      assert.equal(refreshed.error, null);
      assert.equal(refreshed.data.user?.is_anonymous, false);
      assert.equal(refreshed.data.user?.id, id);

      assert.equal((await client.from('comments').insert({ body: 'after' })).status, 201);
      assert.equal((await client.from('reviews').insert({ product_id: 2, rating: 5, body: 'converted' })).status, 201);
      assert.equal((await client.from('articles').insert({ author_id: id, title: 'Now I may' })).status, 201);
      const cart = await client.from('cart_items').select('product_id');
      assert.deepEqual(cart.data, [{ product_id: 2 }]);
    });

    it("the seed's trap: the permissive cart limit lets an anonymous user add an 11th item; the audit's restrictive rewrite stops it", async () => {
      const greedy = await t.anonymousUser();
      for (let i = 1; i <= 11; i++) {
        const added = await addToCart(greedy.client, greedy.id, (i % 3) + 1);
        assert.equal(added.status, 201, `item ${i}: ${JSON.stringify(added.error)}`);
      }
      const { count } = await greedy.client.from('cart_items').select('*', { count: 'exact', head: true });
      assert.equal(count, 11, 'the permissive "Users can manage their cart" OR-bypasses the permissive limit');
      // Being permissive, the limit also grants inserts on its own, with no ownership check at all:
      const victim = await t.anonymousUser();
      const forged = await addToCart(victim.client, greedy.id);
      assert.equal(forged.status, 201, 'a user with fewer than 10 items can add to anyone’s cart while the limit is permissive');

      const report = await auditRls(t.database.db, ['public']);
      assert.equal(report.findings.length, 1, JSON.stringify(report.findings, null, 2));
      const [finding] = report.findings;
      assert.equal(finding.kind, 'bypassable_anonymous_check');
      assert.equal(finding.policy, 'Anonymous cart item limit');
      assert.match(finding.message, /Users can manage their cart/);
      assert.match(finding.current ?? '', /create policy "Anonymous cart item limit"/);
      assert.match(finding.fix, /drop policy "Anonymous cart item limit"/);
      assert.match(finding.fix, /as restrictive for insert to "authenticated"/);

      await t.database.db.execScript(finding.fix);
      assert.deepEqual((await auditRls(t.database.db, ['public'])).findings, [], "with the rewrite, nothing of the seed's set is flagged");

      const careful = await t.anonymousUser();
      for (let i = 1; i <= 10; i++) assert.equal((await addToCart(careful.client, careful.id)).status, 201, `item ${i}`);
      const eleventh = await addToCart(careful.client, careful.id);
      assert.equal(eleventh.status, 403);
      assert.equal(eleventh.error?.code, '42501');
      assert.equal((await addToCart(greedy.client, greedy.id)).status, 403, 'over the limit already: refused too');

      const forgedByVictim = await addToCart(victim.client, careful.id);
      assert.equal(forgedByVictim.status, 403, 'restrictive, the limit no longer grants anything: the cart policy decides ownership');
      assert.equal((await addToCart(victim.client, victim.id)).status, 201);

      const shopper = await t.permanentUser(`shopper-${engine}@example.com`);
      for (let i = 1; i <= 12; i++) assert.equal((await addToCart(shopper.client, shopper.id)).status, 201, `permanent item ${i}`);
      const counted = await shopper.client.from('cart_items').select('*', { count: 'exact', head: true });
      assert.equal(counted.count, 12, 'permanent users are not limited');
    });
  });
}
