/** `foyer start`'s side of the local admin channel (channel.ts says why a Unix socket in the data directory). */
import { chmodSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Platform } from '../../platform/platform.js';
import { channelDir, channelSocketPath, MAX_REQUEST_BYTES, socketPathProblem, type ChannelLine } from './channel.js';
import { isOperationName, operations } from './operations.js';

export interface ChannelLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface LocalAdminChannel {
  readonly path: string;
  close(): Promise<void>;
}

/** The run directory, 0700 and ours: a directory another user made (or a symlink) is refused, not used. */
function ownDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || (process.getuid && stat.uid !== process.getuid())) {
    throw new Error(`${dir} is not a directory of this user: the local admin channel is not opened there`);
  }
  if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw Object.assign(new Error('request too large'), { code: 'request_too_large' });
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    throw Object.assign(new Error('the parameters are not JSON'), { code: 'bad_json' });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw Object.assign(new Error('the parameters must be a JSON object'), { code: 'bad_json' });
  return parsed as Record<string, unknown>;
}

const errorLine = (error: unknown): ChannelLine => {
  const code = (error as { code?: unknown }).code;
  return { error: { message: (error as Error).message, code: typeof code === 'string' ? code : 'failed' } };
};

function handler(platform: Platform, log: ChannelLog, running: Set<AbortController>) {
  return async (request: IncomingMessage, response: ServerResponse) => {
    const write = (line: ChannelLine) => {
      if (!response.writableEnded && !response.destroyed) response.write(`${JSON.stringify(line)}\n`);
    };
    const name = /^\/v1\/([a-z-]+)$/.exec(request.url ?? '')?.[1];
    if (request.method !== 'POST' || !name || !isOperationName(name)) {
      response.writeHead(404, { 'content-type': 'application/x-ndjson' });
      response.end(`${JSON.stringify(errorLine(Object.assign(new Error(`no operation ${request.method} ${request.url}`), { code: 'not_found' })))}\n`);
      return;
    }
    // The CLI hanging up (Ctrl-C, or it died) aborts what it asked for.
    const controller = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) controller.abort();
    });
    response.writeHead(200, { 'content-type': 'application/x-ndjson' });
    running.add(controller);
    try {
      const params = await readBody(request);
      log.info(`local admin channel: ${name}`);
      const result = await operations[name](platform, params, (event) => write({ event }), controller.signal);
      write({ result });
    } catch (error) {
      write(errorLine(error));
    } finally {
      running.delete(controller);
    }
    response.end();
  };
}

/**
 * Serves the operations on FOYER_DATA_DIR/run/admin.sock. Called by the owner of the data directory
 * (it holds the database lock), so a socket file left there is a dead server's and is replaced.
 * Returns undefined, with a warning, when the path is too long for a socket: the server still serves.
 */
export async function openLocalAdminChannel(platform: Platform, dataDir: string, log: ChannelLog): Promise<LocalAdminChannel | undefined> {
  const path = channelSocketPath(dataDir);
  const problem = socketPathProblem(path);
  if (problem) {
    log.warn(`the CLI cannot reach this server (foyer stats, users, … fail while it runs): ${problem}`);
    return undefined;
  }
  ownDirectory(channelDir(dataDir));
  rmSync(path, { force: true });
  const running = new Set<AbortController>();
  const server = createServer(handler(platform, log, running));
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  chmodSync(path, 0o600);
  return {
    path,
    /** Refuses new requests, aborts those running (a cleanup ends its batch) and waits for them. */
    close: async () => {
      const closed = new Promise<void>((resolvePromise) => server.close(() => resolvePromise()));
      for (const controller of running) controller.abort();
      const deadline = Date.now() + 30_000;
      while (running.size > 0 && Date.now() < deadline) await new Promise((resolvePromise) => setTimeout(resolvePromise, 20));
      server.closeAllConnections();
      await closed;
      rmSync(path, { force: true });
    },
  };
}
