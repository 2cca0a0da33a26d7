/**
 * Where an operations command runs: on the running `foyer start` over the local admin channel when it
 * holds the embedded data directory (PGlite has one owner), otherwise here, on a Platform this process
 * opens (no server runs, or PostgreSQL, which several processes share).
 */
import { existsSync } from 'node:fs';
import type { Config, Env } from '../../config/load.js';
import type { Platform } from '../../platform/platform.js';
import { lockHolder } from '../../store/dir-lock.js';
import { embeddedDbDir } from '../../store/open.js';
import { channelSocketPath, socketPathProblem } from './channel.js';
import { callServer, OperationError, type ServerTarget } from './channel-client.js';
import { operations, type OperationName, type Params } from './operations.js';

/** The running server to ask, if one holds the data directory; throws when it holds it but cannot be asked. */
export function runningServer(config: Config): ServerTarget | undefined {
  if (!config.embedded) return undefined;
  const dir = embeddedDbDir(config.dataDir);
  const pid = lockHolder(dir);
  if (pid === undefined) return undefined;
  const socket = channelSocketPath(config.dataDir);
  const problem = socketPathProblem(socket);
  if (problem) throw new Error(`The embedded database in ${dir} is in use by Foyer (pid ${pid}), and the CLI cannot reach it: ${problem}.`);
  if (!existsSync(socket)) {
    throw new Error(
      `The embedded database in ${dir} is in use by Foyer (pid ${pid}), and it has no local admin channel at ${socket}: ` +
        'if it is starting, run this again in a moment; otherwise it is an older Foyer or not `foyer start` (stop it to use the CLI).',
    );
  }
  return { socket, pid };
}

/** Opens the platform around the default project, as `foyer start` does, for one command. */
export async function withPlatform<T>(config: Config, env: Env, work: (platform: Platform) => Promise<T>): Promise<T> {
  const [{ openProject }, { Platform }] = await Promise.all([import('../../runtime.js'), import('../../platform/platform.js')]);
  const project = await openProject(config);
  try {
    const log = { info: () => {}, warn: (message: string) => process.stderr.write(`${message}\n`), error: (message: string) => process.stderr.write(`${message}\n`) };
    const platform = await Platform.open({ env, project, log });
    try {
      return await work(platform);
    } finally {
      await platform.close();
    }
  } finally {
    await project.deps.rateLimits.close();
    await project.deps.db.close();
  }
}

export interface RunOptions {
  readonly onEvent?: (event: Record<string, unknown>) => void;
  readonly signal?: AbortSignal;
}

/** An error with its code, as the platform API would name it ("No project with ref … (project_not_found)"). */
export function described(error: unknown): Error {
  const code = (error as { code?: unknown }).code;
  const named = (error as Error).name === 'PlatformError' || error instanceof OperationError;
  return named && typeof code === 'string' ? new Error(`${(error as Error).message} (${code})`) : (error as Error);
}

export async function runOperation(config: Config, env: Env, operation: OperationName, params: Params, options: RunOptions = {}): Promise<unknown> {
  try {
    const server = runningServer(config);
    if (server) return await callServer(server, operation, params, options);
    return await withPlatform(config, env, (platform) =>
      operations[operation](platform, params, options.onEvent ?? (() => {}), options.signal ?? new AbortController().signal),
    );
  } catch (error) {
    throw described(error);
  }
}
