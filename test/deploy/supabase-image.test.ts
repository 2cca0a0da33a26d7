/**
 * The test database that stands for a fresh supabase/postgres image (test/helpers/supabase-image.ts) is
 * in the image's pre-GoTrue state, its variants differ only where they say, several can be prepared at
 * once on one cluster, and the catalog snapshot (test/helpers/catalog.ts) sees what changes and only that.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import postgres from 'postgres';
import { openPostgres } from '../../src/store/postgres.js';
import { catalogDifferences, snapshotCatalog } from '../helpers/catalog.js';
import { postgresUrl } from '../helpers/engines.js';
import { createSupabaseImageDatabase, IMAGE_AUTH_MIGRATIONS, IMAGE_AUTH_TABLES } from '../helpers/supabase-image.js';

const skip = postgresUrl ? false : 'TEST_DATABASE_URL is not set';

describe('a database as the supabase/postgres image leaves it before GoTrue', { skip }, () => {
  it('has the old auth schema owned by supabase_auth_admin, the API roles, and a login that may not create', async () => {
    const database = await createSupabaseImageDatabase();
    const superuser = await openPostgres({ url: database.superuserUrl, poolSize: 1 });
    try {
      const catalog = await snapshotCatalog(superuser, { roles: ['anon', 'authenticated', 'service_role', 'supabase_auth_admin'], rowsOf: ['auth.schema_migrations'] });
      const authTables = Object.keys(catalog.relations).filter((name) => name.startsWith('auth.') && catalog.relations[name].kind === 'r');
      assert.deepEqual(authTables, IMAGE_AUTH_TABLES.map((table) => `auth.${table}`));
      for (const table of authTables) assert.equal(catalog.relations[table].owner, 'supabase_auth_admin', table);
      assert.equal(catalog.schemas.auth.owner, 'supabase_auth_admin');
      for (const role of ['anon', 'authenticated', 'service_role']) assert.ok(catalog.schemas.auth.acl.includes(`${role}=U/supabase_auth_admin`), role);
      const users = catalog.relations['auth.users'].columns;
      assert.equal(users.email_change_token, 'character varying(255)');
      assert.equal(users.email_change_token_new, undefined);
      assert.equal(users.is_anonymous, undefined);
      assert.deepEqual(catalog.constraints['auth.users.users_email_key'], 'UNIQUE (email)');
      assert.deepEqual(catalog.rows['auth.schema_migrations'], IMAGE_AUTH_MIGRATIONS.map((version) => JSON.stringify({ version })));
      for (const fn of ['auth.uid()', 'auth.role()', 'auth.email()']) assert.equal(catalog.functions[fn].owner, 'supabase_auth_admin', fn);
      assert.equal(catalog.roles.anon.attributes, '');
      assert.equal(catalog.roles.authenticated.attributes, '');
      assert.equal(catalog.roles.service_role.attributes, 'bypassrls');
      assert.equal(catalog.roles.supabase_auth_admin.attributes, 'login');
      assert.deepEqual(catalog.roles.supabase_auth_admin.config, ['search_path=auth']);
      assert.deepEqual(catalog.database.acl.filter((entry) => entry.startsWith('supabase_auth_admin=')), []);

      // The login as GoTrue's compose makes it: trust authentication, search_path auth, no CREATE.
      const login = postgres(database.authAdminUrl, { max: 1, onnotice: () => {} });
      try {
        const [me] = await login<{ user: string; path: string; create: boolean; authenticator: boolean }[]>`
          select current_user as user, current_setting('search_path') as path,
                 has_database_privilege(current_database(), 'CREATE') as create,
                 (select rolcanlogin from pg_roles where rolname = 'authenticator') as authenticator`;
        assert.deepEqual(me, { user: 'supabase_auth_admin', path: 'auth', create: false, authenticator: true });
        const [uid] = await login.begin(async (tx) => {
          await tx`select set_config('request.jwt.claim.sub', '6f1c3d3e-6d8e-4b67-9a55-3a0b8f0b1c2d', true)`;
          return tx<{ uid: string }[]>`select auth.uid()::text as uid`;
        });
        assert.equal(uid.uid, '6f1c3d3e-6d8e-4b67-9a55-3a0b8f0b1c2d', 'the old auth.uid() reads request.jwt.claim.sub');
      } finally {
        await login.end();
      }
    } finally {
      await superuser.close();
      await database.drop();
    }
  });

  it('variants: CREATE on the database, a login of its own that may create roles (dropped with it), DDL in auth refused', async () => {
    const database = await createSupabaseImageDatabase({ databaseCreate: true, createRole: true, authDdlProtection: true });
    const role = database.authAdminRole;
    assert.notEqual(role, 'supabase_auth_admin');
    const superuser = await openPostgres({ url: database.superuserUrl, poolSize: 1 });
    try {
      const catalog = await snapshotCatalog(superuser, { roles: [role] });
      assert.equal(catalog.roles[role].attributes, 'login createrole');
      assert.ok(catalog.database.acl.includes(`${role}=C/postgres`));
      assert.equal(catalog.schemas.auth.owner, role);
      await assert.rejects(superuser.query('alter table auth.users add column email_change_token_new varchar(255)'), /auth schema is protected/);
      await superuser.query('create table public.still_allowed (id int)');
    } finally {
      await superuser.close();
      await database.drop();
    }
    const cluster = postgres(postgresUrl!, { max: 1, onnotice: () => {} });
    try {
      const left = await cluster`select rolname from pg_roles where rolname = ${role}`;
      assert.equal(left.length, 0, 'the variant role is dropped');
      const shared = await cluster`select rolcreaterole from pg_roles where rolname = 'supabase_auth_admin'`;
      assert.deepEqual(shared.map((r) => r.rolcreaterole), [false], 'the shared login keeps NOCREATEROLE');
    } finally {
      await cluster.end();
    }
  });

  it('several are prepared at once on one cluster (the shared roles tolerate concurrent creators)', async () => {
    const databases = await Promise.all([1, 2, 3, 4].map(() => createSupabaseImageDatabase()));
    await Promise.all(databases.map((database) => database.drop()));
    assert.equal(new Set(databases.map((database) => database.name)).size, 4);
  });
});

describe('catalog snapshots', { skip }, () => {
  it('are equal when nothing changed, and list every change to schemas, columns, grants, functions and rows', async () => {
    const database = await createSupabaseImageDatabase();
    const superuser = await openPostgres({ url: database.superuserUrl, poolSize: 1 });
    try {
      const options = { roles: ['supabase_auth_admin'], rowsOf: ['auth.schema_migrations'] };
      const before = await snapshotCatalog(superuser, options);
      assert.deepEqual(catalogDifferences(before, await snapshotCatalog(superuser, options)), []);
      await superuser.execScript(`
        create schema extra;
        alter table auth.users add column nickname text default 'x';
        grant select on auth.users to authenticated;
        alter table auth.refresh_tokens enable row level security;
        create or replace function auth.uid() returns uuid language sql stable as $$ select null::uuid $$;
        insert into auth.schema_migrations (version) values ('20990101000000');`);
      const changes = catalogDifferences(before, await snapshotCatalog(superuser, options));
      const touched = (fragment: string) => changes.some((line) => line.includes(fragment));
      for (const fragment of ['schemas › extra', 'auth.users › columns › nickname', 'auth.users › acl', 'auth.refresh_tokens › rowSecurity', 'auth.uid() › details', 'auth.schema_migrations']) {
        assert.ok(touched(fragment), `${fragment} in:\n${changes.join('\n')}`);
      }
    } finally {
      await superuser.close();
      await database.drop();
    }
  });
});
