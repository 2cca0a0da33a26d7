/**
 * The CLI works beside the server it manages (docs/operations.md, "The CLI beside a running server"):
 * while `foyer start` serves, `foyer stats`, `users`, `audit`, `doctor`, `cleanup` and `project list|create`
 * answer; `doctor` and `users --stale` see a setting changed through the platform API as the console changes
 * it; `--project` selects another project. On the embedded database the server owns the data directory and
 * answers over its local admin socket; on PostgreSQL the CLI opens the database beside it.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { lstatSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCliProject, runCli, startCli, type CliProject } from '../helpers/cli.js';
import { createPostgresDatabase, engines } from '../helpers/engines.js';
import { TEST_MASTER_KEY } from '../helpers/platform.js';
import { freePort } from '../helpers/ports.js';

interface Running {
  readonly pid: number;
  readonly apiUrl: string;
  readonly platformUrl: string;
  /** Where the console and other projects are: the one port (embedded), the admin listener (drop-in). */
  readonly adminOrigin: string;
  readonly setupUrl: string;
  readonly anonKey: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

async function startServer(project: CliProject, env: Record<string, string>): Promise<Running> {
  const adminPort = await freePort();
  const child = startCli(project, ['start'], { PORT: '0', GOTRUE_API_HOST: '127.0.0.1', FOYER_ADMIN_PORT: String(adminPort), ...env });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  };
  // Generous: a loaded machine compiles the sources slowly on a first start.
  const deadline = Date.now() + 240_000;
  while (!/Console setup \(one-time\): +\S+/.test(stdout)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      assert.fail(`foyer start did not come up:\n${stdout}\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const apiUrl = /API URL \(createClient\): +(\S+)/.exec(stdout)![1];
  const setupUrl = /Console setup \(one-time\): +(\S+)/.exec(stdout)![1];
  return {
    pid: child.pid!,
    apiUrl,
    platformUrl: `${new URL(setupUrl).origin}/platform/v1`,
    adminOrigin: new URL(setupUrl).origin,
    setupUrl,
    anonKey: /anon key: +(\S+)/.exec(stdout)![1],
    stop,
  };
}

/** The console's session: the first administrator set up with the one-time link, as a person does. */
async function consoleSession(server: Running): Promise<ConsoleCall> {
  const token = new URL(server.setupUrl).searchParams.get('token');
  const response = await fetch(`${server.platformUrl}/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, email: 'ops@example.com', password: 'correct horse battery staple' }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  const cookie = response.headers.get('set-cookie')!.split(';')[0];
  const { csrf_token: csrf } = (await response.json()) as { csrf_token: string };
  return async (method: string, path: string, body?: unknown) => {
    const answer = await fetch(`${server.platformUrl}${path}`, {
      method,
      headers: { cookie, 'x-csrf-token': csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.equal(answer.status, 200, `${method} ${path}: ${await answer.clone().text()}`);
    return answer.json() as Promise<Record<string, unknown>>;
  };
}

async function signInAnonymously(authUrl: string, anonKey: string): Promise<void> {
  const response = await fetch(`${authUrl}/signup`, {
    method: 'POST',
    headers: { apikey: anonKey, authorization: `Bearer ${anonKey}`, 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(response.status, 200, await response.text());
}

type ConsoleCall = (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>>;

const json = async (project: CliProject, args: string[]) => {
  const result = await runCli(project, args);
  assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout);
};

type Finding = { check: string; status: string; message: string };

for (const engine of engines) {
  describe(`the CLI beside a running foyer start (${engine})`, () => {
    let project: CliProject;
    let server: Running;
    let call: ConsoleCall;
    const drops: (() => Promise<void>)[] = [];
    before(async () => {
      const created = await createCliProject(engine);
      // The server and the CLI read the same variables, as with one .env file.
      project = { ...created, env: { ...created.env, FOYER_MASTER_KEY: TEST_MASTER_KEY, GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'true' } };
      server = await startServer(project, {});
      call = await consoleSession(server);
    });
    after(async () => {
      await server?.stop();
      for (const drop of drops) await drop();
      await project.close();
    });

    it('answers stats, users, audit, doctor and project list while the server runs, on the settings the console changes', async () => {
      await signInAnonymously(`${server.apiUrl}/auth/v1`, server.anonKey);
      await signInAnonymously(`${server.apiUrl}/auth/v1`, server.anonKey);

      const stats = await json(project, ['stats', '--json']);
      assert.equal(stats.project, 'default');
      assert.equal(stats.totals.users.anonymous, 2);
      const text = await runCli(project, ['stats']);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /users: +2 anonymous, 0 pending conversion, 0 invited \(not accepted\), 0 permanent/);

      const users = await json(project, ['users', '--json']);
      assert.equal(users.total, 2);

      const audit = await runCli(project, ['audit']);
      assert.equal(audit.code, 0, audit.stderr);
      assert.match(audit.stdout, /RLS audit: no findings/);

      const list = await runCli(project, ['project', 'list']);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /^default\t/m);

      const before = await json(project, ['doctor', '--json']);
      const cleanupBefore = before.findings.find((finding: Finding) => finding.check === 'anonymous cleanup');
      assert.match(cleanupBefore.message, /^off: stale anonymous users accumulate/);

      // The console's way of changing a setting: PATCH /platform/v1/projects/default/settings.
      await call('PATCH', '/projects/default/settings', {
        changes: { FOYER_ANONYMOUS_CLEANUP_ENABLED: 'true', FOYER_ANONYMOUS_CLEANUP_INACTIVE_DAYS: '12' },
      });
      const afterChange = await json(project, ['doctor', '--json']);
      const cleanupAfter = afterChange.findings.find((finding: Finding) => finding.check === 'anonymous cleanup');
      assert.match(cleanupAfter.message, /after 12 days without sign-in or refresh/);
      const console = afterChange.findings.find((finding: Finding) => finding.check === 'console settings');
      assert.match(console.message, /in force: FOYER_ANONYMOUS_CLEANUP_ENABLED, FOYER_ANONYMOUS_CLEANUP_INACTIVE_DAYS/);
      const stale = await runCli(project, ['users', '--stale']);
      assert.equal(stale.code, 0, stale.stderr);
      assert.match(stale.stdout, /^0 stale anonymous users \(inactive 12 days\)/);
      const dryRun = await json(project, ['cleanup', '--dry-run', '--json']);
      assert.equal(dryRun.settings.inactive_days, 12);
    });

    it('--project selects another project; an unknown one is a clear error', async () => {
      const created = await createProjectThroughCli(project, engine, drops);
      const listed = await runCli(project, ['project', 'list']);
      assert.match(listed.stdout, new RegExp(`^${created.ref}\\t${engine === 'pglite' ? 'embedded' : 'postgres'}\\t.*\\tSecond$`, 'm'));
      // Whatever a new project's default, this one allows anonymous sign-ins (set as the console sets it).
      await call('PATCH', `/projects/${created.ref}/settings`, { changes: { GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'true' } });
      await signInAnonymously(`${server.adminOrigin}/p/${created.ref}/auth/v1`, created.anonKey);

      const stats = await json(project, ['stats', '--json', '--project', created.ref]);
      assert.equal(stats.project, created.ref);
      assert.equal(stats.totals.users.anonymous, 1);
      assert.equal((await json(project, ['users', '--json', '--project', created.ref])).total, 1);
      assert.equal((await json(project, ['users', '--json'])).total, 2, 'the default project is unchanged');
      const doctor = await json(project, ['doctor', '--json', '--project', created.ref]);
      assert.equal(doctor.project, created.ref);
      const cleanup = doctor.findings.find((finding: Finding) => finding.check === 'anonymous cleanup');
      assert.match(cleanup.message, /^off/, "the default project's console settings are not another project's");
      const audit = await runCli(project, ['audit', '--project', created.ref]);
      assert.equal(audit.code, 0, audit.stderr);

      for (const args of [['stats'], ['cleanup', '--dry-run'], ['doctor']]) {
        const unknown = await runCli(project, [...args, '--project', 'no-such-project']);
        assert.equal(unknown.code, 1, `${args.join(' ')}: ${unknown.stdout}`);
        assert.match(unknown.stderr, /^foyer: No project with ref "no-such-project" \(project_not_found\)/, args.join(' '));
      }
    });

    if (engine === 'pglite') {
      it('talks over a socket only the owner of the data directory can open, and refuses what it does not know', async () => {
        const dir = join(project.dataDir!, 'run');
        assert.equal(lstatSync(dir).mode & 0o777, 0o700);
        const socket = join(dir, 'admin.sock');
        assert.ok(lstatSync(socket).isSocket());
        assert.equal(lstatSync(socket).mode & 0o777, 0o600);
        const answer = (path: string, body: string) =>
          new Promise<string>((resolve, reject) => {
            const outgoing = request({ socketPath: socket, agent: false, method: 'POST', path }, (response) => {
              let text = '';
              response.on('data', (chunk: Buffer) => (text += chunk.toString()));
              response.on('end', () => resolve(text));
            });
            outgoing.on('error', reject);
            outgoing.end(body);
          });
        assert.match(await answer('/v1/drop-everything', '{}'), /"code":"not_found"/);
        assert.match(await answer('/v1/stats', 'not json'), /"code":"bad_json"/);
        assert.match(await answer('/v1/users', '{"limit":0}'), /limit must be a whole number.*"code":"validation_failed"/);
      });

      it('says so clearly when the server stops in the middle of a command', async () => {
        // Frozen, the server leaves the CLI's connection waiting in its socket's queue; killed, it drops it.
        const socket = join(project.dataDir!, 'run', 'admin.sock');
        process.kill(server.pid, 'SIGSTOP');
        const open = socketEntries(socket);
        const pending = runCli(project, ['stats']);
        await connectionWaiting(socket, open);
        await server.stop('SIGKILL');
        const result = await pending;
        assert.equal(result.code, 1);
        assert.match(result.stderr, new RegExp(`the running Foyer \\(pid ${server.pid}\\) stopped before it answered`));
        assert.match(result.stderr, /run the command again/);
        // With the server gone the CLI opens the database itself.
        assert.equal((await json(project, ['users', '--json'])).total, 2);
      });
    }
  });
}

/** How many sockets Linux lists under `path` in /proc/net/unix: the listener and the connections to it. */
const socketEntries = (path: string) => readFileSync('/proc/net/unix', 'utf8').split('\n').filter((line) => line.endsWith(` ${path}`)).length;

/** Until one more connection than `before` is on the listening socket `path` (one not yet accepted is listed too). */
async function connectionWaiting(path: string, before: number): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (socketEntries(path) > before) return;
    assert.ok(Date.now() < deadline, 'the CLI never connected');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function createProjectThroughCli(project: CliProject, engine: string, drops: (() => Promise<void>)[]) {
  const args = ['project', 'create', '--name', 'Second'];
  if (engine === 'postgres') {
    const { url, drop } = await createPostgresDatabase();
    drops.push(drop);
    args.push('--database-url', url);
  }
  const result = await runCli(project, args);
  assert.equal(result.code, 0, result.stderr);
  return { ref: /^Project (\S+) \(Second\) created/.exec(result.stdout)![1], anonKey: /anon key: +(\S+)/.exec(result.stdout)![1] };
}
