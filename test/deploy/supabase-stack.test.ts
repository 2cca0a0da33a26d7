/**
 * Foyer in place of GoTrue in Supabase's self-hosting stack, as deploy/docker-compose.foyer.yml runs it:
 * the image's command (ENTRYPOINT + CMD) with the official auth service's environment, against a
 * database in the state the supabase/postgres image leaves it before GoTrue's first start, logged in
 * as `supabase_auth_admin` with the newest image's rights (NOCREATEROLE) and without CREATE on the
 * database. Only the port and the database's location differ from a fresh install's `.env`, so the
 * test can run next to others; anonymous sign-ins and mail autoconfirm are switched on as an operator
 * would in `.env`. Rows "as GoTrue stores them" are written with GoTrue's columns and formats. Then
 * the rights of older image generations, and a start that cannot finish.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hash } from '@node-rs/bcrypt';
import type { Db } from '../../src/store/db.js';
import { GOTRUE_MIGRATION_VERSIONS, GOTRUE_SCHEMA_VERSION } from '../../src/store/gotrue-schema.js';
import { openPostgres } from '../../src/store/postgres.js';
import { supabaseComposeAuthEnv, SUPABASE_COMPOSE_AUTH_SERVICE } from '../fixtures/supabase-compose-auth-env.js';
import { readAuthCatalog, type AuthCatalog } from '../helpers/auth-catalog.js';
import { catalogDifferences, snapshotCatalog } from '../helpers/catalog.js';
import { freePort, hostEnv, runToExit, startContainer, type ContainerProcess } from '../helpers/container-process.js';
import { finalStage, readDockerfile, stageWorkdir } from '../helpers/dockerfile.js';
import { postgresUrl } from '../helpers/engines.js';
import { checkoutCommand } from '../helpers/image-rootfs.js';
import { insertGoTrueV2Session, readV2Token } from '../helpers/gotrue-v2-session.js';
import { makeClient } from '../helpers/server.js';
import { createSupabaseImageDatabase, type SupabaseImageDatabase, type SupabaseImageOptions } from '../helpers/supabase-image.js';

const runtime = finalStage(readDockerfile());
const skip = postgresUrl ? false : 'TEST_DATABASE_URL is not set';

/**
 * The container's environment for `database`: image ENV, then the compose block (which wins, as in
 * Docker). Ports are free ones so that tests can run side by side: the auth port, and the admin
 * listener's (FOYER_ADMIN_PORT; a Foyer without that listener ignores the variable).
 */
async function stackEnvironment(database: SupabaseImageDatabase, port: number, dataDir: string): Promise<{ argv: string[]; env: Record<string, string> }> {
  const { argv, env: imageEnv } = checkoutCommand(runtime, stageWorkdir(runtime)!, dataDir);
  const compose = supabaseComposeAuthEnv({
    POSTGRES_HOST: database.host,
    POSTGRES_PORT: database.port,
    POSTGRES_DB: database.name,
    API_EXTERNAL_URL: `http://127.0.0.1:${port}`,
    ENABLE_ANONYMOUS_USERS: 'true',
    ENABLE_EMAIL_AUTOCONFIRM: 'true',
  });
  return { argv, env: { ...hostEnv(), ...imageEnv, ...compose, GOTRUE_API_PORT: String(port), FOYER_ADMIN_PORT: String(await freePort()) } };
}

/** bcrypt as GoTrue writes it: Go's bcrypt labels its hashes `$2a$` (same algorithm as `$2b$` for these lengths). */
async function gotrueBcrypt(password: string): Promise<string> {
  return (await hash(password, 10)).replace(/^\$2b\$/, '$2a$');
}

/** An email user with its email identity, every column as GoTrue's sign-up writes it. */
async function insertGotrueEmailUser(db: Db, email: string, password: string): Promise<string> {
  const id = randomUUID();
  await db.transaction(async (tx) => {
    await tx.query(
      `insert into auth.users (
         instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, invited_at,
         confirmation_token, confirmation_sent_at, recovery_token, recovery_sent_at,
         email_change_token_current, email_change_token_new, email_change, email_change_sent_at, email_change_confirm_status,
         phone, phone_confirmed_at, phone_change_token, phone_change, phone_change_sent_at,
         reauthentication_token, reauthentication_sent_at, last_sign_in_at,
         raw_app_meta_data, raw_user_meta_data, created_at, updated_at, banned_until, deleted_at, is_sso_user, is_anonymous)
       values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated', $2, $3, now() - interval '1 day', null,
         '', null, '', null,
         '', '', '', null, 0,
         null, null, '', '', null,
         '', null, now() - interval '1 day',
         '{"provider": "email", "providers": ["email"]}', '{}', now() - interval '2 days', now() - interval '1 day', null, null, false, false)`,
      [id, email, await gotrueBcrypt(password)],
    );
    await tx.query(
      `insert into auth.identities (id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
       values ($1, $2, $3, $4::jsonb, 'email', now() - interval '1 day', now() - interval '2 days', now() - interval '1 day')`,
      [randomUUID(), id, id, JSON.stringify({ sub: id, email, email_verified: false, phone_verified: false })],
    );
  });
  return id;
}

/** A session with a v1 refresh token (12 characters of [a-z0-9], one row per token), as GoTrue issues them. */
async function insertGotrueSession(db: Db, userId: string): Promise<{ sessionId: string; refreshToken: string }> {
  const sessionId = randomUUID();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const refreshToken = [...randomBytes(12)].map((byte) => alphabet[byte % alphabet.length]).join('');
  await db.transaction(async (tx) => {
    await tx.query(
      `insert into auth.sessions (id, user_id, created_at, updated_at, factor_id, aal, not_after, refreshed_at, user_agent, ip, tag)
       values ($1, $2, now() - interval '1 hour', now() - interval '1 hour', null, 'aal1', null, null, 'gotrue-era client', '203.0.113.7', null)`,
      [sessionId, userId],
    );
    await tx.query(
      `insert into auth.mfa_amr_claims (session_id, created_at, updated_at, authentication_method, id)
       values ($1, now() - interval '1 hour', now() - interval '1 hour', 'password', $2)`,
      [sessionId, randomUUID()],
    );
    await tx.query(
      `insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
       values ('00000000-0000-0000-0000-000000000000', $1, $2, false, now() - interval '1 hour', now() - interval '1 hour', null, $3)`,
      [refreshToken, userId, sessionId],
    );
  });
  return { sessionId, refreshToken };
}

describe("Foyer as the auth service of Supabase's compose stack", { skip }, () => {
  let database: SupabaseImageDatabase;
  let superuser: Db;
  let container: ContainerProcess;
  let url: string;
  let dataDir: string;
  let workdir: string;
  before(async () => {
    database = await createSupabaseImageDatabase();
    superuser = await openPostgres({ url: database.superuserUrl, poolSize: 2 });
    dataDir = mkdtempSync(join(tmpdir(), 'foyer-stack-data-'));
    // The image's WORKDIR holds no .env (.dockerignore): an empty directory stands for it.
    workdir = mkdtempSync(join(tmpdir(), 'foyer-stack-app-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const { argv, env } = await stackEnvironment(database, port, dataDir);
    container = await startContainer({ argv, cwd: workdir, env, port });
  });
  after(async () => {
    await container?.stop().catch(() => undefined);
    await superuser?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(workdir, { recursive: true, force: true });
  });

  it('starts as supabase_auth_admin, which may neither create roles nor create in the database, and the compose healthcheck passes', async () => {
    assert.equal(database.authAdminRole, 'supabase_auth_admin');
    const [rights] = await superuser.query<{ createrole: boolean; create: boolean }>(
      `select rolcreaterole as createrole, has_database_privilege('supabase_auth_admin', current_database(), 'CREATE') as "create"
         from pg_roles where rolname = 'supabase_auth_admin'`,
    );
    assert.deepEqual(rights, { createrole: false, create: false });
    assert.match(container.output(), /Database:\s+postgres:\/\/supabase_auth_admin:\*\*\*@/, 'connected as the compose login, password hidden');
    const [command, ...args] = SUPABASE_COMPOSE_AUTH_SERVICE.healthcheck.test.slice(1);
    const check = spawnSync(command, args.map((arg) => arg.replace('localhost:9999', `localhost:${container.port}`)), { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    assert.deepEqual(readdirSync(dataDir), [], 'with a database URL nothing is written to FOYER_DATA_DIR');
  });

  it(`leaves GoTrue's auth schema at ${GOTRUE_SCHEMA_VERSION} with every GoTrue version recorded, and its own tables in auth as foyer_*`, async () => {
    const recorded = JSON.parse(readFileSync(new URL('../fixtures/gotrue-auth-schema.json', import.meta.url), 'utf8')) as { catalog: AuthCatalog };
    assert.deepEqual(await readAuthCatalog(superuser), recorded.catalog);
    const versions = new Set((await superuser.query<{ version: string }>('select version::text as version from auth.schema_migrations')).map((r) => r.version));
    assert.deepEqual(GOTRUE_MIGRATION_VERSIONS.filter((version) => !versions.has(version)), []);
    const catalog = await snapshotCatalog(superuser);
    assert.deepEqual(Object.keys(catalog.schemas), ['auth', 'extensions', 'public'], 'no schema of its own');
    const own = Object.keys(catalog.relations)
      .filter((name) => name.startsWith('auth.') && catalog.relations[name].kind === 'r')
      .map((name) => name.slice('auth.'.length))
      .filter((table) => !(table in recorded.catalog.tables));
    assert.ok(own.length > 0);
    assert.deepEqual(own.filter((table) => !table.startsWith('foyer_')), []);
  });

  it('a user GoTrue stored (bcrypt $2a$ hash, email identity) signs in with its password', async () => {
    const email = `gotrue-${randomBytes(4).toString('hex')}@example.com`;
    const id = await insertGotrueEmailUser(superuser, email, 'a password from the GoTrue days');
    const client = makeClient(url, container.bannerValue('anon key:')!);
    const { data, error } = await client.auth.signInWithPassword({ email, password: 'a password from the GoTrue days' });
    assert.equal(error, null);
    assert.equal(data.user?.id, id);
    assert.equal(data.user?.is_anonymous, false);
    const wrong = await client.auth.signInWithPassword({ email, password: 'not the password' });
    assert.equal(wrong.error?.code, 'invalid_credentials');
  });

  it('an anonymous user signs in and converts with email and password, keeping its id', async () => {
    const client = makeClient(url, container.bannerValue('anon key:')!);
    const anonymous = await client.auth.signInAnonymously();
    assert.equal(anonymous.error, null);
    const id = anonymous.data.user!.id;
    assert.equal(anonymous.data.user?.is_anonymous, true);
    const email = `converted-${id.slice(0, 8)}@example.com`;
    const updated = await client.auth.updateUser({ email, password: 'converted password 123' });
    assert.equal(updated.error, null);
    assert.equal(updated.data.user?.id, id);
    assert.equal(updated.data.user?.email, email, 'GOTRUE_MAILER_AUTOCONFIRM applies the address at once');
    assert.equal(updated.data.user?.is_anonymous, false);
    const again = await makeClient(url, container.bannerValue('anon key:')!).auth.signInWithPassword({ email, password: 'converted password 123' });
    assert.equal(again.error, null);
    assert.equal(again.data.user?.id, id);
  });

  it('a refresh token GoTrue issued (a v1 row in auth.refresh_tokens) refreshes once', async () => {
    const email = `session-${randomBytes(4).toString('hex')}@example.com`;
    const userId = await insertGotrueEmailUser(superuser, email, 'another gotrue password');
    const { sessionId, refreshToken } = await insertGotrueSession(superuser, userId);
    const client = makeClient(url, container.bannerValue('anon key:')!);
    const { data, error } = await client.auth.refreshSession({ refresh_token: refreshToken });
    assert.equal(error, null);
    assert.equal(data.user?.id, userId);
    assert.notEqual(data.session?.refresh_token, refreshToken);
    const claims = JSON.parse(Buffer.from(data.session!.access_token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    assert.equal(claims.session_id, sessionId);
    const [old] = await superuser.query<{ revoked: boolean }>('select revoked from auth.refresh_tokens where token = $1', [refreshToken]);
    assert.equal(old.revoked, true);
  });

  it("auth.uid() reads PostgREST's request.jwt.claims (the stack's PostgREST sets no legacy settings)", async () => {
    const sub = randomUUID();
    const [row] = await superuser.transaction(async (tx) => {
      await tx.query(`select set_config('request.jwt.claims', $1, true)`, [JSON.stringify({ sub, role: 'authenticated' })]);
      await tx.query('set local role authenticated');
      return tx.query<{ uid: string; role: string }>('select auth.uid()::text as uid, auth.role() as role');
    });
    assert.deepEqual(row, { uid: sub, role: 'authenticated' });
  });
});

describe('Foyer on a database a newer GoTrue migrated and served (GoTrue 20260625000000 and one later migration)', { skip }, () => {
  // GoTrue's schema as its migrations leave it. Foyer's converging script builds exactly that catalog
  // (test/store/gotrue-schema.test.ts compares it with the one recorded from GoTrue's migrations); run
  // here as supabase_auth_admin, it stands for GoTrue's own run. A later GoTrue migration then adds a
  // column Foyer does not know, and records its version.
  const gotrueSchema = readFileSync(fileURLToPath(new URL('../../src/store/migrations/gotrue/auth-schema.sql', import.meta.url)), 'utf8');
  const LATER_VERSION = '20991231000000';
  let database: SupabaseImageDatabase;
  let superuser: Db;
  let container: ContainerProcess;
  let url: string;
  let dataDir: string;
  let workdir: string;
  let gotrueCatalog: AuthCatalog;
  let gotrueVersions: string[];
  const versions = async () =>
    (await superuser.query<{ version: string }>('select version::text as version from auth.schema_migrations order by 1')).map((row) => row.version);
  before(async () => {
    database = await createSupabaseImageDatabase();
    const asAuthAdmin = await openPostgres({ url: database.authAdminUrl, poolSize: 1 });
    try {
      await asAuthAdmin.execScript(
        `${gotrueSchema}\n;insert into auth.schema_migrations (version) values ${[...GOTRUE_MIGRATION_VERSIONS, LATER_VERSION]
          .map((version) => `('${version}')`)
          .join(', ')} on conflict do nothing;\nalter table auth.users add column later_gotrue_column text;`,
      );
    } finally {
      await asAuthAdmin.close();
    }
    superuser = await openPostgres({ url: database.superuserUrl, poolSize: 2 });
    gotrueCatalog = await readAuthCatalog(superuser);
    gotrueVersions = await versions();
    dataDir = mkdtempSync(join(tmpdir(), 'foyer-stack-data-'));
    workdir = mkdtempSync(join(tmpdir(), 'foyer-stack-app-'));
  });
  after(async () => {
    await container?.stop().catch(() => undefined);
    await superuser?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(workdir, { recursive: true, force: true });
  });

  it("starts as supabase_auth_admin and leaves GoTrue's tables and versions as they were", async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const { argv, env } = await stackEnvironment(database, port, dataDir);
    container = await startContainer({ argv, cwd: workdir, env, port });
    assert.deepEqual(await readAuthCatalog(superuser), gotrueCatalog, "Foyer's additions are all named foyer_*");
    assert.deepEqual(await versions(), gotrueVersions);
  });

  it('sessions GoTrue started keep working: a password user signs in, v1 and v2 refresh tokens refresh', async () => {
    const anonKey = container.bannerValue('anon key:')!;
    const v2 = await insertGoTrueV2Session(superuser, { counter: 4 });
    const signIn = await makeClient(url, anonKey).auth.signInWithPassword({ email: v2.email, password: v2.password });
    assert.equal(signIn.error, null);
    assert.equal(signIn.data.user?.id, v2.userId);
    const refreshedV2 = await makeClient(url, anonKey).auth.refreshSession({ refresh_token: v2.token(4) });
    assert.equal(refreshedV2.error, null);
    assert.deepEqual(readV2Token(refreshedV2.data.session!.refresh_token), { sessionId: v2.sessionId, counter: 5n });
    const email = `v1-${randomBytes(4).toString('hex')}@example.com`;
    const { refreshToken } = await insertGotrueSession(superuser, await insertGotrueEmailUser(superuser, email, 'a gotrue password'));
    const refreshedV1 = await makeClient(url, anonKey).auth.refreshSession({ refresh_token: refreshToken });
    assert.equal(refreshedV1.error, null);
    assert.equal(refreshedV1.data.user?.email, email);
  });
});

describe("Foyer starts with the rights each generation of the supabase/postgres image gives its login", { skip }, () => {
  const generations: readonly [string, SupabaseImageOptions][] = [
    ['before 20251121141100: CREATEROLE, no CREATE on the database', { createRole: true }],
    ['20251121141100 to 20260821154147: CREATEROLE and CREATE on the database', { createRole: true, databaseCreate: true }],
    ['from 20260821154147: CREATE on the database, NOCREATEROLE', { databaseCreate: true }],
  ];
  for (const [label, options] of generations) {
    it(label, async () => {
      const database = await createSupabaseImageDatabase(options);
      const dataDir = mkdtempSync(join(tmpdir(), 'foyer-stack-data-'));
      const workdir = mkdtempSync(join(tmpdir(), 'foyer-stack-app-'));
      try {
        const port = await freePort();
        const { argv, env } = await stackEnvironment(database, port, dataDir);
        // A variant that may create roles logs in as a role of its own (roles are shared by the cluster).
        const login = new URL(env.GOTRUE_DB_DATABASE_URL);
        login.username = database.authAdminRole;
        const started = await startContainer({ argv, cwd: workdir, env: { ...env, GOTRUE_DB_DATABASE_URL: login.toString() }, port });
        const client = makeClient(`http://127.0.0.1:${port}`, started.bannerValue('anon key:')!);
        const { data, error } = await client.auth.signInAnonymously();
        assert.equal(error, null);
        assert.equal(data.user?.is_anonymous, true);
        assert.equal(await started.stop(), 0);
      } finally {
        await database.drop();
        rmSync(dataDir, { recursive: true, force: true });
        rmSync(workdir, { recursive: true, force: true });
      }
    });
  }
});

describe('a start Foyer cannot complete on a supabase/postgres database leaves it as it was', { skip }, () => {
  const variants: readonly [string, SupabaseImageOptions][] = [
    // DDL in auth refused by an event trigger; CREATE on the database granted, so nothing else stops it earlier.
    ['auth schema protected against DDL', { databaseCreate: true, authDdlProtection: true }],
  ];
  for (const [label, options] of variants) {
    it(`${label}: the start fails naming the cause, and the catalog is unchanged`, async () => {
      const database = await createSupabaseImageDatabase(options);
      const dataDir = mkdtempSync(join(tmpdir(), 'foyer-stack-data-'));
      const workdir = mkdtempSync(join(tmpdir(), 'foyer-stack-app-'));
      const superuser = await openPostgres({ url: database.superuserUrl, poolSize: 1 });
      try {
        const snapshot = () => snapshotCatalog(superuser, { roles: [database.authAdminRole], rowsOf: ['auth.schema_migrations'] });
        const before = await snapshot();
        const port = await freePort();
        const { argv, env } = await stackEnvironment(database, port, dataDir);
        const exited = await runToExit({ argv, cwd: workdir, env, port });
        assert.notEqual(exited.code, 0, exited.output);
        assert.match(exited.output, /the auth schema is protected/);
        assert.deepEqual(catalogDifferences(before, await snapshot()), []);
      } finally {
        await superuser.close();
        await database.drop();
        rmSync(dataDir, { recursive: true, force: true });
        rmSync(workdir, { recursive: true, force: true });
      }
    });
  }
});
