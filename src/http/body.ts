import type { FastifyInstance } from 'fastify';
import { FoyerError } from '../errors.js';

/** 1 MiB, GoTrue's limit; more is refused with 413 before it is parsed. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * GoTrue reads bodies as JSON whatever their content type, and lets body-less endpoints (logout)
 * through with an empty body. Parsing here; `requireBody` then says which endpoints need one.
 */
export function registerJsonParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(new FoyerError('bad_json', `Could not parse request body as JSON: ${(error as Error).message}`), undefined);
    }
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
