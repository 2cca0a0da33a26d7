/**
 * The very first start of an embedded project creates and migrates its PGlite database, then serves from
 * a second instance (runtime.ts: the first one's WebAssembly memory never shrinks). What is created on
 * that first start must be served, kept across a restart, and the directory lock must be held by the
 * serving instance alone.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { openProject } from '../../src/runtime.js';
import { embeddedDbDir } from '../../src/store/open.js';
import { signUpAnonymously, TEST_JWT_SECRET } from '../helpers/project.js';

const embeddedConfig = (dataDir: string) =>
  loadConfig({
    FOYER_DATA_DIR: dataDir,
    GOTRUE_JWT_SECRET: TEST_JWT_SECRET,
    GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'true',
  });

test('a new embedded database serves from its first start, keeps what it wrote across a restart, and is locked while served', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'foyer-first-start-'));
  const lockFile = `${embeddedDbDir(dataDir)}.lock`;
  try {
    const first = await openProject(embeddedConfig(dataDir));
    assert.ok(first.migrations.applied.length > 0, 'the first start migrates the new database');
    const app = await buildApp({ deps: first.deps });
    let userId: string;
    try {
      userId = (await signUpAnonymously(app)).user.id;
      assert.equal(readFileSync(lockFile, 'utf8').trim(), String(process.pid), 'the serving instance holds the lock');
    } finally {
      await app.close();
      await first.deps.db.close();
    }
    assert.equal(existsSync(lockFile), false, 'closing releases the lock');

    const again = await openProject(embeddedConfig(dataDir));
    try {
      assert.deepEqual(again.migrations.applied, [], 'a restart has nothing to migrate');
      const rows = await again.deps.db.query<{ is_anonymous: boolean }>('select is_anonymous from auth.users where id = $1', [userId]);
      assert.deepEqual(rows, [{ is_anonymous: true }]);
    } finally {
      await again.deps.db.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a new embedded database another process is creating is refused with the reason, and nothing is left half made', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'foyer-first-start-'));
  const dbDir = embeddedDbDir(dataDir);
  // A live process (pid 1) holds the directory's lock, as another Foyer creating it would.
  writeFileSync(`${dbDir}.lock`, '1');
  try {
    await assert.rejects(openProject(embeddedConfig(dataDir)), /Creating the embedded database in .* failed \(exit 1\): Error: The embedded database in .* is in use by another Foyer process \(pid 1\)/);
    assert.equal(existsSync(join(dbDir, 'PG_VERSION')), false);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
