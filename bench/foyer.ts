/** Foyer as the bench runs it: `node bin/foyer.js start`, a child process with its own port. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { query } from './databases.js';
import { settledIdleRss } from './memory.js';
import { freePort, onCleanup, runToEnd, startChild, type Child } from './processes.js';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
export const JWT_SECRET = 'foyer-bench-jwt-secret-0123456789abcdefghijklmnop';

export interface FoyerServer {
  readonly child: Child;
  readonly url: string;
  /**
   * Where its Data API is: on PostgreSQL (drop-in mode) the admin listener, with a login of its own
   * (`dataApi`); on the embedded PGlite the one port. Undefined when it has none.
   */
  readonly restUrl: string | undefined;
  /** The Data API's own login on PostgreSQL (drop-in mode), when it serves one: what the limit lines connect as. */
  readonly restDatabaseUrl?: string;
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
  /**
   * On PostgreSQL, serve the Data API: on the admin listener, as the login REST_LOGIN (created here; the
   * database must be migrated, which creates the API roles it joins). Otherwise the admin listener is off.
   */
  readonly dataApi?: boolean;
  /** Another checkout of Foyer to run (`--baseline`); this one by default. */
  readonly root?: string;
  /** Wait SETTLE_MS after the start and keep the idle memory reading (memory.ts); on unless false. */
  readonly settle?: boolean;
}

/** The Data API's own login in drop-in mode (PostgREST's authenticator pattern). */
export const REST_LOGIN = 'foyer_bench_rest';

async function createRestLogin(databaseUrl: string): Promise<string> {
  await query(
    databaseUrl,
    `do $$ begin create role ${REST_LOGIN} login noinherit; exception when duplicate_object then null; end $$;
     grant anon, authenticated, service_role to ${REST_LOGIN};`,
  );
  // Roles are cluster-wide: dropped at the end like the bench's databases (before them: cleanups run in reverse).
  // Each database that used it drops what the login holds there; the role goes with the last of them
  // (the scale mode serves two databases, and the role cannot go while the other still grants it anything).
  onCleanup(() =>
    query(
      databaseUrl,
      `do $$ begin
         if exists (select from pg_roles where rolname = '${REST_LOGIN}') then
           execute 'drop owned by ${REST_LOGIN}';
           begin
             execute 'drop role ${REST_LOGIN}';
           exception when dependent_objects_still_exist then null;
           end;
         end if;
       end $$`,
    ),
  );
  const url = new URL(databaseUrl);
  url.username = REST_LOGIN;
  url.password = '';
  return url.toString();
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
  const root = options.root ?? ROOT;
  const args = [join(root, 'bin', 'foyer.js'), 'migrate', '--env-file', emptyEnvFile(options.dataDir)];
  await runToEnd('foyer migrate', process.execPath, args, { cwd: root, env: foyerEnv(options, 0) });
}

export async function startFoyer(name: string, options: FoyerOptions): Promise<FoyerServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const root = options.root ?? ROOT;
  const args = [...(options.nodeArgs ?? []), join(root, 'bin', 'foyer.js'), 'start', '--env-file', emptyEnvFile(options.dataDir)];
  // Drop-in mode (PostgreSQL): GoTrue's routes on PORT, the Data API on the admin listener.
  const admin: Record<string, string> = {};
  let restUrl: string | undefined = url;
  if (options.databaseUrl) {
    const adminPort = options.dataApi ? await freePort() : undefined;
    admin.FOYER_ADMIN_PORT = adminPort ? String(adminPort) : 'off';
    if (adminPort) admin.FOYER_REST_DATABASE_URL = await createRestLogin(options.databaseUrl);
    restUrl = adminPort ? `http://127.0.0.1:${adminPort}` : undefined;
  }
  const child = startChild(name, process.execPath, args, {
    cwd: root,
    env: { ...foyerEnv(options, port), ...admin },
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
  const [, anonKey] = await child.waitFor(/anon key:\s+(\S+)/, 120_000);
  // bin/foyer.js runs the TypeScript sources through tsx when dist/ is absent or older than src/: more
  // memory and another start than production's build, so figures taken that way are said to be.
  if (!existsSync(join(root, 'dist', 'main.js')) || child.output().includes('dist/ is older than src/')) {
    process.stderr.write(`${name}: runs its TypeScript sources, not a current dist/ (npm run build first, or its memory and CPU figures are not production's)\n`);
  }
  if (options.settle !== false) await settledIdleRss(child.process.pid);
  const restDatabaseUrl = admin.FOYER_REST_DATABASE_URL;
  return { child, url, restUrl, anonKey, databaseUrl: options.databaseUrl, ...(restDatabaseUrl ? { restDatabaseUrl } : {}) };
}

/** The short commit of this checkout, `+dirty` when tracked files have uncommitted changes. */
export function checkoutCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${sha}+dirty` : sha;
  } catch {
    return 'unknown';
  }
}
