/**
 * The real server as a child process (`node bin/foyer.js start`, PORT=0), its banner parsed for the URL
 * and keys, and a supabase-js client for it. Every child is SIGKILLed when the test process exits, so a
 * failing test never leaves a server behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createClient, type SupabaseClient, type WebSocketLikeConstructor } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { freePort } from './ports.js';

const FOYER_BIN = resolve(import.meta.dirname, '../../bin/foyer.js');
const STARTUP_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

/** Settings of the parent environment that must not leak into a server under test. */
const FOREIGN_SETTINGS = /^(GOTRUE_|FOYER_|DATABASE_URL$|PORT$|API_EXTERNAL_URL$|DB_NAMESPACE$|LOG_LEVEL$)/;

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface RunningServer {
  /** The "API URL (createClient):" of the banner. */
  readonly url: string;
  /**
   * Drop-in mode (DATABASE_URL): the admin listener of the banner (console, /platform/v1, /p/<ref>, Data
   * API, /metrics); the one port (`url`) in embedded mode, where it serves everything.
   */
  readonly adminUrl: string;
  readonly anonKey: string;
  readonly serviceRoleKey: string;
  readonly pid: number;
  /** Everything the server printed so far (stdout and stderr). */
  output(): string;
  /** Sends SIGTERM (once) without waiting. */
  terminate(): void;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ExitInfo>;
  /** SIGTERM, then waits for the exit; throws unless the exit code is 0. */
  stop(): Promise<void>;
}

/** Running children and their working directories. */
const children = new Map<ChildProcess, string>();
process.on('exit', () => {
  for (const [child, cwd] of children) {
    child.kill('SIGKILL');
    rmSync(cwd, { recursive: true, force: true });
  }
});

/** SIGKILLs every server still running (for after() hooks, whatever state a failed test left). */
export async function killAllServers(): Promise<void> {
  await Promise.all(
    [...children.keys()].map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGKILL');
        }),
    ),
  );
}

function bannerValue(output: string, label: string): string | undefined {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\s*${escaped}\\s+(\\S+)\\s*$`, 'm').exec(output)?.[1];
}

/**
 * Starts `foyer start` with exactly these settings (plus PORT=0, and in drop-in mode FOYER_ADMIN_PORT on
 * a free port, so servers of parallel tests do not compete for its default) and waits for its banner.
 */
export async function startServer(env: Record<string, string>): Promise<RunningServer> {
  const childEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !FOREIGN_SETTINGS.test(name)) childEnv[name] = value;
  }
  Object.assign(childEnv, { PORT: '0', FOYER_ADMIN_PORT: String(await freePort()) }, env);
  // An empty working directory: no stray .env file is read.
  const cwd = mkdtempSync(join(tmpdir(), 'foyer-cwd-'));
  const child = spawn(process.execPath, [FOYER_BIN, 'start'], { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  children.set(child, cwd);
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<ExitInfo>((done) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      rmSync(cwd, { recursive: true, force: true });
      done({ code, signal });
    });
  });

  const banner = await new Promise<{ url: string; anonKey: string; serviceRoleKey: string }>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`foyer start printed no banner within ${STARTUP_TIMEOUT_MS} ms:\n${output}`));
    }, STARTUP_TIMEOUT_MS);
    const check = () => {
      const url = bannerValue(output, 'API URL (createClient):');
      const anonKey = bannerValue(output, 'anon key:');
      const serviceRoleKey = bannerValue(output, 'service_role key:');
      if (url && anonKey && serviceRoleKey) {
        clearTimeout(timer);
        done({ url, anonKey, serviceRoleKey });
      }
    };
    child.stdout?.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`foyer start exited (code ${code}, signal ${signal}) before its banner:\n${output}`));
    });
  });

  // Once only: a second SIGTERM would hit the default handler and kill the server mid-shutdown.
  let signalled = false;
  const terminate = () => {
    if (signalled || child.exitCode !== null || child.signalCode !== null) return;
    signalled = true;
    child.kill('SIGTERM');
  };
  const adminUrl = /^\s*Admin listener:\s+(http\S+)/m.exec(output)?.[1] ?? banner.url;
  return {
    ...banner,
    adminUrl,
    pid: child.pid as number,
    output: () => output,
    terminate,
    exited,
    async stop() {
      terminate();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, fail) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          fail(new Error(`foyer did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM:\n${output}`));
        }, STOP_TIMEOUT_MS);
      });
      try {
        const { code, signal } = await Promise.race([exited, timeout]);
        if (code !== 0) throw new Error(`foyer exited with code ${code} (signal ${signal}) after SIGTERM:\n${output}`);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

// ws's overloads do not line up with realtime-js's structural type; the runtime contract is the same.
const transport = WebSocket as unknown as WebSocketLikeConstructor;

/** A supabase-js client as a server-side script makes it: no persisted session, no background refresh. */
export function makeClient(url: string, key: string, options: { fetch?: typeof fetch } = {}): SupabaseClient {
  return createClient(url, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport },
    ...(options.fetch ? { global: { fetch: options.fetch } } : {}),
  });
}
