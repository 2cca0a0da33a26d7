/**
 * `npm run build` (bin/build.js) and bin/foyer.js's choice between the build and the sources, on a copy
 * of the checkout: a current dist/ is what runs, and an edited source makes bin/foyer.js run the
 * sources again rather than an older build. Engine-independent: `--help` opens no database.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { REPO_ROOT } from '../helpers/dockerfile.js';

const DESCRIPTION = 'GoTrue-compatible auth server with anonymous users that convert without losing data';

function foyerHelp(root: string): { stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(root, 'bin/foyer.js'), '--help'], { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  assert.equal(result.status, 0, result.stderr);
  return { stdout: result.stdout.replace(/\s+/g, ' '), stderr: result.stderr };
}

it('npm run build compiles src/ with its SQL files; bin/foyer.js runs a current build, and the sources once one is edited', { timeout: 180_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'foyer-build-'));
  try {
    for (const path of ['bin', 'src', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(REPO_ROOT, path), join(root, path), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));

    const build = spawnSync(process.execPath, [join(root, 'bin/build.js')], { cwd: root, encoding: 'utf8' });
    assert.equal(build.status, 0, `${build.stdout}\n${build.stderr}`);
    assert.ok(existsSync(join(root, 'dist/main.js')));
    for (const sql of ['store/migrations/gotrue/auth-schema.sql', 'store/migrations/foyer/0001_foyer_objects.sql']) {
      assert.equal(readFileSync(join(root, 'dist', sql), 'utf8'), readFileSync(join(root, 'src', sql), 'utf8'), sql);
    }

    // The build runs: a mark put into the compiled file shows in --help, and no notice is printed.
    const compiledMain = join(root, 'dist/main.js');
    writeFileSync(compiledMain, readFileSync(compiledMain, 'utf8').replace(DESCRIPTION, 'served from dist'));
    const fromBuild = foyerHelp(root);
    assert.match(fromBuild.stdout, /served from dist/);
    assert.equal(fromBuild.stderr, '');

    // A source edited after the build: the sources run, and bin/foyer.js says why.
    const sourceMain = join(root, 'src/main.ts');
    writeFileSync(sourceMain, readFileSync(sourceMain, 'utf8').replace(DESCRIPTION, 'served from src'));
    const later = new Date(Date.now() + 2_000);
    utimesSync(sourceMain, later, later);
    const fromSources = foyerHelp(root);
    assert.match(fromSources.stdout, /served from src/);
    assert.match(fromSources.stderr, /dist\/ is older than src\/, running the sources/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
