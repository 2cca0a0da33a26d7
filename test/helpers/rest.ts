/** Data API tests: a listening test project and supabase-js clients for its users. */
import assert from 'node:assert/strict';
import type { SupabaseClient } from '@supabase/supabase-js';
import { createTestProject, type TestProject } from './project.js';
import type { EngineName } from './engines.js';
import { makeClient } from './server.js';

export interface RestProject extends TestProject {
  /** http://127.0.0.1:<port>, for createClient. */
  readonly url: string;
  /** A supabase-js client with only the anon key. */
  anonClient(): SupabaseClient;
  serviceClient(): SupabaseClient;
  /** A client signed in anonymously (supabase.auth.signInAnonymously()). */
  anonymousUser(): Promise<{ client: SupabaseClient; id: string }>;
  /** A permanent user made with the admin API (email_confirm + password), signed in with the password grant. */
  permanentUser(email: string): Promise<{ client: SupabaseClient; id: string }>;
}

export async function createRestProject(engine: EngineName, env: Record<string, string> = {}): Promise<RestProject> {
  const t = await createTestProject(engine, { GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '1000', GOTRUE_RATE_LIMIT_TOKEN_REFRESH: '1000', ...env });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const address = t.app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    ...t,
    url,
    anonClient: () => makeClient(url, t.anonKey),
    serviceClient: () => makeClient(url, t.serviceRoleKey),
    async anonymousUser() {
      const client = makeClient(url, t.anonKey);
      const { data, error } = await client.auth.signInAnonymously();
      assert.equal(error, null);
      assert.equal(data.user?.is_anonymous, true);
      return { client, id: data.user?.id as string };
    },
    async permanentUser(email: string) {
      const password = 'correct horse battery staple';
      const created = await t.app.inject({
        method: 'POST',
        url: '/auth/v1/admin/users',
        headers: { authorization: `Bearer ${t.serviceRoleKey}`, apikey: t.serviceRoleKey, 'content-type': 'application/json' },
        payload: { email, password, email_confirm: true },
      });
      assert.equal(created.statusCode, 200, created.body);
      const client = makeClient(url, t.anonKey);
      const { data, error } = await client.auth.signInWithPassword({ email, password });
      assert.equal(error, null);
      assert.equal(data.user?.is_anonymous, false);
      return { client, id: data.user?.id as string };
    },
  };
}

/** The seed document's tables (its SQL names them; their columns are ours). */
export const seedSchemaSql = `
  create table public.products (
    id bigint generated always as identity primary key,
    name text not null,
    price numeric(10, 2) not null
  );
  create table public.reviews (
    id bigint generated always as identity primary key,
    product_id bigint not null references public.products (id),
    user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
    rating int not null check (rating between 1 and 5),
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
    user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
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

/** Every SQL policy example of the seed document, verbatim (the cart limit is its permissive "trap"). */
export const seedPoliciesSql = `
  create policy "All users can view products" on products for select to authenticated using (true);
  create policy "Only permanent users can create reviews" on reviews for insert to authenticated with check ( (auth.jwt()->>'is_anonymous')::boolean is false );
  create policy "Users can manage their cart" on cart_items for all to authenticated using (user_id = auth.uid()) with check (user_id = auth.uid());
  create policy "Only permanent users can comment" on comments for insert to authenticated with check ( (auth.jwt()->>'is_anonymous')::boolean is false );
  create policy "Block anonymous from publishing" on articles as restrictive for insert to authenticated with check ( (auth.jwt()->>'is_anonymous')::boolean is false );
  create policy "Users can publish their own articles" on articles for insert to authenticated with check (author_id = auth.uid());
  create policy "Anonymous cart item limit" on cart_items for insert to authenticated with check ( (auth.jwt()->>'is_anonymous')::boolean is false OR (select count(*) from cart_items where user_id = auth.uid()) < 10 );
`;
