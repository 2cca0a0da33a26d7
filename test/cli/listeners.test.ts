/**
 * What `foyer start` serves where. Embedded (PGlite): everything on its one port, as ever. Drop-in
 * (DATABASE_URL): the auth listener answers GoTrue's not-found for the console, /platform/v1, the Data
 * API, /metrics and other projects (under /auth/v1 too, which is where a gateway that strips /auth/v1
 * would expose them), while the admin listener serves them; the Data API runs on its own login.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import postgres from 'postgres';
import { createCliProject, runCli, withDb, type CliProject } from '../helpers/cli.js';
import { createPostgresDatabase, engines, postgresUrl } from '../helpers/engines.js';
import { TEST_MASTER_KEY } from '../helpers/platform.js';
import { freePort } from '../helpers/ports.js';
import { killAllServers, startServer, type RunningServer } from '../helpers/server.js';

const BASE_DOMAIN = 'auth.example.test';

/** GoTrue's answer to a path it does not serve (legacy shape: no X-Supabase-Api-Version sent). */
async function assertGotrueNotFound(url: string, init: RequestInit = {}): Promise<void> {
  const response = await fetch(url, init);
  assert.equal(response.status, 404, `${init.method ?? 'GET'} ${url}`);
  assert.equal(response.headers.get('x-sb-error-code'), 'not_found', url);
  assert.deepEqual(await response.json(), { code: 404, error_code: 'not_found', msg: 'Not Found' }, url);
}

/** A login of the Data API's own: a member of the API roles, no superuser (dropped after the test). */
async function createRestLogin(project: CliProject, roles: readonly string[]): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `foyer_rest_${randomBytes(5).toString('hex')}`;
  // The database is migrated first: that creates the API roles (cluster-wide) this login joins.
  await withDb(project, async (db) => {
    await db.query(`create role ${name} login noinherit`);
    if (roles.length) await db.query(`grant ${roles.join(', ')} to ${name}`);
  });
  const url = new URL(project.url!);
  url.username = name;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      const admin = postgres(postgresUrl!, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`drop role if exists ${name}`);
      } finally {
        await admin.end();
      }
    },
  };
}

for (const engine of engines) {
  const dropIn = engine === 'postgres';
  describe(`foyer start listeners (${engine}: ${dropIn ? 'drop-in' : 'embedded'})`, () => {
    let project: CliProject;
    let otherDb: { url: string; drop: () => Promise<void> } | undefined;
    let restLogin: Awaited<ReturnType<typeof createRestLogin>> | undefined;
    let server: RunningServer;
    let adminPort: number;
    let ref: string;

    before(async () => {
      project = await createCliProject(engine);
      const env = { ...project.env, FOYER_MASTER_KEY: TEST_MASTER_KEY };
      if (dropIn) otherDb = await createPostgresDatabase();
      const created = await runCli(project, ['project', 'create', '--name', 'Other', ...(otherDb ? ['--database-url', otherDb.url] : [])], env);
      assert.equal(created.code, 0, created.stderr);
      ref = /Project ([a-z0-9]{20})/.exec(created.stdout)?.[1] ?? '';
      // whoami(): who runs a Data API request — the login (session_user) and the role it became.
      await withDb(project, (db) =>
        db.query(`create function public.whoami() returns text language sql stable as $$ select session_user::text || '/' || current_user::text $$`),
      );
      if (dropIn) restLogin = await createRestLogin(project, ['anon', 'authenticated', 'service_role']);
      adminPort = await freePort();
      server = await startServer({
        ...env,
        GOTRUE_LOG_LEVEL: 'warn',
        FOYER_BASE_DOMAIN: BASE_DOMAIN,
        FOYER_ADMIN_PORT: String(adminPort),
        ...(restLogin ? { FOYER_REST_DATABASE_URL: restLogin.url } : {}),
      });
    });

    after(async () => {
      await server?.stop().catch(() => {});
      await killAllServers();
      await otherDb?.drop();
      await project?.close();
      await restLogin?.drop();
    });

    it('prints what is where, and what is off', () => {
      const output = server.output();
      if (!dropIn) {
        assert.doesNotMatch(output, /Auth listener:|Admin listener:/);
        assert.equal(server.adminUrl, server.url);
        assert.match(output, new RegExp(`Console: +${server.url}/console`));
        return;
      }
      assert.match(output, /Auth listener: +GoTrue's routes only \(\/auth\/v1\/\*, \/\*, \/health, \/\.well-known\/\*\); drop-in mode \(DATABASE_URL\)/);
      assert.equal(server.adminUrl, `http://127.0.0.1:${adminPort}`);
      assert.match(output, new RegExp(`Admin listener: +http://127\\.0\\.0\\.1:${adminPort} +\\(console, /platform/v1, /p/<ref>, Data API, /metrics`));
      assert.match(output, new RegExp(`Data API: +http://127\\.0\\.0\\.1:${adminPort}/rest/v1 +\\(login ${restLogin!.name}, FOYER_REST_DATABASE_URL\\)`));
      assert.match(output, new RegExp(`Metrics: +http://127\\.0\\.0\\.1:${adminPort}/metrics`));
      assert.match(output, new RegExp(`Console: +http://127\\.0\\.0\\.1:${adminPort}/console`));
      assert.match(output, new RegExp(`Projects: +1 more at http://127\\.0\\.0\\.1:${adminPort}/p/<ref> \\(${ref}\\)`));
    });

    it('serves GoTrue’s routes on the auth listener, under /auth/v1 and at the root', async () => {
      for (const path of ['/health', '/auth/v1/health', '/settings', '/auth/v1/settings', '/.well-known/jwks.json', '/auth/v1/.well-known/openid-configuration']) {
        assert.equal((await fetch(`${server.url}${path}`)).status, 200, path);
      }
      // Foyer's admin extras in GoTrue's path space stay: they need the service_role key.
      const stats = await fetch(`${server.url}/auth/v1/admin/stats`, { headers: { authorization: `Bearer ${server.serviceRoleKey}`, apikey: server.serviceRoleKey } });
      assert.equal(stats.status, 200);
      assert.equal((await fetch(`${server.url}/auth/v1/admin/stats`)).status, 401);
    });

    const adminPaths = () => ['/console', '/console/setup', '/platform/v1/session', '/platform/v1/projects', '/rest/v1/', '/rest/v1/rpc/whoami', '/metrics', `/p/${ref}/auth/v1/health`, `/p/${ref}/rest/v1/`];

    it(dropIn ? 'answers GoTrue’s 404 on the auth listener for everything else, under /auth/v1 too' : 'serves everything on its one port; nothing listens on FOYER_ADMIN_PORT', async () => {
      if (!dropIn) {
        await assert.rejects(fetch(`http://127.0.0.1:${adminPort}/health`), 'no admin listener in embedded mode');
        return;
      }
      for (const path of adminPaths()) {
        await assertGotrueNotFound(`${server.url}${path}`);
        await assertGotrueNotFound(`${server.url}/auth/v1${path}`);
      }
      await assertGotrueNotFound(`${server.url}/platform/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      // Nor does a project's host name reach it: the default project answers, whatever the Host.
      const issuerOf = async (headers: Record<string, string>) =>
        ((await (await fetch(`${server.url}/auth/v1/.well-known/openid-configuration`, { headers })).json()) as { issuer: string }).issuer;
      const byHost = await issuerOf({ host: `${ref}.${BASE_DOMAIN}` });
      assert.equal(byHost, await issuerOf({}));
      assert.doesNotMatch(byHost, /\/p\//);
    });

    it('serves the console, /platform/v1, the Data API, /metrics and other projects on the admin listener (the one port embedded)', async () => {
      const admin = server.adminUrl;
      const consolePage = await fetch(`${admin}/console`);
      assert.equal(consolePage.status, 200);
      assert.match(consolePage.headers.get('content-type') ?? '', /text\/html/);
      const session = await fetch(`${admin}/platform/v1/session`);
      assert.equal(session.status, 401);
      assert.equal(((await session.json()) as { code: string }).code, 'console_login_required');
      const metrics = await fetch(`${admin}/metrics`, { headers: { authorization: `Bearer ${server.serviceRoleKey}` } });
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /foyer_users/);
      assert.equal((await fetch(`${admin}/p/${ref}/auth/v1/health`)).status, 200);
      const discovery = (await (await fetch(`${admin}/p/${ref}/auth/v1/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
      assert.match(discovery.issuer, new RegExp(`/p/${ref}/auth/v1$`));
      assert.equal(discovery.jwks_uri, `${discovery.issuer}/.well-known/jwks.json`);
      // The Data API: drop-in mode runs it on its own login, which becomes the caller's role.
      const whoami = await fetch(`${admin}/rest/v1/rpc/whoami`, { headers: { apikey: server.anonKey } });
      assert.equal(whoami.status, 200, await whoami.clone().text());
      const [login, role] = ((await whoami.json()) as string).split('/');
      assert.equal(role, 'anon');
      if (dropIn) assert.equal(login, restLogin!.name);
    });

    it('counts the auth listener’s requests in the /metrics the admin listener serves', async () => {
      assert.equal((await fetch(`${server.url}/auth/v1/.well-known/jwks.json`)).status, 200);
      const metrics = await (await fetch(`${server.adminUrl}/metrics`, { headers: { authorization: `Bearer ${server.serviceRoleKey}` } })).text();
      assert.match(metrics, /foyer_http_request_duration_seconds_count\{[^}]*route="\/auth\/v1\/\.well-known\/jwks\.json"[^}]*\} [1-9]/);
    });
  });
}

describe('foyer start drop-in: the Data API’s login and the admin listener switched off', { skip: postgresUrl ? false : 'TEST_DATABASE_URL is not set' }, () => {
  let project: CliProject;
  const logins: Awaited<ReturnType<typeof createRestLogin>>[] = [];

  before(async () => {
    project = await createCliProject('postgres');
  });
  after(async () => {
    await killAllServers();
    await project?.close();
    for (const login of logins) await login.drop();
  });

  it('refuses to start when the login lacks a membership, naming it and the GRANT to run', async () => {
    const login = await createRestLogin(project, ['anon', 'authenticated']);
    logins.push(login);
    const result = await runCli(project, ['start'], { PORT: '0', FOYER_ADMIN_PORT: String(await freePort()), FOYER_REST_DATABASE_URL: login.url });
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, new RegExp(`FOYER_REST_DATABASE_URL logs in as ${login.name}, which is not a member of service_role`));
    assert.match(result.stderr, new RegExp(`GRANT service_role TO ${login.name};`));
    assert.doesNotMatch(result.stdout, /Foyer is running/);
    // `foyer doctor` runs the same check.
    const doctor = await runCli(project, ['doctor'], { FOYER_REST_DATABASE_URL: login.url });
    assert.equal(doctor.code, 1, doctor.stdout + doctor.stderr);
    assert.match(doctor.stdout, new RegExp(`\\[PROBLEM\\] Data API login: .*not a member of service_role.*GRANT service_role TO ${login.name};`));
  });

  it('refuses the auth server’s own login for the Data API', async () => {
    const result = await runCli(project, ['start'], { PORT: '0', FOYER_ADMIN_PORT: String(await freePort()), FOYER_REST_DATABASE_URL: project.url! });
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, /FOYER_REST_DATABASE_URL logs in as postgres, the auth server's own login \(DATABASE_URL\)/);
  });

  it('with FOYER_ADMIN_PORT=off and no Data API login: serves GoTrue’s routes only, and says what is off', async () => {
    const server = await startServer({ ...project.env, GOTRUE_LOG_LEVEL: 'warn', FOYER_ADMIN_PORT: 'off' });
    try {
      const output = server.output();
      assert.match(output, /Admin listener: +off \(FOYER_ADMIN_PORT=off\): no console, \/platform\/v1, \/p\/<ref> projects, Data API or \/metrics/);
      assert.doesNotMatch(output, /Console:|Data API:|Metrics:|setup\?token=/);
      assert.equal((await fetch(`${server.url}/auth/v1/health`)).status, 200);
      for (const path of ['/console', '/platform/v1/session', '/rest/v1/', '/metrics']) await assertGotrueNotFound(`${server.url}${path}`);
    } finally {
      await server.stop();
    }
  });

  it('says the Data API is off without FOYER_REST_DATABASE_URL, and the admin listener does not serve it', async () => {
    const server = await startServer({ ...project.env, GOTRUE_LOG_LEVEL: 'warn' });
    try {
      assert.match(server.output(), /Data API: +off \(FOYER_REST_DATABASE_URL unset: a login that is a member of anon, authenticated and service_role\)/);
      assert.notEqual(server.adminUrl, server.url);
      await assertGotrueNotFound(`${server.adminUrl}/rest/v1/`);
      assert.equal((await fetch(`${server.adminUrl}/platform/v1/session`)).status, 401);
    } finally {
      await server.stop();
    }
  });
});
