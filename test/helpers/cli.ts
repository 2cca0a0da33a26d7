/** Running `node bin/foyer.js <command>` as an operator would: its own working directory and environment. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { embeddedDbDir } from '../../src/store/open.js';
import { openPglite } from '../../src/store/pglite.js';
import { openPostgres } from '../../src/store/postgres.js';
import { createPostgresDatabase, type EngineName } from './engines.js';
import { TEST_JWT_SECRET } from './project.js';

export const FOYER_BIN = resolve(import.meta.dirname, '../../bin/foyer.js');
const FOREIGN_SETTINGS = /^(GOTRUE_|FOYER_|DATABASE_URL$|PORT$|API_EXTERNAL_URL$|DB_NAMESPACE$|LOG_LEVEL$|JWT_SECRET$|ANON_KEY$|SERVICE_ROLE_KEY$)/;

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliProject {
  readonly engine: EngineName;
  /** The variables that point `foyer` at this project's database. */
  readonly env: Record<string, string>;
  /** Set for the embedded engine. */
  readonly dataDir: string | undefined;
  readonly url: string | undefined;
  readonly cwd: string;
  close(): Promise<void>;
}

export async function createCliProject(engine: EngineName): Promise<CliProject> {
  const cwd = mkdtempSync(join(tmpdir(), 'foyer-cli-'));
  if (engine === 'pglite') {
    const dataDir = join(cwd, 'data');
    return {
      engine, env: { FOYER_DATA_DIR: dataDir }, dataDir, url: undefined, cwd,
      close: async () => rmSync(cwd, { recursive: true, force: true }),
    };
  }
  const { url, drop } = await createPostgresDatabase();
  return {
    engine, env: { DATABASE_URL: url, GOTRUE_JWT_SECRET: TEST_JWT_SECRET }, dataDir: undefined, url, cwd,
    close: async () => {
      await drop();
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

const baseEnv = () => Object.fromEntries(Object.entries(process.env).filter(([name]) => !FOREIGN_SETTINGS.test(name))) as Record<string, string>;

export function startCli(project: CliProject, args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [FOYER_BIN, ...args], { cwd: project.cwd, env: { ...baseEnv(), ...project.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runCli(project: CliProject, args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const child = startCli(project, args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePromise) => child.on('close', (code) => resolvePromise({ code, stdout, stderr })));
}

/** The project's database, migrated, as the CLI itself opens it (for checking what a command did). */
export async function openProjectDb(project: CliProject): Promise<Db> {
  const db = project.url ? await openPostgres({ url: project.url, poolSize: 3 }) : await openPglite({ dataDir: embeddedDbDir(project.dataDir!) });
  await migrate(db);
  return db;
}

export async function withDb<T>(project: CliProject, work: (db: Db) => Promise<T>): Promise<T> {
  const db = await openProjectDb(project);
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

export const count = (db: Db, sql: string, params: string[] = []) => db.query<{ n: number }>(sql, params).then((rows) => rows[0].n);
