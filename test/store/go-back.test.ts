/**
 * Going back to GoTrue (docs/self-hosted-supabase.md, "Going back to GoTrue"): the block of SQL the
 * guide gives removes every object Foyer added, whatever its migrations have added since the guide
 * was written, and leaves GoTrue's schema exactly as GoTrue's migrations build it, with its rows.
 * Also here: every foreign key in `auth` has an index its column leads, so deleting a parent row
 * never reads a whole child table per row (migration 0020).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { migrate } from '../../src/store/migrate.js';
import { readAuthCatalog, type AuthCatalog } from '../helpers/auth-catalog.js';
import { engines, openTestDatabase, type TestDatabase } from '../helpers/engines.js';

const recorded = JSON.parse(readFileSync(new URL('../fixtures/gotrue-auth-schema.json', import.meta.url), 'utf8')) as { catalog: AuthCatalog };

/** The guide's removal block: the first SQL block of its "Going back to GoTrue" section, as printed. */
function documentedRemoval(): string {
  const guide = readFileSync(new URL('../../docs/self-hosted-supabase.md', import.meta.url), 'utf8');
  const section = guide.slice(guide.indexOf('## 5. Going back to GoTrue'));
  const block = /```sql\n([\s\S]*?)\n\s*```/.exec(section);
  assert.ok(block, 'the section has a SQL block');
  return block[1].replace(/^ {2}/gm, '');
}

async function foyerObjects(database: TestDatabase): Promise<string[]> {
  const rows = await database.db.query<{ name: string }>(
    `select relname::text as name from pg_class where relnamespace = 'auth'::regnamespace and relname like 'foyer\\_%'
     union all select proname::text from pg_proc where pronamespace = 'auth'::regnamespace and proname like 'foyer\\_%'
     union all select stxname::text from pg_statistic_ext where stxnamespace = 'auth'::regnamespace and stxname like 'foyer\\_%'
     union all select typname::text from pg_type where typnamespace = 'auth'::regnamespace and typname like 'foyer\\_%'
     order by 1`,
  );
  return rows.map((row) => row.name);
}

for (const engine of engines) {
  describe(`going back to GoTrue (${engine})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await openTestDatabase(engine);
      await migrate(database.db);
    });
    after(() => database.close());

    it('every foreign key in auth has an index its column leads', async () => {
      const unindexed = await database.db.query<{ key: string }>(
        `select c.conrelid::regclass::text || '.' || a.attname as key
           from pg_constraint c
           join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
          where c.contype = 'f' and c.connamespace = 'auth'::regnamespace
            and not exists (select 1 from pg_index i where i.indrelid = c.conrelid and i.indkey[0] = c.conkey[1])
          order by 1`,
      );
      assert.deepEqual(unindexed.map((row) => row.key), []);
    });

    it("the guide's removal leaves GoTrue's schema and rows, and nothing of Foyer's", async () => {
      assert.ok((await foyerObjects(database)).length > 20, 'Foyer has added its objects');
      await database.db.query(
        `insert into auth.users (instance_id, id, aud, role, email, created_at, updated_at, is_anonymous)
         values ('00000000-0000-0000-0000-000000000000', '6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b', 'authenticated', 'authenticated', 'kept@example.com', now(), now(), false)`,
      );
      await database.db.execScript(documentedRemoval());
      assert.deepEqual(await foyerObjects(database), []);
      assert.deepEqual(await readAuthCatalog(database.db), recorded.catalog);
      const users = await database.db.query<{ email: string }>(`select email from auth.users`);
      assert.deepEqual(users.map((row) => row.email), ['kept@example.com']);
    });

    it('a Foyer started again applies its migrations anew and finds the user', async () => {
      const result = await migrate(database.db);
      assert.ok(result.applied.some((name) => name.startsWith('0001_')), `applied: ${result.applied.join(', ')}`);
      assert.ok((await foyerObjects(database)).includes('foyer_schema_migrations'));
      const users = await database.db.query<{ email: string }>(`select email from auth.users`);
      assert.deepEqual(users.map((row) => row.email), ['kept@example.com']);
    });
  });
}
