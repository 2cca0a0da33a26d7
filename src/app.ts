/** buildApp(): the Fastify application, without listening, so tests drive it with inject(). */
import cors from '@fastify/cors';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { AuthDeps } from './auth/deps.js';
import { FoyerError } from './errors.js';
import { BODY_LIMIT_BYTES, registerJsonParser } from './http/body.js';
import { API_VERSION, errorHandler, sendError, wantsVersionedErrors } from './http/errors.js';
import { adminRoutes } from './http/routes/admin.js';
import { metaRoutes } from './http/routes/meta.js';
import { signupRoutes } from './http/routes/signup.js';
import { tokenRoutes } from './http/routes/token.js';
import { userRoutes } from './http/routes/user.js';

export interface BuildAppOptions {
  readonly deps: AuthDeps;
  readonly logger?: FastifyServerOptions['logger'];
}

const corsAllowedHeaders = [
  'Authorization', 'Content-Type', 'X-Client-Info', 'X-JWT-AUD', 'X-Supabase-Api-Version', 'apikey', 'X-Retry-Count',
  'Accept', 'Accept-Profile', 'Content-Profile', 'Prefer', 'Range',
];
const corsExposedHeaders = ['X-Supabase-Api-Version', 'X-Total-Count', 'Link', 'x-sb-error-code', 'Content-Range', 'Retry-After'];

/** The GoTrue-compatible auth API, mounted once per prefix. */
function authApi(deps: AuthDeps) {
  return async (api: FastifyInstance) => {
    signupRoutes(api, deps);
    tokenRoutes(api, deps);
    userRoutes(api, deps);
    metaRoutes(api, deps);
    adminRoutes(api, deps);
  };
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT_BYTES,
    // Per-request log lines cost CPU on the hot path; errors are still logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // GoTrue ignores unknown fields and never coerces: a number where a string belongs is an error.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  registerJsonParser(app);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => sendError(request, reply, new FoyerError('not_found', 'Not Found')));
  app.addHook('onRequest', async (request, reply) => {
    if (wantsVersionedErrors(request)) reply.header('x-supabase-api-version', API_VERSION);
  });
  await app.register(cors, {
    origin: true,
    credentials: true,
    allowedHeaders: corsAllowedHeaders,
    exposedHeaders: corsExposedHeaders,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    maxAge: 86400,
  });
  // Served under /auth/v1 (what supabase-js calls) and at the root (drop-in for the gotrue container).
  await app.register(authApi(options.deps), { prefix: '/auth/v1' });
  await app.register(authApi(options.deps));
  return app;
}
