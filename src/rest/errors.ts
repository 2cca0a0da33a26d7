/**
 * Errors of the Data API in PostgREST's wire shape `{code, message, details, hint}` with its HTTP
 * status mapping: PGRST codes for what Foyer refuses itself, PostgreSQL SQLSTATEs passed through.
 */

export interface RestErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details: string | null | readonly unknown[];
  readonly hint: string | null;
}

export class RestError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: string | null | readonly unknown[];
  readonly hint: string | null;
  /** Extra response headers (WWW-Authenticate on 401s). */
  readonly headers: Readonly<Record<string, string>>;
  /** True for errors that a stale schema cache can explain (unknown table, column, function, relationship). */
  readonly schemaMiss: boolean;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { details?: string | null | readonly unknown[]; hint?: string | null; headers?: Record<string, string>; schemaMiss?: boolean } = {},
  ) {
    super(message);
    this.name = 'RestError';
    this.status = status;
    this.code = code;
    this.details = options.details ?? null;
    this.hint = options.hint ?? null;
    this.headers = options.headers ?? {};
    this.schemaMiss = options.schemaMiss ?? false;
  }

  toJSON(): RestErrorBody {
    return { code: this.code, details: this.details, hint: this.hint, message: this.message };
  }
}

/** PGRST100: the query string does not parse. */
export const parseError = (what: string, input: string, details: string) =>
  new RestError(400, 'PGRST100', `"failed to parse ${what}" (${truncate(input)})`, { details });

/** PGRST102: the body is not what the request needs. */
export const bodyError = (message: string, details: string | null = null) => new RestError(400, 'PGRST102', message, { details });

export const tableNotFound = (schema: string, table: string) =>
  new RestError(404, 'PGRST205', `Could not find the table '${schema}.${table}' in the schema cache`, { schemaMiss: true });

/** What PostgreSQL itself answers for an unknown column (PostgREST forwards it). */
export const columnNotFound = (table: string, column: string) =>
  new RestError(400, '42703', `column ${table}.${column} does not exist`, { schemaMiss: true });

/** PGRST204: a payload or `columns` key that the table lacks. */
export const payloadColumnNotFound = (table: string, column: string) =>
  new RestError(400, 'PGRST204', `Could not find the '${column}' column of '${table}' in the schema cache`, { schemaMiss: true });

/** Why a session no longer lets its access tokens in (auth.foyer_rest_session_state). */
export type SessionEndedReason = 'session_not_found' | 'user_not_found' | 'user_banned';

const SESSION_ENDED_DETAILS: Readonly<Record<SessionEndedReason, string>> = {
  session_not_found: 'The session of this token has ended (signed out, or ended because its refresh token was reused)',
  user_not_found: 'The user of this token no longer exists',
  user_banned: 'The user of this token is banned',
};

/**
 * A token whose signature and expiry are fine but whose session has ended: PostgREST's 401 for a
 * token whose claims do not pass validation (PGRST303, as for an expired one), so clients that
 * sign in again on an expired token do the same here. GoTrue's own error code is in `details`.
 */
export const sessionEnded = (reason: SessionEndedReason) =>
  new RestError(401, 'PGRST303', 'JWT session ended', {
    details: SESSION_ENDED_DETAILS[reason],
    hint: `${reason}: sign in again`,
    headers: { 'www-authenticate': 'Bearer error="invalid_token", error_description="JWT session ended"' },
  });

export const isSessionEndedReason = (value: unknown): value is SessionEndedReason =>
  typeof value === 'string' && Object.hasOwn(SESSION_ENDED_DETAILS, value);

export const notImplemented = (message: string) => new RestError(400, 'PGRST127', message, { details: 'Foyer does not implement this part of PostgREST' });

export const singularityError = (rows: number) =>
  new RestError(406, 'PGRST116', 'Cannot coerce the result to a single JSON object', { details: `The result contains ${rows} rows` });

const truncate = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}…` : text);

interface PgErrorLike {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
  hint?: unknown;
}

const isPgError = (error: unknown): error is PgErrorLike =>
  typeof error === 'object' && error !== null && typeof (error as PgErrorLike).code === 'string' && /^[0-9A-Z]{5}$/.test((error as PgErrorLike).code as string);

/** PostgREST's table from SQLSTATE to HTTP status (docs: references/errors, "HTTP Status Codes"). */
export function pgErrorStatus(code: string, message: string, anonymous: boolean): number {
  if (code === '42501') return anonymous ? 401 : 403;
  if (code === '23503' || code === '23505') return 409;
  if (code === '25006') return 405;
  if (code === '42883' || code === '42P01') return 404;
  if (code === '42P17') return 500;
  if (code === '22023' && message.startsWith('role') && message.endsWith('does not exist')) return 401;
  if (code === '21000' && message.endsWith('requires a WHERE clause')) return 400;
  if (code === 'P0001') return 400;
  if (code === '53400') return 500;
  if (/^PT\d{3}$/.test(code)) return Number(code.slice(2));
  const prefix = code.slice(0, 2);
  const byClass: Record<string, number> = {
    '08': 503, '09': 500, '0L': 403, '0P': 403, '25': 500, '28': 403, '2D': 500, '38': 500, '39': 500, '3B': 500,
    '40': 500, '53': 503, '54': 500, '55': 500, '57': 500, '58': 500, F0: 500, HV: 500, P0: 500, XX: 500,
  };
  return byClass[prefix] ?? 400;
}

/** A database error as PostgREST forwards it, or undefined when `error` did not come from PostgreSQL. */
export function fromPgError(error: unknown, anonymous: boolean): RestError | undefined {
  if (!isPgError(error)) return undefined;
  const code = error.code as string;
  const message = typeof error.message === 'string' ? error.message : 'database error';
  const status = pgErrorStatus(code, message, anonymous);
  const headers: Record<string, string> = status === 401 ? { 'www-authenticate': 'Bearer' } : {};
  return new RestError(status, code, message, {
    details: typeof error.detail === 'string' && error.detail !== '' ? error.detail : null,
    hint: typeof error.hint === 'string' && error.hint !== '' ? error.hint : null,
    headers,
    // The catalog changed under the cache: reload before the next request trusts it.
    schemaMiss: code === '42703' || code === '42P01' || code === '42883',
  });
}
