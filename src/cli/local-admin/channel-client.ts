/** The CLI's side of the local admin channel (channel.ts): one operation, its progress events, its result. */
import { request } from 'node:http';
import type { ChannelLine } from './channel.js';
import type { OperationName, Params } from './operations.js';

export interface ServerTarget {
  readonly socket: string;
  /** The process holding the data directory. */
  readonly pid: number;
}

/** An error the server answered with (unknown project, bad input…): its message is for the operator as it is. */
export class OperationError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'OperationError';
  }
}

const stoppedMessage = (target: ServerTarget, detail: string) =>
  `the running Foyer (pid ${target.pid}) stopped before it answered (${detail}). ` +
  'What it finished is kept; run the command again (with Foyer stopped, the CLI opens the database itself).';

/**
 * Runs `operation` on the server; `onEvent` sees its progress. Aborting `signal` hangs up, which makes
 * the server abort the operation (a cleanup stops after its current batch); the call then rejects.
 */
export function callServer(
  target: ServerTarget,
  operation: OperationName,
  params: Params,
  options: { onEvent?: (event: Record<string, unknown>) => void; signal?: AbortSignal } = {},
): Promise<unknown> {
  return new Promise((resolvePromise, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    const body = JSON.stringify(params);
    const outgoing = request(
      { socketPath: target.socket, agent: false, method: 'POST', path: `/v1/${operation}`, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        let buffered = '';
        const take = (line: string) => {
          if (!line.trim()) return;
          const parsed = JSON.parse(line) as ChannelLine;
          if ('event' in parsed) options.onEvent?.(parsed.event);
          else if ('result' in parsed) settle(() => resolvePromise(parsed.result));
          else settle(() => reject(new OperationError(parsed.error.message, parsed.error.code)));
        };
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffered += chunk;
          let newline: number;
          while ((newline = buffered.indexOf('\n')) >= 0) {
            take(buffered.slice(0, newline));
            buffered = buffered.slice(newline + 1);
          }
        });
        response.on('end', () => settle(() => reject(new Error(stoppedMessage(target, 'the connection ended without an answer')))));
        response.on('error', (error) => settle(() => reject(new Error(stoppedMessage(target, error.message)))));
        response.on('close', () => settle(() => reject(new Error(stoppedMessage(target, 'the connection closed')))));
      },
    );
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (options.signal?.aborted) return settle(() => reject(new Error('interrupted')));
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') {
        // A socket left by a server that was killed, while another process (another foyer command) holds the data directory.
        return settle(() =>
          reject(new Error(`Foyer (pid ${target.pid}) holds the embedded database, but nothing answers on ${target.socket}: if it is another foyer command, run this one when it ends`)),
        );
      }
      settle(() => reject(new Error(stoppedMessage(target, error.code ?? error.message))));
    });
    options.signal?.addEventListener('abort', () => outgoing.destroy(), { once: true });
    outgoing.end(body);
  });
}
