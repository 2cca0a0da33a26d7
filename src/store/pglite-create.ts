/**
 * A new embedded database is created in a child process. PGlite's WebAssembly memory only grows, and
 * creating a database (initdb, then every migration) leaves the process that did it with its peak: a first
 * start used to idle at ~350 MB, every later start at ~230 MB (docs/operations.md, "Memory"). Created in a
 * child, the serving process opens it as it would on any later start. Costs one Node start (under a
 * second), once per database.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embeddedDbDir } from './open.js';

/** Running from the TypeScript sources (tsx), the child needs the same loader. */
const fromSources = import.meta.url.endsWith('.ts');
const childModule = fileURLToPath(new URL(`./pglite-create-child.${fromSources ? 'ts' : 'js'}`, import.meta.url));

/**
 * Creates and migrates the embedded database of `dataDir` in a child process when it does not exist yet
 * (PostgreSQL writes PG_VERSION when it creates one); resolves with what was applied, nothing if it existed.
 */
export async function createEmbeddedDbIfNew(dataDir: string): Promise<readonly string[]> {
  const dir = embeddedDbDir(dataDir);
  return existsSync(join(dir, 'PG_VERSION')) ? [] : createInChild(dir);
}

function createInChild(dir: string): Promise<readonly string[]> {
  return new Promise((resolve, reject) => {
    const child = fork(childModule, [dir], {
      // Resolved here: the child's working directory (the operator's) need not see Foyer's node_modules.
      execArgv: fromSources ? ['--import', import.meta.resolve('tsx')] : [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    let applied: readonly string[] | undefined;
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      // Enough to say why; a runaway child cannot fill memory.
      if (stderr.length < 16_384) stderr += chunk;
    });
    child.on('message', (message: unknown) => {
      const list = (message as { applied?: unknown } | null)?.applied;
      if (Array.isArray(list)) applied = list.map(String);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0 && applied) resolve(applied);
      else {
        // Node prints an uncaught error as its source line, a caret, then `Error: message` and the stack.
        const lines = stderr.trim().split('\n');
        const why = lines.find((line) => /^[A-Za-z]*Error\b/.test(line)) ?? lines.at(-1) ?? '';
        reject(new Error(`Creating the embedded database in ${dir} failed (${signal ?? `exit ${code}`})${why ? `: ${why}` : ''}`));
      }
    });
  });
}
