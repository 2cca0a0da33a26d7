#!/usr/bin/env node
// Runs Foyer from dist/ (`npm run build`, what the Docker image ships) when that build is current,
// else from its TypeScript sources through tsx's loader, so `npm install && npm start` needs no build
// step and an edited checkout never runs an older build.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = join(root, 'dist/main.js');

/** The newest modification time under `dir`, in milliseconds since the epoch. */
function newestMtimeMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function buildIsCurrent() {
  if (!existsSync(built)) return false;
  const sources = join(root, 'src');
  if (!existsSync(sources)) return true; // an install that ships the build alone (the image)
  const { startedAtMs } = JSON.parse(readFileSync(join(root, 'dist/build.json'), 'utf8'));
  if (newestMtimeMs(sources) <= startedAtMs) return true;
  // Said once: not again by each worker of FOYER_WORKERS (src/cluster/role.ts names them).
  if (!process.env.FOYER_CLUSTER_WORKER_INDEX) console.error('foyer: dist/ is older than src/, running the sources (npm run build refreshes dist/)');
  return false;
}

let main;
if (buildIsCurrent()) {
  // Stack traces name dist/'s JavaScript lines. Source maps (NODE_OPTIONS=--enable-source-maps) name the
  // TypeScript line instead, at ~8 MB more resident memory: they are read for every module loaded.
  ({ main } = await import(pathToFileURL(built).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/main.ts'));
}
await main(process.argv);
