/**
 * The console talks only to the management API (/platform/v1). The session is an httpOnly cookie;
 * every mutation carries the CSRF token the login (or GET /session) handed out. A 401
 * `console_login_required` anywhere sends the app back to the login screen.
 */
import type { SessionInfo } from './types';

export const PLATFORM = '/platform/v1';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The route does not exist on this server (as opposed to a missing record). */
  get unavailable(): boolean {
    return (this.status === 404 && (this.code === 'not_found' || this.code === '')) || this.status === 501;
  }
}

export interface ApiResponse<T> {
  readonly data: T;
  readonly headers: Headers;
  readonly status: number;
}

let csrfToken: string | null = null;
const loggedOutListeners = new Set<() => void>();

export function setSession(session: SessionInfo | null): void {
  csrfToken = session?.csrf_token ?? null;
}

/** Called when the server says the console session is gone. */
export function onLoggedOut(listener: () => void): () => void {
  loggedOutListeners.add(listener);
  return () => loggedOutListeners.delete(listener);
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

function errorOf(status: number, headers: Headers, body: unknown): ApiError {
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const code =
    headers.get('x-sb-error-code') ??
    (typeof record.error_code === 'string' ? record.error_code : typeof record.code === 'string' ? record.code : '');
  const message =
    (typeof record.message === 'string' && record.message) ||
    (typeof record.msg === 'string' && record.msg) ||
    (typeof record.error_description === 'string' && record.error_description) ||
    (typeof record.error === 'string' && record.error) ||
    `${status} ${code || 'error'}`;
  return new ApiError(status, code, message);
}

export async function request<T>(method: Method, path: string, body?: unknown): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`${PLATFORM}${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, 'network_error', `The server did not answer (${(error as Error).message}).`);
  }
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!response.ok) {
    const error = errorOf(response.status, response.headers, parsed);
    if (response.status === 401 && error.code === 'console_login_required') {
      csrfToken = null;
      for (const listener of loggedOutListeners) listener();
    }
    throw error;
  }
  return { data: parsed as T, headers: response.headers, status: response.status };
}

export const get = async <T>(path: string): Promise<T> => (await request<T>('GET', path)).data;
export const post = async <T>(path: string, body: unknown = {}): Promise<T> => (await request<T>('POST', path, body)).data;
export const patch = async <T>(path: string, body: unknown): Promise<T> => (await request<T>('PATCH', path, body)).data;
export const put = async <T>(path: string, body: unknown): Promise<T> => (await request<T>('PUT', path, body)).data;
export const del = async <T>(path: string, body?: unknown): Promise<T> => (await request<T>('DELETE', path, body)).data;

/** A path of a project's admin API, forwarded by the management API to /auth/v1/admin/*. */
export const adminPath = (ref: string, path: string) => `/projects/${encodeURIComponent(ref)}/admin/${path.replace(/^\//, '')}`;

export const projectPath = (ref: string, path = '') => `/projects/${encodeURIComponent(ref)}${path}`;

/** A message for an error in the UI. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.code && !error.message.includes(error.code) ? `${error.message} (${error.code})` : error.message;
  return error instanceof Error ? error.message : String(error);
}
