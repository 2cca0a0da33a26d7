/** buildApp(): the Fastify application, without listening, so tests drive it with inject(). */
import cors from '@fastify/cors';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { AuthDeps } from './auth/deps.js';
import { FoyerError } from './errors.js';
import { BODY_LIMIT_BYTES, registerJsonParser } from './http/body.js';
import { API_VERSION, errorHandler, sendError, wantsVersionedErrors } from './http/errors.js';
import { registerClientIp } from './http/plugins/client.js';
import { restApi } from './http/rest/plugin.js';
import { protectionStatusRoutes } from './http/plugins/protection-status.js';
import { adminRoutes } from './http/routes/admin.js';
import { adminAuditRoutes } from './http/routes/admin-audit.js';
import { identityRoutes } from './http/routes/identities.js';
import { mergeRoutes } from './http/routes/merge.js';
import { registerOps } from './http/routes/ops.js';
import { opsAdminRoutes } from './http/routes/ops-admin.js';
import { metaRoutes } from './http/routes/meta.js';
import { oauthRoutes } from './http/routes/oauth.js';
import { otpRoutes } from './http/routes/otp.js';
import { verifyRoutes } from './http/routes/verify.js';
import { signupRoutes } from './http/routes/signup.js';
import { tokenRoutes } from './http/routes/token.js';
import { userRoutes } from './http/routes/user.js';

export interface BuildAppOptions {
  readonly deps: AuthDeps;
  readonly logger?: FastifyServerOptions['logger'];
  /** The project's ref: the `project` label of its /metrics (default: "default"). */
  readonly project?: string;
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
    identityRoutes(api, deps);
    oauthRoutes(api, deps);
    metaRoutes(api, deps);
    adminRoutes(api, deps);
    adminAuditRoutes(api, deps);
    protectionStatusRoutes(api, deps);
    verifyRoutes(api, deps);
    otpRoutes(api, deps);
    mergeRoutes(api, deps);
    opsAdminRoutes(api, deps);
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
  // request.clientIp: the client behind FOYER_TRUSTED_PROXIES (request.ip stays the socket address).
  registerClientIp(app, options.deps);
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
  // GET /metrics and the request timing hook, on the root so the hook sees every route.
  registerOps(app, options.deps, options.project);
  // Served under /auth/v1 (what supabase-js calls) and at the root (drop-in for the gotrue container).
  await app.register(authApi(options.deps), { prefix: '/auth/v1' });
  await app.register(authApi(options.deps));
  // The Data API (PostgREST-compatible, row-level security decides): docs/data-api.md.
  await app.register(restApi(options.deps), { prefix: '/rest/v1' });
  return app;
}
