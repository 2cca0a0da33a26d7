import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestProject, signUpAnonymously, versionHeaders, type TestProject } from '../helpers/project.js';

const schemaSql = `
  create table public.carts (id bigint generated always as identity primary key,
    user_id uuid not null references auth.users (id) on delete cascade, item text not null);
  create table public.profiles (user_id uuid primary key references auth.users (id) on delete cascade, nickname text);
  create table public.merge_log (from_user uuid, to_user uuid);
  create function public.merge_carts_only(from_user uuid, to_user uuid) returns void language sql as $$
    update public.carts set user_id = to_user where user_id = from_user;
    insert into public.merge_log values (from_user, to_user);
  $$;`;

async function createOwner(t: TestProject, email: string, password: string): Promise<string> {
  const created = await t.app.inject({
    method: 'POST',
    url: '/auth/v1/admin/users',
    headers: { ...versionHeaders, authorization: `Bearer ${t.serviceRoleKey}` },
    payload: { email, password, email_confirm: true },
  });
  assert.equal(created.statusCode, 200, created.body);
  return created.json().id as string;
}

async function signIn(t: TestProject, email: string, password: string): Promise<string> {
  const login = await t.app.inject({ method: 'POST', url: '/auth/v1/token?grant_type=password', headers: versionHeaders, payload: { email, password } });
  assert.equal(login.statusCode, 200, login.body);
  return login.json().access_token as string;
}

const merge = (t: TestProject, ownerToken: string, anonymousToken: string) =>
  t.app.inject({
    method: 'POST',
    url: '/auth/v1/user/merge',
    headers: { ...versionHeaders, authorization: `Bearer ${ownerToken}` },
    payload: { anonymous_access_token: anonymousToken },
  });

const count = async (t: TestProject, sql: string, params: string[]) => (await t.database.db.query<{ n: number }>(sql, params))[0].n;

for (const engine of engines) {
  describe(`merging an anonymous user into an existing account (${engine})`, () => {
    let t: TestProject;
    before(async () => {
      t = await createTestProject(engine, { FOYER_MERGE_ANONYMOUS_ENABLED: 'true', GOTRUE_MAILER_AUTOCONFIRM: 'true' });
      await t.database.db.execScript(schemaSql);
    });
    after(() => t.close());

    it('keeps the anonymous session after a failed link, then moves its rows in one transaction', async () => {
      const ownerId = await createOwner(t, 'owner@example.com', 'owner password');
      await t.database.db.query(`insert into carts (user_id, item) values ($1, 'owner item')`, [ownerId]);
      const anon = await signUpAnonymously(t.app);
      await t.database.db.query(`insert into carts (user_id, item) values ($1, 'tea'), ($1, 'cups')`, [anon.user.id]);

      const link = await t.app.inject({
        method: 'PUT', url: '/auth/v1/user', headers: { ...versionHeaders, authorization: `Bearer ${anon.access_token}` }, payload: { email: 'owner@example.com' },
      });
      assert.equal(link.statusCode, 422);
      assert.equal(link.json().code, 'email_exists');
      const stillThere = await t.app.inject({ method: 'GET', url: '/auth/v1/user', headers: { authorization: `Bearer ${anon.access_token}` } });
      assert.equal(stillThere.statusCode, 200, 'a failed link keeps the anonymous session');

      const ownerToken = await signIn(t, 'owner@example.com', 'owner password');
      const merged = await merge(t, ownerToken, anon.access_token);
      assert.equal(merged.statusCode, 200, merged.body);
      assert.deepEqual(merged.json(), { user_id: ownerId, merged_user_id: anon.user.id, moved: { 'carts.user_id': 2 } });

      const items = await t.database.db.query<{ item: string }>('select item from carts where user_id = $1 order by id', [ownerId]);
      assert.deepEqual(items.map((row) => row.item), ['owner item', 'tea', 'cups']);
      assert.equal(await count(t, 'select count(*)::int as n from auth.users where id = $1', [anon.user.id]), 0);
      const gone = await t.app.inject({ method: 'GET', url: '/auth/v1/user', headers: { ...versionHeaders, authorization: `Bearer ${anon.access_token}` } });
      assert.equal(gone.json().code, 'user_not_found');
      assert.equal(
        await count(t, `select count(*)::int as n from auth.audit_log_entries where payload->>'action' = 'user_merged' and payload->>'actor_id' = $1`, [ownerId]),
        1,
      );
    });

    it('rolls the whole merge back when a row conflicts, naming the table', async () => {
      const ownerId = await createOwner(t, 'profiled@example.com', 'owner password');
      const anon = await signUpAnonymously(t.app);
      await t.database.db.query(`insert into profiles values ($1, 'owner'), ($2, 'visitor')`, [ownerId, anon.user.id]);
      await t.database.db.query(`insert into carts (user_id, item) values ($1, 'kept')`, [anon.user.id]);
      const ownerToken = await signIn(t, 'profiled@example.com', 'owner password');
      const merged = await merge(t, ownerToken, anon.access_token);
      assert.equal(merged.statusCode, 409, merged.body);
      assert.equal(merged.json().code, 'conflict');
      assert.match(merged.json().message, /profiles/);
      assert.equal(await count(t, 'select count(*)::int as n from carts where user_id = $1', [anon.user.id]), 1, 'rows stay where they were');
      assert.equal(await count(t, 'select count(*)::int as n from auth.users where id = any($1::uuid[])', [`{${ownerId},${anon.user.id}}`]), 2);
      const still = await t.app.inject({ method: 'GET', url: '/auth/v1/user', headers: { authorization: `Bearer ${anon.access_token}` } });
      assert.equal(still.statusCode, 200);
    });

    it('lets only one of two simultaneous merges of the same anonymous user happen; the other is 403 user_not_found', async () => {
      const ownerId = await createOwner(t, 'racer@example.com', 'owner password');
      const ownerToken = await signIn(t, 'racer@example.com', 'owner password');
      // Several races: the loser may find the user gone when its token is checked, or only once it holds the lock.
      for (let round = 0; round < 3; round++) {
        const anon = await signUpAnonymously(t.app);
        await t.database.db.query(`insert into carts (user_id, item) values ($1, $2)`, [anon.user.id, `once ${round}`]);
        const results = await Promise.all([merge(t, ownerToken, anon.access_token), merge(t, ownerToken, anon.access_token)]);
        const bodies = results.map((r) => `${r.statusCode} ${r.body}`).join(' | ');
        const [won, lost] = results[0].statusCode === 200 ? results : [results[1], results[0]];
        assert.equal(won.statusCode, 200, bodies);
        assert.equal(lost.statusCode, 403, `the losing merge answers what docs/merge.md promises: ${bodies}`);
        assert.equal(lost.json().code, 'user_not_found', bodies);
        assert.equal(await count(t, `select count(*)::int as n from carts where user_id = $1 and item = $2`, [ownerId, `once ${round}`]), 1);
      }
    });

    it('answers 403 user_not_found when the anonymous user is deleted while the merge is under way', async () => {
      const ownerId = await createOwner(t, 'waiter@example.com', 'owner password');
      const ownerToken = await signIn(t, 'waiter@example.com', 'owner password');
      const anon = await signUpAnonymously(t.app);
      // Another transaction holds the anonymous user and deletes it. On PostgreSQL the merge's token
      // check passes and the merge waits for the lock, then finds the user gone; on the embedded
      // database (one connection) the merge runs after the delete and its token check finds it gone.
      const { pending } = await t.database.db.transaction(async (tx) => {
        await tx.query(`select 1 from auth.users where id = $1 for update`, [anon.user.id]);
        const started = merge(t, ownerToken, anon.access_token);
        if (engine === 'postgres') {
          const deadline = Date.now() + 10_000;
          const waiting = async () =>
            (await t.database.db.query<{ n: number }>(`select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
                where not l.granted and l.locktype = 'transactionid' and a.datname = current_database()`))[0].n > 0;
          while (!(await waiting())) {
            assert.ok(Date.now() < deadline, 'the merge never waited for the lock');
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
        await tx.query(`delete from auth.users where id = $1`, [anon.user.id]);
        return { pending: started };
      });
      const refused = await pending;
      assert.equal(refused.statusCode, 403, refused.body);
      assert.equal(refused.json().code, 'user_not_found');
      assert.equal(await count(t, 'select count(*)::int as n from auth.users where id = $1', [ownerId]), 1);
    });

    it('refuses a stale sign-in, a permanent "anonymous" token and a self-merge', async () => {
      await createOwner(t, 'checks@example.com', 'owner password');
      const ownerToken = await signIn(t, 'checks@example.com', 'owner password');
      const self = await merge(t, ownerToken, ownerToken);
      assert.equal(self.statusCode, 400);
      assert.equal(self.json().code, 'validation_failed');
      const garbage = await merge(t, ownerToken, 'not-a-jwt');
      assert.equal(garbage.statusCode, 403);
      assert.equal(garbage.json().code, 'bad_jwt');
      const anon = await signUpAnonymously(t.app);
      const backwards = await merge(t, anon.access_token, ownerToken);
      assert.equal(backwards.statusCode, 400);
    });
  });

  describe(`merge settings (${engine})`, () => {
    it('is off by default and can use an app-defined function', async () => {
      const off = await createTestProject(engine, {});
      try {
        const anon = await signUpAnonymously(off.app);
        const response = await merge(off, anon.access_token, anon.access_token);
        assert.equal(response.statusCode, 404);
      } finally {
        await off.close();
      }
      const custom = await createTestProject(engine, { FOYER_MERGE_ANONYMOUS_ENABLED: 'true', FOYER_MERGE_FUNCTION: 'public.merge_carts_only' });
      try {
        await custom.database.db.execScript(schemaSql);
        const ownerId = await createOwner(custom, 'fn@example.com', 'owner password');
        const anon = await signUpAnonymously(custom.app);
        await custom.database.db.query(`insert into carts (user_id, item) values ($1, 'moved by fn')`, [anon.user.id]);
        const merged = await merge(custom, await signIn(custom, 'fn@example.com', 'owner password'), anon.access_token);
        assert.equal(merged.statusCode, 200, merged.body);
        assert.equal(await count(custom, 'select count(*)::int as n from carts where user_id = $1', [ownerId]), 1);
        assert.equal(await count(custom, 'select count(*)::int as n from merge_log where to_user = $1', [ownerId]), 1);
      } finally {
        await custom.close();
      }
    });
  });
}
