/**
 * `foyer start` with FOYER_WORKERS=2, as an operator runs it: two worker processes answer on the shared
 * ports, a setting saved through one is in force in both within seconds, a rate limit stays exact across
 * them, /metrics sums them and says which worker answered, a
 * worker killed with SIGKILL is replaced while requests keep succeeding, SIGTERM drains both and exits
 * 0, and a replacement that cannot start stops the whole thing instead of being retried forever.
 * On the embedded database more than one worker is refused.
 */
import assert from 'node:assert/strict';
import { type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCliProject, runCli, startCli, type CliProject } from '../helpers/cli.js';
import { engines } from '../helpers/engines.js';
import { freePort } from '../helpers/ports.js';

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One request on a connection of its own, so that the kernel hands each to a worker anew. */
function call(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

interface Server {
  readonly child: ChildProcess;
  readonly apiUrl: string;
  readonly adminUrl: string;
  readonly anonKey: string;
  readonly serviceKey: string;
  output(): string;
  /** Resolves with the first match of `pattern` in the output from `from` on. */
  waitFor(pattern: RegExp, from?: number, timeoutMs?: number): Promise<RegExpMatchArray>;
}

async function startWorkers(project: CliProject, env: Record<string, string> = {}): Promise<Server> {
  const adminPort = await freePort();
  const child = startCli(project, ['start'], {
    FOYER_WORKERS: '2',
    PORT: '0',
    GOTRUE_API_HOST: '127.0.0.1',
    FOYER_ADMIN_PORT: String(adminPort),
    GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'true',
    ...env,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const waitFor = async (pattern: RegExp, from = 0, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = output.slice(from).match(pattern);
      if (match) return match;
      assert.ok(child.exitCode === null && child.signalCode === null, `foyer start exited (${child.exitCode ?? child.signalCode}) before ${pattern}:\n${output}`);
      assert.ok(Date.now() < deadline, `no ${pattern} after ${timeoutMs / 1000} s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  try {
    await waitFor(/"msg":"2 workers listening"/);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    child,
    apiUrl: (await waitFor(/API URL \(createClient\): +(\S+)/))[1].replace('localhost', '127.0.0.1'),
    adminUrl: `http://127.0.0.1:${adminPort}`,
    anonKey: (await waitFor(/anon key: +(\S+)/))[1],
    serviceKey: (await waitFor(/service_role key: +(\S+)/))[1],
    output: () => output,
    waitFor,
  };
}

/** The pids of `foyer_worker_http_requests_total` with the requests each answered. */
async function requestsByWorkerPid(server: Server): Promise<{ pids: Map<number, number>; text: string }> {
  const reply = await call(`${server.adminUrl}/metrics`, { headers: { authorization: `Bearer ${server.serviceKey}` } });
  assert.equal(reply.status, 200, reply.body);
  const pids = new Map<number, number>();
  for (const [, pid, n] of reply.body.matchAll(/^foyer_worker_http_requests_total\{[^}]*pid="(\d+)"[^}]*\} (\d+)$/gm)) pids.set(Number(pid), Number(n));
  return { pids, text: reply.body };
}

/** Waits until 10 requests in a row, on connections of their own (so both workers answer some), see `check` hold. */
async function untilEveryWorker(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let inARow = 0; inARow < 10; ) {
    assert.ok(Date.now() < deadline, `not every worker within ${timeoutMs / 1000} s`);
    inARow = (await check()) ? inARow + 1 : 0;
    if (inARow === 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

for (const engine of engines) {
  describe(`foyer start with FOYER_WORKERS (${engine})`, () => {
    let project: CliProject;
    before(async () => {
      project = await createCliProject(engine);
    });
    after(() => project.close());

    if (engine === 'pglite') {
      it('refuses two workers on the embedded database, naming FOYER_WORKERS and why', async () => {
        const result = await runCli(project, ['start'], { FOYER_WORKERS: '2', PORT: '0' });
        assert.equal(result.code, 2, result.stdout + result.stderr);
        assert.match(result.stderr, /FOYER_WORKERS=2 needs DATABASE_URL: the embedded database \(PGlite\) runs inside one process/);
        assert.doesNotMatch(result.stdout, /Foyer is running/);
      });
      return;
    }

    it('serves from two processes with one exact limit, replaces a killed worker and drains on SIGTERM', async () => {
      const server = await startWorkers(project, { GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '7' });
      try {
        const output = server.output();
        assert.equal(output.match(/Foyer is running/g)?.length, 1, 'one banner');
        assert.equal(output.match(/Console setup \(one-time\)/g)?.length, 1, 'one setup link');
        assert.match(output, /Workers: +2 processes sharing these ports \(FOYER_WORKERS\)/);
        assert.match(output, /Migrations applied: +gotrue/);
        const started = [...output.matchAll(/"msg":"worker (\d) listening \(pid (\d+)\)"/g)].map((match) => Number(match[2]));
        assert.equal(new Set(started).size, 2, output);

        // A setting saved through the console reaches both workers (LISTEN/NOTIFY, as between separate processes).
        const token = output.match(/console\/setup\?token=(\S+)/)![1];
        const json = { 'content-type': 'application/json' };
        const setup = await call(`${server.adminUrl}/platform/v1/setup`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ token, email: 'ops@example.com', password: 'a long enough password' }),
        });
        assert.equal(setup.status, 200, setup.body);
        const consoleHeaders = { ...json, cookie: String(setup.headers['set-cookie']).split(';')[0], 'x-csrf-token': (JSON.parse(setup.body) as { csrf_token: string }).csrf_token };
        const disableSignup = async (value: string | null) => {
          const saved = await call(`${server.adminUrl}/platform/v1/projects/default/settings`, {
            method: 'PATCH',
            headers: consoleHeaders,
            body: JSON.stringify({ changes: { GOTRUE_DISABLE_SIGNUP: value } }),
          });
          assert.equal(saved.status, 200, saved.body);
          const settingsSay = async () =>
            (JSON.parse((await call(`${server.apiUrl}/auth/v1/settings`, { headers: { apikey: server.anonKey } })).body) as { disable_signup: boolean }).disable_signup;
          // Within a second of the commit, as documented; generous here for a busy test machine.
          await untilEveryWorker(async () => (await settingsSay()) === (value === 'true'), 10_000);
        };
        await disableSignup('true');
        await disableSignup(null);

        // 40 anonymous sign-ups at once from one IP, each on its own connection: the limit of 7 holds across both workers.
        const signUps = await Promise.all(
          Array.from({ length: 40 }, () =>
            call(`${server.apiUrl}/auth/v1/signup`, { method: 'POST', headers: { apikey: server.anonKey, 'content-type': 'application/json' }, body: '{}' }),
          ),
        );
        assert.equal(signUps.filter((reply) => reply.status === 200).length, 7, JSON.stringify(signUps.map((reply) => reply.status)));
        const refused = signUps.filter((reply) => reply.status !== 200);
        assert.equal(refused.length, 33);
        for (const reply of refused) {
          assert.equal(reply.status, 429);
          assert.equal((JSON.parse(reply.body) as { error_code?: string }).error_code, 'over_request_rate_limit');
        }

        // Both workers answered, and /metrics sums them whichever worker is asked.
        const { pids, text } = await requestsByWorkerPid(server);
        assert.deepEqual([...pids.keys()].sort(), [...started].sort(), text);
        for (const [pid, n] of pids) assert.ok(n > 0, `worker ${pid} answered no request:\n${text}`);
        assert.match(text, /^foyer_workers\{project="default",state="answering"\} 2$/m);
        const signUpCounts = [...text.matchAll(/^foyer_http_request_duration_seconds_count\{[^}]*route="\/auth\/v1\/signup"[^}]*\} (\d+)$/gm)];
        assert.equal(signUpCounts.reduce((sum, match) => sum + Number(match[1]), 0), 40, text);

        // SIGKILL one worker: the others keep answering, and it is replaced by a new process.
        const [victim, survivor] = started;
        const mark = server.output().length;
        process.kill(victim, 'SIGKILL');
        const died = await server.waitFor(/"msg":"worker (\d) \(pid (\d+)\) died \(signal SIGKILL\); replacing it in 1 s"/, mark);
        assert.equal(Number(died[2]), victim);
        for (let i = 0; i < 10; i += 1) assert.equal((await call(`${server.apiUrl}/health`)).status, 200);
        const replaced = await server.waitFor(new RegExp(`"msg":"worker ${died[1]} listening \\(pid (\\d+)\\)"`), mark);
        const replacement = Number(replaced[1]);
        assert.ok(replacement !== victim && alive(replacement));
        for (let i = 0; i < 20; i += 1) assert.equal((await call(`${server.apiUrl}/health`)).status, 200);
        const after = await requestsByWorkerPid(server);
        assert.deepEqual([...after.pids.keys()].sort(), [replacement, survivor].sort(), after.text);
        assert.ok((after.pids.get(replacement) ?? 0) > 0, `the replacement answered no request:\n${after.text}`);
        assert.equal(server.output().match(/Foyer is running/g)?.length, 1, 'a replacement prints no banner');

        // SIGTERM to one worker alone: it drains and exits 0, which is said as such (not "died"), and its place is filled.
        const termMark = server.output().length;
        process.kill(survivor, 'SIGTERM');
        const stoppedAlone = await server.waitFor(
          /"msg":"worker (\d) \(pid (\d+)\) stopped on its own, as a signal sent to it alone makes it \(exit code 0\); replacing it in 1 s"/,
          termMark,
        );
        assert.equal(Number(stoppedAlone[2]), survivor);
        const refilled = Number((await server.waitFor(new RegExp(`"msg":"worker ${stoppedAlone[1]} listening \\(pid (\\d+)\\)"`), termMark))[1]);
        assert.ok(refilled !== survivor && alive(refilled));
        for (let i = 0; i < 10; i += 1) assert.equal((await call(`${server.apiUrl}/health`)).status, 200);
        const stoppedBefore = server.output().match(/"msg":"stopped"/g)?.length ?? 0;

        // SIGTERM to the primary: each worker drains and stops, then the primary exits 0.
        const exited = once(server.child, 'exit');
        server.child.kill('SIGTERM');
        const [code] = (await exited) as [number | null];
        assert.equal(code, 0, server.output());
        assert.equal((server.output().match(/"msg":"stopped"/g)?.length ?? 0) - stoppedBefore, 3, 'both workers and the primary stopped');
        assert.ok(!alive(refilled) && !alive(replacement), 'no worker outlives the primary');
      } finally {
        server.child.kill('SIGKILL');
      }
    });

    it('stops everything, with the error, when a replacement fails to start five times in a row', async () => {
      const server = await startWorkers(project);
      try {
        // The workers read .env when they start: from now on one that starts finds a bad value there.
        writeFileSync(join(project.cwd, '.env'), 'GOTRUE_JWT_EXP=soon\n');
        const pid = Number((await server.waitFor(/"msg":"worker 2 listening \(pid (\d+)\)"/))[1]);
        const exited = once(server.child, 'exit');
        process.kill(pid, 'SIGKILL');
        const [code] = (await exited) as [number | null];
        assert.equal(code, 1, server.output());
        const output = server.output();
        assert.equal(output.match(/GOTRUE_JWT_EXP must be a whole number, got "soon"/g)?.length, 5, output);
        assert.match(output, /foyer: worker 2 failed to start 5 times in a row \(last: exit code 2\); stopping/);
        // The killed worker was young too: 1 s before the first replacement, then twice as long each time.
        assert.match(output, /died \(signal SIGKILL\); replacing it in 1 s/);
        for (const seconds of [2, 4, 8, 16]) assert.match(output, new RegExp(`failed to start \\(exit code 2\\); replacing it in ${seconds} s`));
        assert.match(output, /"msg":"worker 1 stopped \(exit code 0\)"/, 'the other worker drained');
      } finally {
        server.child.kill('SIGKILL');
        writeFileSync(join(project.cwd, '.env'), '');
      }
    });
  });
}
