/**
 * Foyer needs no privilege GoTrue does not: a login that owns schema `auth`, without CREATEROLE, without
 * CREATE on the database and without membership in the API roles, is enough. What is missing is found
 * before anything changes and named with the SQL that fixes it. On PostgreSQL the login is a real one
 * (roles are shared by the cluster, so the API roles exist there); PGlite is a cluster of its own, where
 * they are missing until someone creates them.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import postgres from 'postgres';
import type { Db } from '../../src/store/db.js';
import { migrate, MigrationRefusedError } from '../../src/store/migrate.js';
import { openPostgres } from '../../src/store/postgres.js';
import { readAuthCatalog, type AuthCatalog } from '../helpers/auth-catalog.js';
import { engines, openTestDatabase, postgresUrl, type TestDatabase } from '../helpers/engines.js';
import { readFileSync } from 'node:fs';

const recorded = JSON.parse(readFileSync(new URL('../fixtures/gotrue-auth-schema.json', import.meta.url), 'utf8')) as { catalog: AuthCatalog };

interface AsLogin {
  readonly login: string;
  /** The database as seen by the restricted login. */
  readonly db: Db;
  close(): Promise<void>;
}

/** A NOSUPERUSER NOCREATEROLE login, and a connection to the test database as that login. */
async function restrictedLogin(database: TestDatabase): Promise<AsLogin> {
  const login = `foyer_login_${randomBytes(4).toString('hex')}`;
  await database.db.execScript(`create role ${login} login nosuperuser nocreaterole noinherit;`);
  if (database.engine === 'pglite') {
    // PGlite has one connection: the session becomes the login's (and back with SET, which PGlite's
    // single-user backend honours where RESET leaves the login in place).
    await database.db.execScript(`set session authorization ${login};`);
    return {
      login,
      db: database.db,
      close: async () => {
        await database.db.execScript('set session authorization postgres;');
      },
    };
  }
  const url = new URL(database.url!);
  url.username = login;
  const db = await openPostgres({ url: url.toString(), poolSize: 2 });
  return {
    login,
    db,
    close: async () => {
      await db.close();
      const admin = postgres(postgresUrl!, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop owned by ${login} cascade`).catch(() => {});
      await admin.end();
    },
  };
}

async function schemas(db: Db): Promise<string[]> {
  return (await db.query<{ nspname: string }>(`select nspname from pg_namespace where nspname in ('auth', 'foyer') order by 1`)).map((row) => row.nspname);
}

for (const engine of engines) {
  describe(`migrating as a login without CREATEROLE or database CREATE (${engine})`, () => {
    let database: TestDatabase;
    let asLogin: AsLogin;
    before(async () => {
      database = await openTestDatabase(engine);
      asLogin = await restrictedLogin(database);
    });
    after(async () => {
      await asLogin.close();
      if (engine === 'postgres') {
        await database.close();
        const admin = postgres(postgresUrl!, { max: 1, onnotice: () => {} });
        await admin.unsafe(`drop role if exists ${asLogin.login}`);
        await admin.end();
      } else {
        await database.close();
      }
    });

    it('refuses an empty database it may not create schema auth in, names the fix and changes nothing', async () => {
      await assert.rejects(migrate(asLogin.db), (error: Error) => {
        assert.ok(error instanceof MigrationRefusedError);
        assert.match(error.message, new RegExp(`create schema auth authorization ${asLogin.login};`));
        return true;
      });
      assert.deepEqual(await schemas(asLogin.db), []);
    });

    it('with schema auth its own, migrates to GoTrue\'s schema, or names the missing API roles', async () => {
      if (engine === 'pglite') {
        await asLogin.db.execScript(`set session authorization postgres; create schema auth authorization ${asLogin.login}; set session authorization ${asLogin.login};`);
        await assert.rejects(migrate(asLogin.db), (error: Error) => {
          assert.match(error.message, /The role\(s\) anon, authenticated, service_role do not exist/);
          assert.match(error.message, /create role service_role nologin noinherit bypassrls;/);
          return true;
        });
        const [tables] = await asLogin.db.query<{ count: number }>(`select count(*)::int as count from pg_tables where schemaname = 'auth'`);
        assert.equal(tables.count, 0, 'nothing was created');
        await asLogin.db.execScript(
          `set session authorization postgres; create role anon nologin noinherit; create role authenticated nologin noinherit;
           create role service_role nologin noinherit bypassrls; set session authorization ${asLogin.login};`,
        );
      } else {
        await database.db.execScript(`create schema auth authorization ${asLogin.login};`);
      }
      await migrate(asLogin.db);
      assert.deepEqual(await readAuthCatalog(asLogin.db), recorded.catalog);
      const [grants] = await asLogin.db.query<{ member: boolean; public_defaults: number; api_usage: boolean }>(
        `select pg_has_role($1, 'anon', 'MEMBER') or pg_has_role($1, 'authenticated', 'MEMBER')
                  or pg_has_role($1, 'service_role', 'MEMBER') as member,
                (select count(*)::int from pg_default_acl where defaclrole = $1::regrole) as public_defaults,
                has_schema_privilege('authenticated', 'auth', 'USAGE') as api_usage`,
        [asLogin.login],
      );
      assert.deepEqual(grants, { member: false, public_defaults: 0, api_usage: true });
    });

    it("refuses a schema auth it does not own, naming the owner and the fix", async () => {
      const other = await openTestDatabase(engine);
      const login = await restrictedLogin(other);
      try {
        if (engine === 'pglite') await other.db.execScript('set session authorization postgres; create schema auth; set session authorization ' + login.login + ';');
        else await other.db.execScript('create schema auth;');
        await assert.rejects(migrate(login.db), (error: Error) => {
          assert.match(error.message, new RegExp(`${login.login} may not create objects in schema "auth"`));
          assert.match(error.message, new RegExp(`alter schema auth owner to ${login.login};`));
          return true;
        });
      } finally {
        await login.close();
        await other.close();
        if (engine === 'postgres') {
          const admin = postgres(postgresUrl!, { max: 1, onnotice: () => {} });
          await admin.unsafe(`drop role if exists ${login.login}`);
          await admin.end();
        }
      }
    });
  });
}
