/**
 * The local admin channel: how the `foyer` CLI works beside a running `foyer start` on the embedded
 * database (docs/operations.md, "The CLI beside a running server").
 *
 * PGlite allows one process per data directory (src/store/dir-lock.ts), so while the server runs the CLI
 * must not open the database: it asks the server instead, over a Unix domain socket in the data directory,
 * FOYER_DATA_DIR/run/admin.sock. Why a socket there rather than the platform API on loopback with a secret:
 * - the data directory keeps one owner, the server, and the CLI never touches its files;
 * - access is the file system's: the socket is 0600 in a 0700 directory, so only the user who owns the
 *   data directory (who could read the database files anyway) can connect. No secret to generate, store,
 *   compare or leak, no port, nothing reachable from the network or by other local users;
 * - it is found where the data is: the CLI with the same FOYER_DATA_DIR finds the server it manages.
 * The protocol is HTTP over the socket: POST /v1/<operation> with a JSON object of parameters; the answer
 * is JSON lines (progress events, then one line with the result or the error), so a cleanup shows its
 * progress bar. Closing the connection aborts the operation (a cleanup stops after its current batch).
 */
import { join, resolve } from 'node:path';

/** sun_path is 104 bytes on macOS and 108 on Linux, with its terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 103;

export const channelDir = (dataDir: string): string => join(resolve(dataDir), 'run');
export const channelSocketPath = (dataDir: string): string => join(channelDir(dataDir), 'admin.sock');

/** Why the socket cannot be used at this path, if it cannot. */
export function socketPathProblem(path: string): string | undefined {
  const bytes = Buffer.byteLength(path);
  return bytes > MAX_SOCKET_PATH_BYTES
    ? `its socket path ${path} is ${bytes} bytes, longer than Unix sockets allow (${MAX_SOCKET_PATH_BYTES}): use a shorter FOYER_DATA_DIR`
    : undefined;
}

/** One line of an answer. */
export type ChannelLine =
  | { readonly event: Record<string, unknown> }
  | { readonly result: unknown }
  | { readonly error: { readonly message: string; readonly code: string } };

/** The largest request body the server reads (parameters are a few short values). */
export const MAX_REQUEST_BYTES = 64 * 1024;
