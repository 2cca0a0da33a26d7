/** One form POST to an SMS provider, with a deadline; every way it can fail becomes an SmsSendError. */
import { SmsSendError } from './sender.js';

export interface ProviderRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly form: URLSearchParams;
}

export interface ProviderAnswer {
  readonly status: number;
  readonly body: string;
}

/** Longest provider answer read; more is not an answer any of GoTrue's providers gives. */
const MAX_ANSWER_BYTES = 64 * 1024;

export async function postForm(request: ProviderRequest, timeoutMs: number): Promise<ProviderAnswer> {
  // Go's url.Values.Encode sorts by key: the same bytes GoTrue sends.
  request.form.sort();
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...request.headers },
      body: request.form.toString(),
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await response.text();
    return { status: response.status, body: body.length > MAX_ANSWER_BYTES ? body.slice(0, MAX_ANSWER_BYTES) : body };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') throw new SmsSendError(`the provider gave no answer within ${timeoutMs} ms`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new SmsSendError(`the provider could not be reached${cause?.code ? ` (${cause.code})` : ''}`);
  }
}

/** The answer as a JSON object, or an SmsSendError saying what came instead. */
export function jsonObject(answer: ProviderAnswer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(answer.body);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Reported below.
  }
  throw new SmsSendError(`the provider answered HTTP ${answer.status} with something other than a JSON object: ${JSON.stringify(answer.body.slice(0, 80))}`);
}

export const text = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '');

export const isSuccess = (status: number): boolean => status === 200 || status === 201;

export const basicAuth = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
