/**
 * A local HTTP server speaking the hCaptcha / Turnstile siteverify protocol: form POST of `secret`,
 * `response`, `remoteip`, JSON `{success, "error-codes"}` back. It records every form it received and
 * can misbehave on demand (500, HTML, hang) to exercise fail-closed paths.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SiteverifyMode =
  /** success:true for any token. */
  | { readonly kind: 'pass' }
  | { readonly kind: 'fail'; readonly codes: readonly string[] }
  | { readonly kind: 'status'; readonly status: number; readonly body?: string }
  | { readonly kind: 'html' }
  | { readonly kind: 'json'; readonly body: string }
  /** Never answers (until the server closes). */
  | { readonly kind: 'hang' };

export interface ReceivedVerification {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly form: Readonly<Record<string, string>>;
}

export interface SiteverifyServer {
  readonly url: string;
  readonly received: ReceivedVerification[];
  mode: SiteverifyMode;
  close(): Promise<void>;
}

export async function startSiteverifyServer(mode: SiteverifyMode = { kind: 'pass' }): Promise<SiteverifyServer> {
  const received: ReceivedVerification[] = [];
  const state = { mode };
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.setEncoding('utf8');
    for await (const chunk of request) body += chunk as string;
    received.push({
      method: request.method ?? '',
      path: request.url ?? '',
      contentType: request.headers['content-type'],
      form: Object.fromEntries(new URLSearchParams(body)),
    });
    const current = state.mode;
    const json = (status: number, payload: string) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(payload);
    };
    switch (current.kind) {
      case 'pass':
        return json(200, JSON.stringify({ success: true, 'error-codes': [], hostname: 'localhost', challenge_ts: new Date().toISOString() }));
      case 'fail':
        return json(200, JSON.stringify({ success: false, 'error-codes': current.codes }));
      case 'status':
        return json(current.status, current.body ?? JSON.stringify({ success: false, 'error-codes': ['internal-error'] }));
      case 'html':
        response.writeHead(200, { 'content-type': 'text/html' });
        return response.end('<!doctype html><html><body><h1>Attention Required!</h1></body></html>');
      case 'json':
        return json(200, current.body);
      case 'hang':
        return; // the socket stays open until close()
    }
  };
  const server: Server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/siteverify`,
    received,
    get mode() {
      return state.mode;
    },
    set mode(next: SiteverifyMode) {
      state.mode = next;
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** A URL nothing listens on (a port that was just free). */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return `http://127.0.0.1:${port}/siteverify`;
}
