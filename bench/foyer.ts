/** Foyer as the bench runs it: `node bin/foyer.js start`, a child process with its own port. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, runToEnd, startChild, type Child } from './processes.js';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'foyer.js');
export const JWT_SECRET = 'foyer-bench-jwt-secret-0123456789abcdefghijklmnop';

export interface FoyerServer {
  readonly child: Child;
  readonly url: string;
  readonly anonKey: string;
  /** Its PostgreSQL database; undefined on the embedded PGlite. */
  readonly databaseUrl: string | undefined;
}

export interface FoyerOptions {
  /** PostgreSQL URL; without one Foyer runs on the embedded PGlite in `dataDir`. */
  readonly databaseUrl?: string;
  readonly dataDir: string;
  /** Extra node flags, e.g. `--cpu-prof` or a `--import` preload. */
  readonly nodeArgs?: readonly string[];
  readonly ipc?: boolean;
  /** Set last, over the bench's defaults. */
  readonly env?: Readonly<Record<string, string>>;
}

function foyerEnv(options: FoyerOptions, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    GOTRUE_API_HOST: '127.0.0.1',
    GOTRUE_JWT_SECRET: JWT_SECRET,
    GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'true',
    FOYER_DATA_DIR: options.dataDir,
    // Limits stay on (Foyer always enforces them, counters in PostgreSQL), with ceilings the load never
    // reaches; the load generator stands behind a trusted proxy that passes client addresses along.
    GOTRUE_RATE_LIMIT_ANONYMOUS_USERS: '1000000000',
    GOTRUE_RATE_LIMIT_TOKEN_REFRESH: '1000000000',
    GOTRUE_RATE_LIMIT_VERIFY: '1000000000',
    GOTRUE_RATE_LIMIT_OTP: '1000000000',
    FOYER_TRUSTED_PROXIES: '127.0.0.1',
    NODE_ENV: 'production',
  };
  delete env.DATABASE_URL;
  delete env.GOTRUE_DB_DATABASE_URL;
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  return { ...env, ...options.env };
}

/** An empty env file, so a developer's `.env` cannot change what is measured. */
function emptyEnvFile(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'bench.env');
  writeFileSync(file, '');
  return file;
}

/** Applies Foyer's migrations (`foyer migrate`), so pgbench can run before Foyer starts. */
export async function migrateFoyer(options: FoyerOptions): Promise<void> {
  const args = [BIN, 'migrate', '--env-file', emptyEnvFile(options.dataDir)];
  await runToEnd('foyer migrate', process.execPath, args, { cwd: ROOT, env: foyerEnv(options, 0) });
}

export async function startFoyer(name: string, options: FoyerOptions): Promise<FoyerServer> {
  const port = await freePort();
  const args = [...(options.nodeArgs ?? []), BIN, 'start', '--env-file', emptyEnvFile(options.dataDir)];
  const child = startChild(name, process.execPath, args, {
    cwd: ROOT,
    env: foyerEnv(options, port),
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
  const [, anonKey] = await child.waitFor(/anon key:\s+(\S+)/, 120_000);
  return { child, url: `http://127.0.0.1:${port}`, anonKey, databaseUrl: options.databaseUrl };
}
