/**
 * `foyer admin create` and `foyer project create|list` on an embedded data directory, then `foyer start`
 * on it: no setup link once an administrator exists, the CLI-made project served, its settings kept
 * across a restart; then `foyer project delete`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { killAllServers, makeClient, startServer, type RunningServer } from '../helpers/server.js';

const FOYER_BIN = resolve(import.meta.dirname, '../../bin/foyer.js');
const FOREIGN = /^(GOTRUE_|FOYER_|DATABASE_URL$|PORT$|API_EXTERNAL_URL$|DB_NAMESPACE$|LOG_LEVEL$)/;
const ADMIN = { email: 'cli-admin@example.com', password: 'a long cli password' };

function foyer(args: string[], env: Record<string, string>, input?: string): Promise<{ code: number | null; output: string }> {
  const childEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !FOREIGN.test(name)) childEnv[name] = value;
  return new Promise((done) => {
    const child = spawn(process.execPath, [FOYER_BIN, ...args], { cwd: tmpdir(), env: { ...childEnv, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stdin.end(input ?? '');
    child.on('exit', (code) => done({ code, output }));
  });
}

async function login(server: RunningServer) {
  const response = await fetch(`${server.url}/platform/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  assert.equal(response.status, 200);
  return { cookie: (response.headers.get('set-cookie') ?? '').split(';')[0], csrf: ((await response.json()) as { csrf_token: string }).csrf_token };
}

describe('foyer admin / project commands', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let ref: string;
  let anonKey: string;
  let server: RunningServer | undefined;

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'foyer-cli-'));
    env = { FOYER_DATA_DIR: dataDir, GOTRUE_LOG_LEVEL: 'warn' };
  });
  after(async () => {
    await server?.stop().catch(() => {});
    await killAllServers();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates a console administrator (password from stdin); a second time needs --replace', async () => {
    const created = await foyer(['admin', 'create', '--email', ADMIN.email, '--password-stdin'], env, `${ADMIN.password}\n`);
    assert.equal(created.code, 0, created.output);
    assert.match(created.output, /cli-admin@example.com created/);
    const again = await foyer(['admin', 'create', '--email', ADMIN.email, '--password', 'whatever password'], env);
    assert.notEqual(again.code, 0);
    assert.match(again.output, /exists already/);
    const short = await foyer(['admin', 'create', '--email', 'x@example.com', '--password', 'short'], env);
    assert.notEqual(short.code, 0);
    assert.match(short.output, /at least 8 characters/);
  });

  it('creates and lists projects', async () => {
    const created = await foyer(['project', 'create', '--name', 'From the CLI'], env);
    assert.equal(created.code, 0, created.output);
    ref = /Project ([a-z0-9]{20}) \(From the CLI\) created/.exec(created.output)?.[1] ?? '';
    anonKey = /anon key:\s+(\S+)/.exec(created.output)?.[1] ?? '';
    assert.ok(ref && anonKey, created.output);
    const listed = await foyer(['project', 'list'], env);
    assert.equal(listed.code, 0, listed.output);
    assert.match(listed.output, /^default\tembedded\t/m);
    assert.match(listed.output, new RegExp(`^${ref}\\tembedded\\t.*\\tFrom the CLI$`, 'm'));
  });

  it('serves the project after start, without a setup link, and keeps its settings across a restart', async () => {
    server = await startServer(env);
    assert.doesNotMatch(server.output(), /setup\?token=/);
    assert.match(server.output(), new RegExp(`Projects:.*${ref}`));
    const session = await login(server);
    const patched = await fetch(`${server.url}/platform/v1/projects/${ref}/settings`, {
      method: 'PATCH',
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ changes: { GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'false' } }),
    });
    assert.equal(patched.status, 200);
    await server.stop();

    server = await startServer(env);
    const refused = await makeClient(`${server.url}/p/${ref}`, anonKey).auth.signInAnonymously();
    assert.equal(refused.error?.code, 'anonymous_provider_disabled');
    const fine = await makeClient(server.url, server.anonKey).auth.signInAnonymously();
    assert.equal(fine.error, null);
  });

  it('deletes a project: the ref must be repeated; then it is neither listed, nor its directory kept, nor served', async () => {
    await server?.stop();
    server = undefined;
    const unconfirmed = await foyer(['project', 'delete', ref, '--confirm', 'someotherref'], env);
    assert.notEqual(unconfirmed.code, 0);
    assert.match(unconfirmed.output, /--confirm must repeat the ref/);
    assert.equal(existsSync(join(dataDir, 'projects', ref)), true);
    const refusedDefault = await foyer(['project', 'delete', 'default', '--confirm', 'default'], env);
    assert.notEqual(refusedDefault.code, 0);
    assert.match(refusedDefault.output, /default project cannot be deleted/);
    const deleted = await foyer(['project', 'delete', ref, '--confirm', ref], env);
    assert.equal(deleted.code, 0, deleted.output);
    assert.match(deleted.output, new RegExp(`Project ${ref} deleted; its embedded database was removed`));
    assert.equal(existsSync(join(dataDir, 'projects', ref)), false);
    const listed = await foyer(['project', 'list'], env);
    assert.doesNotMatch(listed.output, new RegExp(ref));
    server = await startServer(env);
    assert.equal((await fetch(`${server.url}/p/${ref}/auth/v1/health`)).status, 404);
  });
});
