/**
 * Two `foyer start` processes on one PostgreSQL database: a setting changed through one is in force on
 * the other within a second (LISTEN/NOTIFY), a changed rate limit keeps the counts both made, and a project created on one is served by the other, and
 * no longer once deleted. Drop-in mode: the console and other projects are on each one's admin listener,
 * the default project's auth API on its auth listener.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createPostgresDatabase, postgresUrl } from '../helpers/engines.js';
import { TEST_MASTER_KEY } from '../helpers/platform.js';
import { TEST_JWT_SECRET } from '../helpers/project.js';
import { killAllServers, makeClient, startServer, type RunningServer } from '../helpers/server.js';

const ANON = 'GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED';
const LIMIT = 'GOTRUE_RATE_LIMIT_ANONYMOUS_USERS';
const ADMIN = { email: 'ops@example.com', password: 'correct horse battery staple' };

interface Console {
  readonly cookie: string;
  readonly csrf: string;
}

async function consoleCall(server: RunningServer, session: Console, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.adminUrl}/platform/v1${path}`, {
    method,
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** Milliseconds until `check` holds (polling every 25 ms), or throws after `limitMs`. */
async function timeUntil(check: () => Promise<boolean>, limitMs: number, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > limitMs) throw new Error(`${what}: not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const anonymousSignIn = async (url: string, key: string) => {
  const { data, error } = await makeClient(url, key).auth.signInAnonymously();
  return error ? { ok: false as const, code: error.code } : { ok: true as const, id: data.user?.id };
};

/** An anonymous sign-in over a connection from `localAddress` (a client address of its own); the status. */
const signInFrom = (url: string, key: string, localAddress: string) =>
  new Promise<number>((resolve, reject) => {
    const target = new URL('/auth/v1/signup', url);
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        localAddress,
        agent: false,
        headers: { apikey: key, authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-supabase-api-version': '2024-01-01' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end('{}');
  });

/** The anonymous sign-in limit a process has in force (GET /settings counts against no limit). */
const anonymousLimitAt = async (server: RunningServer) => {
  const settings = (await (await fetch(`${server.url}/auth/v1/settings`)).json()) as {
    foyer_protections: { rate_limits: { anonymous_users: { limit: number } } };
  };
  return settings.foyer_protections.rate_limits.anonymous_users.limit;
};

describe('two Foyer processes on one PostgreSQL database', { skip: postgresUrl ? false : 'TEST_DATABASE_URL is not set' }, () => {
  let control: { url: string; drop: () => Promise<void> };
  let projectDb: { url: string; drop: () => Promise<void> };
  let a: RunningServer;
  let b: RunningServer;
  let session: Console;

  before(async () => {
    [control, projectDb] = await Promise.all([createPostgresDatabase(), createPostgresDatabase()]);
    const env = { DATABASE_URL: control.url, GOTRUE_JWT_SECRET: TEST_JWT_SECRET, FOYER_MASTER_KEY: TEST_MASTER_KEY, GOTRUE_LOG_LEVEL: 'warn' };
    a = await startServer(env);
    b = await startServer(env);
    const token = /\/console\/setup\?token=(\S+)/.exec(a.output())?.[1];
    assert.ok(token, `a setup link in the banner:\n${a.output()}`);
    const response = await fetch(`${a.adminUrl}/platform/v1/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, ...ADMIN }),
    });
    assert.equal(response.status, 200);
    session = { cookie: (response.headers.get('set-cookie') ?? '').split(';')[0], csrf: ((await response.json()) as { csrf_token: string }).csrf_token };
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()].map((stopping) => stopping?.catch(() => {})));
    await killAllServers();
    await control?.drop();
    await projectDb?.drop();
  });

  it('shares console sessions: logged in through one, recognised by the other', async () => {
    const me = await consoleCall(b, session, 'GET', '/session');
    assert.equal((me.admin as { email: string }).email, ADMIN.email);
  });

  it('a setting changed through one process is in force on the other within a second', async () => {
    // Off by default on PostgreSQL (GoTrue's default), and not pinned: this environment does not set it.
    assert.deepEqual(await anonymousSignIn(b.url, b.anonKey), { ok: false, code: 'anonymous_provider_disabled' });
    await consoleCall(a, session, 'PATCH', '/projects/default/settings', { changes: { [ANON]: 'true' } });
    const onElapsed = await timeUntil(async () => (await anonymousSignIn(b.url, b.anonKey)).ok, 1000, 'sign-ins on at B');
    await consoleCall(b, session, 'PATCH', '/projects/default/settings', { changes: { [ANON]: 'false' } });
    const offElapsed = await timeUntil(async () => !(await anonymousSignIn(a.url, a.anonKey)).ok, 1000, 'sign-ins off at A');
    assert.deepEqual(await anonymousSignIn(a.url, a.anonKey), { ok: false, code: 'anonymous_provider_disabled' });
    assert.ok(onElapsed < 1000 && offElapsed < 1000, `${onElapsed} ms, ${offElapsed} ms`);
  });

  it('a limit changed through one process keeps the counts of both, and is in force on the other at once', async () => {
    const client = '127.0.0.7';
    await consoleCall(a, session, 'PATCH', '/projects/default/settings', { changes: { [ANON]: 'true', [LIMIT]: '30/1h' } });
    await timeUntil(async () => (await anonymousLimitAt(b)) === 30, 1000, 'the limit of 30 at B');
    const first = [];
    for (let i = 0; i < 8; i += 1) first.push(await signInFrom(i % 2 ? b.url : a.url, i % 2 ? b.anonKey : a.anonKey, client));
    assert.deepEqual(first, Array(8).fill(200));
    // Tightened through A: B refuses the client (over the new limit, counted on both) as soon as it has it.
    await consoleCall(a, session, 'PATCH', '/projects/default/settings', { changes: { [LIMIT]: '5/1h' } });
    await timeUntil(async () => (await anonymousLimitAt(b)) === 5, 1000, 'the limit of 5 at B');
    assert.deepEqual([await signInFrom(b.url, b.anonKey, client), await signInFrom(a.url, a.anonKey, client)], [429, 429]);
    // Widened through B: 8 admitted and 2 refused are counted, so 12 admits exactly 2 more, over both.
    await consoleCall(b, session, 'PATCH', '/projects/default/settings', { changes: { [LIMIT]: '12/1h' } });
    await timeUntil(async () => (await anonymousLimitAt(a)) === 12, 1000, 'the limit of 12 at A');
    const widened = [];
    for (let i = 0; i < 3; i += 1) widened.push(await signInFrom(i % 2 ? b.url : a.url, i % 2 ? b.anonKey : a.anonKey, client));
    assert.deepEqual(widened, [200, 200, 429]);
    await consoleCall(a, session, 'PATCH', '/projects/default/settings', { changes: { [ANON]: 'false', [LIMIT]: null } });
  });

  it('a project created through one process is served by the other, and its settings follow', async () => {
    const project = (await consoleCall(a, session, 'POST', '/projects', { name: 'Shared', database_url: projectDb.url })) as {
      ref: string;
      anon_key: string;
    };
    const atB = `${b.adminUrl}/p/${project.ref}`;
    await timeUntil(async () => (await fetch(`${atB}/auth/v1/health`)).status === 200, 5000, 'the project at B');
    await consoleCall(a, session, 'PATCH', `/projects/${project.ref}/settings`, { changes: { [ANON]: 'true' } });
    await timeUntil(async () => (await anonymousSignIn(atB, project.anon_key)).ok, 1000, 'project sign-ins on at B');
    await consoleCall(b, session, 'PATCH', `/projects/${project.ref}/settings`, { changes: { [ANON]: 'false' } });
    await timeUntil(
      async () => (await anonymousSignIn(`${a.adminUrl}/p/${project.ref}`, project.anon_key)).code === 'anonymous_provider_disabled',
      1000,
      'project sign-ins off at A',
    );
    // The default project of either process is not affected, nor are tokens interchangeable.
    const inProject = await makeClient(`${a.adminUrl}/p/${project.ref}`, project.anon_key).auth.signInAnonymously();
    assert.equal(inProject.error?.code, 'anonymous_provider_disabled');
    const versions = (await consoleCall(b, session, 'GET', `/projects/${project.ref}/settings/versions`)).versions as { version: number }[];
    assert.deepEqual(versions.map((v) => v.version), [2, 1]);
  });

  it('a project deleted through one process is no longer served by the other, and its database can be a project again', async () => {
    const { projects } = (await consoleCall(a, session, 'GET', '/projects')) as { projects: { ref: string; name: string }[] };
    const shared = projects.find((project) => project.name === 'Shared')!;
    const deleted = await consoleCall(b, session, 'DELETE', `/projects/${shared.ref}`, { confirm: shared.ref });
    assert.deepEqual(deleted, { deleted: shared.ref, database: { kind: 'postgres', removed: false } });
    await timeUntil(async () => (await fetch(`${a.adminUrl}/p/${shared.ref}/auth/v1/health`)).status === 404, 1000, 'the project gone at A');
    const again = (await consoleCall(a, session, 'POST', '/projects', { name: 'Shared again', database_url: projectDb.url })) as { ref: string };
    assert.notEqual(again.ref, shared.ref);
    await timeUntil(async () => (await fetch(`${b.adminUrl}/p/${again.ref}/auth/v1/health`)).status === 200, 5000, 'the new project at B');
  });
});
