/**
 * A local HTTP server speaking the documented send APIs of GoTrue's SMS providers — Twilio Messages,
 * Twilio Verify (Verifications and VerificationCheck), MessageBird /messages, Textlocal /send and
 * Vonage /sms/json — with each provider's own success and error bodies. It records every request
 * (path, headers, form) and can misbehave on demand (a status with a body, garbage, a hang), like the
 * siteverify server of the CAPTCHA tests. Twilio Verify's codes are made here, as Twilio makes them.
 */
import { randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SmsProviderMode =
  /** The provider's success answer. */
  | { readonly kind: 'ok' }
  /** The provider's own "accepted the request but could not send" answer (HTTP 200/201). */
  | { readonly kind: 'refused' }
  | { readonly kind: 'status'; readonly status: number; readonly body: string }
  /** HTTP 200 with an HTML page. */
  | { readonly kind: 'garbage' }
  /** Never answers (until the server closes). */
  | { readonly kind: 'hang' };

export interface ReceivedSms {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly rawBody: string;
  readonly form: Readonly<Record<string, string>>;
}

export interface SmsProviderServer {
  /** The base URL (FOYER_SMS_PROVIDER_URL); each provider's own path follows it. */
  readonly url: string;
  readonly received: ReceivedSms[];
  mode: SmsProviderMode;
  /** Twilio Verify: the code it sent to a number ("+<digits>"), until checked right. */
  readonly verifyCodes: Map<string, string>;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

/** Each API's answers, as its documentation shows them. */
function answerFor(path: string, form: Readonly<Record<string, string>>, refused: boolean, verifyCodes: Map<string, string>): { status: number; body: Json } {
  if (/^\/2010-04-01\/Accounts\/[^/]+\/Messages\.json$/.test(path)) {
    return {
      status: 201,
      body: {
        sid: 'SM0123456789abcdef0123456789abcdef',
        status: refused ? 'failed' : 'queued',
        to: form.To,
        from: form.From,
        body: form.Body ?? null,
        error_code: refused ? 30008 : null,
        error_message: refused ? 'Unknown error' : null,
      },
    };
  }
  if (/^\/v2\/Services\/[^/]+\/Verifications$/.test(path)) {
    if (!refused) verifyCodes.set(form.To, String(randomInt(0, 1_000_000)).padStart(6, '0'));
    return { status: 201, body: { sid: 'VE0123456789abcdef0123456789abcdef', status: 'pending', to: form.To, channel: form.Channel, valid: false } };
  }
  if (/^\/v2\/Services\/[^/]+\/VerificationCheck$/.test(path)) {
    const expected = verifyCodes.get(form.To);
    if (expected === undefined) {
      return { status: 404, body: { code: 20404, message: 'The requested resource was not found', more_info: 'https://www.twilio.com/docs/errors/20404', status: 404 } };
    }
    const approved = expected === form.Code;
    if (approved) verifyCodes.delete(form.To);
    return { status: 200, body: { sid: 'VE0123456789abcdef0123456789abcdef', to: form.To, status: approved ? 'approved' : 'pending', valid: approved } };
  }
  if (path === '/messages') {
    return { status: 201, body: { id: 'mb-message-1', recipients: { totalCount: 1, totalSentCount: refused ? 0 : 1, items: [{ recipient: Number(form.recipients), status: 'sent' }] } } };
  }
  if (path === '/send') {
    return refused
      ? { status: 200, body: { status: 'failure', errors: [{ code: 7, message: 'Insufficient credits' }] } }
      : { status: 200, body: { status: 'success', balance: 1162, batch_id: 123456789, num_messages: 1, messages: [{ id: 'tl-1151346216', recipient: Number(form.numbers) }] } };
  }
  if (path === '/sms/json') {
    return refused
      ? { status: 200, body: { 'message-count': '1', messages: [{ status: '9', 'error-text': 'Partner quota exceeded' }] } }
      : { status: 200, body: { 'message-count': '1', messages: [{ to: form.to, 'message-id': '0A0000000123ABCD1', status: '0', 'remaining-balance': '3.14159265' }] } };
  }
  return { status: 404, body: { error: `no such path ${path}` } };
}

export async function startSmsProviderServer(mode: SmsProviderMode = { kind: 'ok' }): Promise<SmsProviderServer> {
  const received: ReceivedSms[] = [];
  const verifyCodes = new Map<string, string>();
  const state = { mode };
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.setEncoding('utf8');
    for await (const chunk of request) body += chunk as string;
    const path = request.url ?? '';
    const form = Object.fromEntries(new URLSearchParams(body));
    received.push({ method: request.method ?? '', path, headers: request.headers, rawBody: body, form });
    const current = state.mode;
    const send = (status: number, contentType: string, payload: string) => {
      response.writeHead(status, { 'content-type': contentType });
      response.end(payload);
    };
    switch (current.kind) {
      case 'ok':
      case 'refused': {
        const answer = answerFor(path, form, current.kind === 'refused', verifyCodes);
        return send(answer.status, 'application/json', JSON.stringify(answer.body));
      }
      case 'status':
        return send(current.status, 'application/json', current.body);
      case 'garbage':
        return send(200, 'text/html', '<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>');
      case 'hang':
        return; // the socket stays open until close()
    }
  };
  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    verifyCodes,
    get mode() {
      return state.mode;
    },
    set mode(next: SmsProviderMode) {
      state.mode = next;
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** The code in a text such as "Your code is 123456". */
export const codeIn = (text: string | undefined): string => /(\d{6,10})/.exec(text ?? '')?.[1] ?? 'missing';
