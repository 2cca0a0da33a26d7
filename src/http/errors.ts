/**
 * GoTrue's error wire shape. With `X-Supabase-Api-Version` ≥ 2024-01-01 (what supabase-js sends):
 * `{code, message}` and the header echoed back; without it, the legacy `{code: status, error_code, msg}`.
 * Both set `x-sb-error-code`. Fastify's own errors (bad JSON, oversized body, schema) map onto GoTrue codes.
 */
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { FoyerError, type ErrorCode } from '../errors.js';
import { RestError } from '../rest/errors.js';
import { MAX_PATH_PARAM_LENGTH } from './body.js';

export const API_VERSION = '2024-01-01';
const API_VERSION_HEADER = 'x-supabase-api-version';

/** True when the request names an API version at or after 2024-01-01 (dates compare as strings). */
export function wantsVersionedErrors(request: FastifyRequest): boolean {
  const value = request.headers[API_VERSION_HEADER];
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value.trim()) && value.trim() >= API_VERSION;
}

function fromFastifyError(error: FastifyError): FoyerError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new FoyerError('bad_json', `Could not parse request body as JSON: ${error.message}`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new FoyerError('request_too_large', 'Request body too large');
    case 'FST_ERR_VALIDATION':
      return new FoyerError('validation_failed', error.message);
    default:
      if (error.validation) return new FoyerError('validation_failed', error.message);
      if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
        return new FoyerError(error.statusCode === 404 ? 'not_found' : 'validation_failed', error.message, { status: error.statusCode });
      }
      return undefined;
  }
}

/**
 * Schema errors as one clear sentence per field: a field that may be null (`Maybe`) fails as "must NOT
 * have more than 255 characters", not also as "must be null" and "must match a schema in anyOf".
 */
export function schemaErrorFormatter(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const meaningful = errors.filter((error) => error.keyword !== 'anyOf' && !(error.keyword === 'type' && error.params.type === 'null'));
  const shown = meaningful.length ? meaningful : errors;
  return new Error(shown.map((error) => `${dataVar}${error.instancePath || ''} ${error.message ?? 'is not valid'}`).join(', '));
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: FoyerError): FastifyReply {
  if (error.wire === 'oauth') return reply.code(error.status).send({ error: error.code, error_description: error.message });
  reply.code(error.status).header('x-sb-error-code', error.code);
  if (wantsVersionedErrors(request)) {
    return reply.send({ code: error.code, message: error.message, ...error.extra });
  }
  const legacy: Record<string, unknown> = { code: error.status, error_code: error.code, msg: error.message, ...error.extra };
  if (error.status >= 500) legacy.error_id = request.id;
  return reply.send(legacy);
}

export function errorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof FoyerError) {
    // A failure underneath (a hook that broke, a provider that answered nonsense) is logged, not sent.
    if (error.cause !== undefined) request.log.warn({ err: error.cause, code: error.code }, error.message);
    return sendError(request, reply, error);
  }
  const mapped = fromFastifyError(error as FastifyError);
  if (mapped) return sendError(request, reply, mapped);
  request.log.error({ err: error }, 'unexpected failure');
  return sendError(request, reply, new FoyerError('unexpected_failure', 'Unexpected failure, please check server logs for more information'));
}

/**
 * What the router refuses before any route runs (Fastify's frameworkErrors): a path parameter longer than
 * MAX_PATH_PARAM_LENGTH, a path that is not valid percent-encoding. Answered in the shape of the API the
 * path is under, never Fastify's own `{error, code: "FST_…"}`.
 */
export function routerRefusal(error: FastifyError): string {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return `A path parameter is longer than ${MAX_PATH_PARAM_LENGTH} characters`;
  if (error.code === 'FST_ERR_BAD_URL') return 'The path is not valid URL encoding';
  return 'The request cannot be routed';
}

export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const message = routerRefusal(error);
  // The Data API's own shape, for the default project and for another one under /p/<ref>.
  if (/^(\/p\/[^/?]+)?\/rest\/v1(\/|\?|$)/.test(request.url)) {
    const refusal = new RestError(400, 'PGRST100', message);
    return reply.code(refusal.status).type('application/json; charset=utf-8').send(JSON.stringify(refusal.toJSON()));
  }
  return sendError(request, reply, new FoyerError('validation_failed', message));
}

export const notFoundError = (code: ErrorCode = 'not_found') => new FoyerError(code, 'Not Found');
