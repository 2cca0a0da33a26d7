#!/usr/bin/env node
// `npm run build`: compiles src/ to JavaScript in dist/ (or the directory after --out), with the SQL
// migrations beside the code that reads them, so bin/foyer.js can run Foyer without compiling
// TypeScript at every start. dist/ mirrors src/ file for file: paths relative to a module
// (../package.json, ../../console/dist/, ./migrations/) resolve the same from either.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outIndex = process.argv.indexOf('--out');
const outDir = resolve(outIndex > 0 ? process.argv[outIndex + 1] : join(root, 'dist'));

// `--if-possible` (npm's `prepare`, so `npm install && npm start` runs compiled JavaScript): skipped, with
// a note, where the sources or the compiler are absent (the image's install steps, a production install).
if (process.argv.includes('--if-possible')) {
  const missing = [join(root, 'src'), join(root, 'node_modules/typescript/bin/tsc'), join(root, 'tsconfig.build.json')].filter((path) => !existsSync(path));
  if (missing.length > 0) {
    console.warn(`foyer build: skipped (${missing.map((path) => relative(root, path)).join(', ')} absent); Foyer runs from dist/ when it is there, else from src/.`);
    process.exit(0);
  }
}

// Recorded before compiling: a source saved while the build runs is newer than the build, so
// bin/foyer.js runs the sources rather than a build that may predate that change.
const startedAtMs = Date.now();
rmSync(outDir, { recursive: true, force: true });
const tsc = spawnSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', outDir],
  { stdio: 'inherit' },
);
if (tsc.status !== 0) {
  console.error('foyer build: the TypeScript compiler failed (see above); nothing usable was written.');
  rmSync(outDir, { recursive: true, force: true });
  process.exit(tsc.status ?? 1);
}

const srcDir = join(root, 'src');
let assets = 0;
(function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyAssets(path);
    else if (!name.endsWith('.ts')) {
      const target = join(outDir, relative(srcDir, path));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
      assets += 1;
    }
  }
})(srcDir);

writeFileSync(join(outDir, 'build.json'), `${JSON.stringify({ startedAtMs }, null, 2)}\n`);
console.log(`foyer build: src/ compiled to ${relative(process.cwd(), outDir) || '.'} (${assets} SQL and other files copied)`);
