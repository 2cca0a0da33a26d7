/**
 * A real listening HTTP server for an in-process app whose settings need its own URL (API_EXTERNAL_URL,
 * OAuth redirect URIs): it listens first (port 0 on 127.0.0.1), the project is created with its origin,
 * then the app is attached and serves every request through Fastify's own routing.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface FrontServer {
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  attach(app: FastifyInstance): void;
  close(): Promise<void>;
}

export async function startFrontServer(): Promise<FrontServer> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    if (handler) return handler(req, res);
    res.statusCode = 503;
    res.end('not attached yet');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    attach(app) {
      handler = (req, res) => app.routing(req, res);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
