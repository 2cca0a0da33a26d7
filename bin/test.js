#!/usr/bin/env node
// `npm test`: every test file under test/, on both engines. PostgreSQL is found at TEST_DATABASE_URL,
// else at the local default; FOYER_REQUIRE_POSTGRES=1 makes its absence a failure instead of a warning.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import postgres from 'postgres';

const LOCAL_DEFAULT = 'postgres://postgres@127.0.0.1:5432/test';

function testFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

async function reachable(url) {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

const env = { ...process.env };
if (!env.TEST_DATABASE_URL && (await reachable(LOCAL_DEFAULT))) env.TEST_DATABASE_URL = LOCAL_DEFAULT;
if (!env.TEST_DATABASE_URL || !(await reachable(env.TEST_DATABASE_URL))) {
  if (env.FOYER_REQUIRE_POSTGRES === '1') {
    console.error(`FOYER_REQUIRE_POSTGRES=1 but PostgreSQL is not reachable at ${env.TEST_DATABASE_URL ?? LOCAL_DEFAULT}`);
    process.exit(1);
  }
  console.error('\n!!! PostgreSQL is not reachable: running the PGlite half of the suite only. Set TEST_DATABASE_URL. !!!\n');
  delete env.TEST_DATABASE_URL;
}

const args = process.argv.slice(2);
const files = args.length ? args : testFiles('test').sort();

function run(command, commandArgs) {
  return new Promise((resolve) => {
    const proc = spawn(command, commandArgs, { stdio: 'inherit', env });
    proc.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

// The whole suite starts with the type check: strict TypeScript is part of passing.
if (!args.length) {
  const typecheck = await run(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.']);
  if (typecheck !== 0) {
    console.error('Type check failed.');
    process.exit(typecheck);
  }
}

// The test-only CA of test/fixtures/tls: HTTPS test servers (custom OAuth providers must be HTTPS) are
// trusted as an operator's own CA would be, through Node's standard variable, read at process start. A
// bundle the machine already names there is kept: both go into one file.
const testCa = join(process.cwd(), 'test/fixtures/tls/ca.pem');
let extraCa = readFileSync(testCa, 'utf8');
if (env.NODE_EXTRA_CA_CERTS && resolve(env.NODE_EXTRA_CA_CERTS) !== testCa) {
  try {
    extraCa = `${readFileSync(env.NODE_EXTRA_CA_CERTS, 'utf8')}\n${extraCa}`;
  } catch {
    // An unreadable bundle: Node would have warned and ignored it too.
  }
}
const caDir = mkdtempSync(join(tmpdir(), 'foyer-test-ca-'));
writeFileSync(join(caDir, 'ca.pem'), extraCa);
env.NODE_EXTRA_CA_CERTS = join(caDir, 'ca.pem');

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=600000', ...files],
  { stdio: 'inherit', env },
);
child.on('exit', (code, signal) => {
  rmSync(caDir, { recursive: true, force: true });
  process.exit(code ?? (signal ? 1 : 0));
});
