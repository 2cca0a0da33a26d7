/** A local web server serving mail templates (GOTRUE_MAILER_TEMPLATES_*), counting requests per path. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TemplateRoute {
  readonly body?: string;
  readonly status?: number;
  /** Waits this long before answering (a slow template server). */
  readonly delayMs?: number;
}

export interface TemplateServer {
  readonly base: string;
  /** Requests served per path. */
  readonly hits: Map<string, number>;
  set(path: string, route: TemplateRoute): void;
  close(): Promise<void>;
}

export async function startTemplateServer(routes: Record<string, TemplateRoute>): Promise<TemplateServer> {
  const table = new Map(Object.entries(routes));
  const hits = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = table.get(path);
    const answer = () => {
      if (!route) {
        response.writeHead(404).end('not found');
        return;
      }
      response.writeHead(route.status ?? 200, { 'content-type': 'text/html; charset=utf-8' }).end(route.body ?? '');
    };
    if (route?.delayMs) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer();
      }, route.delayMs);
      timers.add(timer);
    } else answer();
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    hits,
    set: (path, route) => table.set(path, route),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** A port nothing listens on (a template server that is down). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return `http://127.0.0.1:${port}`;
}
