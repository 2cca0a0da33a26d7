/**
 * Auth hook tests: a local HTTP receiver that checks the Standard Webhooks signature of every request
 * with the `standardwebhooks` package (a wrong one is answered 401 and recorded as refused), keeps the
 * payloads it accepted and answers as the test asks; Standard Webhooks secrets in GoTrue's form.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** A GoTrue-form secret (`v1,whsec_<base64>`) made from 32 bytes of `seed`. */
export const hookSecret = (seed: string): string => `v1,whsec_${Buffer.from(seed.padEnd(32, '.').slice(0, 32)).toString('base64')}`;

/** How the receiver answers an accepted request. */
export type HookAnswer =
  | { readonly kind: 'json'; readonly status?: number; readonly body: unknown }
  | { readonly kind: 'raw'; readonly status: number; readonly contentType: string; readonly body: string }
  | { readonly kind: 'hang' };

export interface HookRequest {
  readonly headers: IncomingMessage['headers'];
  readonly payload: Record<string, unknown>;
}

export interface HookReceiver {
  readonly url: string;
  /** Requests whose signature checked out. */
  readonly accepted: HookRequest[];
  /** Requests refused for their signature (answered 401). */
  refused: number;
  answer: HookAnswer;
  close(): Promise<void>;
}

/** `secret` is the one the receiver trusts (the project may sign with others too). */
export async function startHookReceiver(secret: string): Promise<HookReceiver> {
  const verifier = new Webhook(secret.slice('v1,'.length));
  const hanging = new Set<ServerResponse>();
  const receiver: HookReceiver = {
    url: '',
    accepted: [],
    refused: 0,
    answer: { kind: 'json', body: {} },
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let payload: Record<string, unknown>;
      try {
        payload = verifier.verify(body, request.headers as Record<string, string>) as Record<string, unknown>;
      } catch {
        receiver.refused += 1;
        response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'bad signature' }));
        return;
      }
      receiver.accepted.push({ headers: request.headers, payload });
      const answer = receiver.answer;
      if (answer.kind === 'hang') {
        hanging.add(response);
        return;
      }
      if (answer.kind === 'raw') {
        response.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.body);
        return;
      }
      response.writeHead(answer.status ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (receiver as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}
