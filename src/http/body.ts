import type { FastifyInstance } from 'fastify';
import { FoyerError } from '../errors.js';

/** 1 MiB, GoTrue's limit; more is refused with 413 before it is parsed. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Deepest nesting a body may have. Far more than any API shape (metadata objects included) needs, and
 * far less than what overflows the stack of the recursive walks that follow (JSON.stringify when a body
 * is forwarded or stored, schema validation).
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The longest string (UTF-16 code units) any one value or key of a request may be, whatever the field:
 * the backstop behind the fields' own limits (src/http/schemas.ts, src/auth/validate.ts). 64 KiB is
 * 256 times the longest address GoTrue takes and far beyond any token, URL or name the API reads; a
 * metadata value may be long, but one string is not the 1 MiB body, and it ends up in every access
 * token of its user (user_metadata is a claim), which a header of 16 KiB (Node's default) cannot carry.
 */
export const MAX_STRING_LENGTH = 64 * 1024;

/**
 * The longest path parameter (decoded) the router takes: Fastify's default, set explicitly so it is a
 * stated limit. Every parameter is a UUID (36), a project ref (63) or a PostgreSQL name (63 characters
 * at most); a longer one answers 400 validation_failed (src/http/errors.ts, frameworkErrors).
 */
export const MAX_PATH_PARAM_LENGTH = 100;

/**
 * Why a parsed JSON value cannot go further, or undefined when it can: nesting beyond MAX_JSON_DEPTH
 * (bad_json); strings (keys included) longer than MAX_STRING_LENGTH, and strings PostgreSQL's text and
 * jsonb cannot hold: NUL (U+0000) and unpaired UTF-16 surrogates, which JSON.parse accepts from
 * `\u0000` and `\ud800` escapes (validation_failed).
 * Numbers JSON.parse rounded to Infinity (`1e400`) are bad_json too. Iterative, so the check itself
 * cannot overflow the stack it protects.
 */
export function inputDefect(value: unknown): FoyerError | undefined {
  // [value, depth, whether it is an object's key]
  const pending: [unknown, number, boolean][] = [[value, 0, false]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, depth, isKey] = next;
    if (typeof item === 'string') {
      const defect = stringDefect(item);
      if (defect) return new FoyerError('validation_failed', `Request body has ${isKey ? 'a key' : 'a string'} ${defect}`);
    } else if (typeof item === 'number') {
      if (!Number.isFinite(item)) return new FoyerError('bad_json', 'Could not parse request body as JSON: a number is out of range');
    } else if (item !== null && typeof item === 'object') {
      if (depth >= MAX_JSON_DEPTH) {
        return new FoyerError('bad_json', `Could not parse request body as JSON: nested deeper than ${MAX_JSON_DEPTH} levels`);
      }
      if (Array.isArray(item)) {
        for (const element of item) pending.push([element, depth + 1, false]);
      } else {
        for (const [key, element] of Object.entries(item)) {
          pending.push([key, depth + 1, true], [element, depth + 1, false]);
        }
      }
    }
  }
  return undefined;
}

const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * What makes a string unfit to go further, or undefined: longer than MAX_STRING_LENGTH (checked first,
 * before anything reads the whole string), or unstorable (PostgreSQL text, jsonb, JSON on the wire).
 */
export function stringDefect(text: string): string | undefined {
  if (text.length > MAX_STRING_LENGTH) return `longer than ${MAX_STRING_LENGTH} characters (the limit for any one value)`;
  if (text.includes('\u0000')) return 'with a NUL character (U+0000)';
  if (UNPAIRED_SURROGATE.test(text)) return 'with an unpaired UTF-16 surrogate';
  return undefined;
}

/** JSON.parse with the checks above; throws FoyerError (bad_json, validation_failed). Empty text: undefined. */
export function parseJsonInput(raw: string): unknown {
  const text = raw.trim();
  if (text === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FoyerError('bad_json', `Could not parse request body as JSON: ${(error as Error).message}`);
  }
  const defect = inputDefect(value);
  if (defect) throw defect;
  return value;
}

/**
 * GoTrue reads bodies as JSON whatever their content type, and lets body-less endpoints (logout)
 * through with an empty body. Parsing here; `requireBody` then says which endpoints need one.
 */
export function registerJsonParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) => {
    try {
      done(null, parseJsonInput(body as string));
    } catch (error) {
      done(error as FoyerError, undefined);
    }
  });
}

/**
 * Why a request's query string or path parameters cannot go further, or undefined: the string checks
 * bodies get, on keys and values (`%00` decodes to NUL). Each surface answers it in its own error shape.
 */
export function urlInputDefect(query: unknown, params: unknown): string | undefined {
  for (const [where, values] of [['query string', query], ['path', params]] as const) {
    if (!values || typeof values !== 'object') continue;
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
      // Path parameters' keys are the route's own names; query keys come from the client.
      const keyDefect = where === 'query string' ? stringDefect(key) : undefined;
      if (keyDefect) return `The ${where} has a parameter name ${keyDefect}`;
      for (const text of Array.isArray(value) ? value : [value]) {
        const defect = typeof text === 'string' ? stringDefect(text) : undefined;
        if (defect) return `The ${where} has a value ${defect}`;
      }
    }
  }
  return undefined;
}

/** The checks above as an app-wide preValidation hook, so every route, present and future, has them. */
export function registerInputChecks(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const defect = urlInputDefect(request.query, request.params);
    if (defect) throw new FoyerError('validation_failed', defect);
  });
}

/** Route hook (preValidation): runs before schema validation so an empty body is `bad_json`. */
export async function requireJsonBody(request: { body: unknown }): Promise<void> {
  requireBody(request.body);
}

export function requireBody(body: unknown): void {
  if (body === undefined || body === null) throw new FoyerError('bad_json', 'Could not parse request body as JSON: body is empty');
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new FoyerError('bad_json', 'Could not parse request body as JSON: expected an object');
  }
}

/** A JSON body as an object whose fields are then checked one by one; anything else reads as `{}` (every field absent). */
export const objectBody = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
