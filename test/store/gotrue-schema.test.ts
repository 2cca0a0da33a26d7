/**
 * The `auth` schema Foyer leaves is GoTrue's at GOTRUE_SCHEMA_VERSION, whatever it started from: an
 * empty database, the supabase/postgres image's initial schema, an earlier Foyer's layout. It is
 * compared with the catalog recorded from a database GoTrue's own migrations built
 * (test/fixtures/gotrue-auth-schema.json), and every GoTrue version up to it is recorded, so GoTrue
 * starting on this database has nothing left to do. A migration that fails changes nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { GOTRUE_MIGRATION_VERSIONS, GOTRUE_SCHEMA_VERSION } from '../../src/store/gotrue-schema.js';
import { migrate } from '../../src/store/migrate.js';
import { readAuthCatalog, type AuthCatalog } from '../helpers/auth-catalog.js';
import { engines, openTestDatabase, type TestDatabase } from '../helpers/engines.js';
import { FOYER_01_LAYOUT, SUPABASE_IMAGE_AUTH_SCHEMA } from '../helpers/legacy-schemas.js';

const recorded = JSON.parse(readFileSync(new URL('../fixtures/gotrue-auth-schema.json', import.meta.url), 'utf8')) as {
  gotrueVersion: string;
  catalog: AuthCatalog;
};

async function recordedVersions(database: TestDatabase): Promise<string[]> {
  return (await database.db.query<{ version: string }>('select version::text as version from auth.schema_migrations')).map((row) => row.version);
}

/** Every relation, column and constraint Foyer may touch, its own included: to see that nothing changed. */
async function wholeCatalog(database: TestDatabase): Promise<unknown> {
  return {
    auth: await readAuthCatalog(database.db),
    relations: await database.db.query(
      `select n.nspname, c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') order by 1, 2`,
    ),
    schemas: await database.db.query(`select nspname from pg_namespace order by 1`),
    versions: await recordedVersions(database),
  };
}

for (const engine of engines) {
  describe(`GoTrue's auth schema (${engine})`, () => {
    it('the fixture is the version Foyer keeps', () => {
      assert.equal(recorded.gotrueVersion, GOTRUE_SCHEMA_VERSION);
      assert.equal(GOTRUE_MIGRATION_VERSIONS.at(-1), GOTRUE_SCHEMA_VERSION);
    });

    for (const [start, script] of [
      ['an empty database', ''],
      ["the supabase/postgres image's initial auth schema", SUPABASE_IMAGE_AUTH_SCHEMA],
      ["an earlier Foyer's layout", FOYER_01_LAYOUT],
    ] as const) {
      describe(`from ${start}`, () => {
        let database: TestDatabase;
        before(async () => {
          database = await openTestDatabase(engine);
          if (script) await database.db.execScript(script);
        });
        after(() => database.close());

        it("builds GoTrue's tables, columns, constraints, indexes, types and functions under their names", async () => {
          const result = await migrate(database.db);
          assert.ok(result.applied.includes(`gotrue ${GOTRUE_SCHEMA_VERSION}`));
          assert.deepEqual(await readAuthCatalog(database.db), recorded.catalog);
        });

        it('records every GoTrue version up to it, and a second run changes nothing', async () => {
          const versions = new Set(await recordedVersions(database));
          assert.deepEqual(GOTRUE_MIGRATION_VERSIONS.filter((version) => !versions.has(version)), []);
          const before = await wholeCatalog(database);
          assert.deepEqual((await migrate(database.db)).applied, []);
          assert.deepEqual(await wholeCatalog(database), before);
        });
      });
    }

    describe("from an earlier Foyer's layout", () => {
      it("moves Foyer's tables, with their rows, into auth and drops schema foyer", async () => {
        const database = await openTestDatabase(engine);
        try {
          await database.db.execScript(FOYER_01_LAYOUT);
          await migrate(database.db);
          const projects = await database.db.query<{ ref: string }>('select ref from auth.foyer_projects order by ref');
          assert.deepEqual(projects.map((row) => row.ref), ['default', 'shop']);
          const [schema] = await database.db.query<{ present: boolean }>(`select to_regnamespace('foyer') is not null as present`);
          assert.equal(schema.present, false);
          const indexes = await database.db.query<{ indexname: string }>(
            `select indexname from pg_indexes where schemaname = 'auth' and tablename in ('foyer_rate_limits', 'users') order by 1`,
          );
          assert.ok(indexes.some((row) => row.indexname === 'foyer_rate_limits_expires_at_idx'));
          assert.ok(indexes.some((row) => row.indexname === 'foyer_users_created_at_idx'));
        } finally {
          await database.close();
        }
      });
    });

    describe('a migration that fails', () => {
      it('leaves the database exactly as it was', async () => {
        const database = await openTestDatabase(engine);
        try {
          await database.db.execScript(SUPABASE_IMAGE_AUTH_SCHEMA);
          // Two rows with one token: GoTrue's unique key on refresh_tokens.token cannot be added.
          await database.db.execScript(
            `insert into auth.refresh_tokens (token, user_id, revoked) values ('aaaaaaaaaaaa', 'x', false), ('aaaaaaaaaaaa', 'y', false);`,
          );
          const before = await wholeCatalog(database);
          await assert.rejects(migrate(database.db), /refresh_tokens_token_unique|could not create unique index/);
          assert.deepEqual(await wholeCatalog(database), before);
        } finally {
          await database.close();
        }
      });
    });

    describe("GoTrue's data", () => {
      it('is served whatever it holds: factors of every type, SSO providers, OAuth-server clients and enabled custom providers start as they are', async () => {
        const database = await openTestDatabase(engine);
        try {
          await migrate(database.db);
          await database.db.execScript(`
            insert into auth.users (id, aud, role, email, created_at, updated_at) values
              ('00000000-0000-4000-8000-000000000001', 'authenticated', 'authenticated', 'mfa@example.com', now(), now());
            insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, secret, phone) values
              ('00000000-0000-4000-8000-0000000000f1', '00000000-0000-4000-8000-000000000001', 'phone app', 'totp', 'verified', now(), now(), 'S', null),
              ('00000000-0000-4000-8000-0000000000f2', '00000000-0000-4000-8000-000000000001', 'sms', 'phone', 'verified', now(), now(), null, '15550100'),
              ('00000000-0000-4000-8000-0000000000f3', '00000000-0000-4000-8000-000000000001', 'key', 'webauthn', 'verified', now(), now(), null, null);
            insert into auth.sso_providers (id, resource_id) values ('00000000-0000-4000-8000-0000000000a1', 'acme');
            insert into auth.oauth_clients (id, registration_type, redirect_uris, grant_types, token_endpoint_auth_method)
              values ('00000000-0000-4000-8000-0000000000c1', 'manual', 'https://app.example/cb', 'authorization_code', 'client_secret_basic');
            insert into auth.custom_oauth_providers (provider_type, identifier, name, client_id, client_secret, issuer)
              values ('oidc', 'custom:corp', 'Corp', 'client', 'secret', 'https://id.corp.example');`);
          const before = await wholeCatalog(database);
          assert.deepEqual((await migrate(database.db)).applied, []);
          assert.deepEqual(await wholeCatalog(database), before, 'nothing is changed');
        } finally {
          await database.close();
        }
      });
    });
  });
}
