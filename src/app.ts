/** buildApp(): the Fastify application, without listening, so tests drive it with inject(). */
import cors from '@fastify/cors';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { AuthDeps } from './auth/deps.js';
import { FoyerError } from './errors.js';
import type { FoyerMetrics } from './metrics/registry.js';
import type { Db } from './store/db.js';
import { BODY_LIMIT_BYTES, MAX_PATH_PARAM_LENGTH, registerInputChecks, registerJsonParser } from './http/body.js';
import { lazySchemaCompilers, rememberSchemaCompilers } from './http/lazy-schemas.js';
import { recordRoutes } from './http/route-table.js';
import { API_VERSION, errorHandler, frameworkErrorHandler, schemaErrorFormatter, sendError, wantsVersionedErrors } from './http/errors.js';
import { registerClientIp } from './http/plugins/client.js';
import { restApi } from './http/rest/plugin.js';
import { protectionStatusRoutes } from './http/plugins/protection-status.js';
import { adminRoutes } from './http/routes/admin.js';
import { adminAuditRoutes } from './http/routes/admin-audit.js';
import { adminFactorRoutes } from './http/routes/admin-factors.js';
import { adminSupportRoutes } from './http/routes/admin-support.js';
import { captchaRoutes } from './http/routes/captcha.js';
import { identityRoutes } from './http/routes/identities.js';
import { mergeRoutes } from './http/routes/merge.js';
import { projectMetrics, registerOps } from './http/routes/ops.js';
import { opsAdminRoutes } from './http/routes/ops-admin.js';
import { metaRoutes } from './http/routes/meta.js';
import { mfaRoutes } from './http/routes/mfa.js';
import { ssoRoutes } from './http/routes/sso.js';
import { ssoAdminRoutes } from './http/routes/sso-admin.js';
import { customProvidersAdminRoutes } from './http/routes/custom-providers-admin.js';
import { oauthRoutes } from './http/routes/oauth.js';
import { oauthServerRoutes } from './http/routes/oauth-server.js';
import { otpRoutes } from './http/routes/otp.js';
import { passkeyRoutes } from './http/routes/passkeys.js';
import { verifyRoutes } from './http/routes/verify.js';
import { signupRoutes } from './http/routes/signup.js';
import { tokenRoutes } from './http/routes/token.js';
import { reauthenticateRoutes } from './http/routes/reauthenticate.js';
import { userRoutes } from './http/routes/user.js';

/**
 * What an app serves. `all`: the auth API, the Data API and /metrics (the embedded quick start's one
 * port, the drop-in admin listener, /p/<ref>). `auth`: GoTrue's routes only, under /auth/v1 and at the
 * root (the drop-in auth listener, behind a gateway that strips /auth/v1).
 */
export type AppSurface = 'all' | 'auth';

export { projectMetrics } from './http/routes/ops.js';

export interface BuildAppOptions {
  readonly deps: AuthDeps;
  readonly logger?: FastifyServerOptions['logger'];
  /** The project's ref: the `project` label of its /metrics (default: "default"). */
  readonly project?: string;
  /** Default: `all`. */
  readonly surface?: AppSurface;
  /**
   * The Data API's connection (surface `all`): by default the project database; in drop-in mode a login
   * of its own (FOYER_REST_DATABASE_URL), or null: no Data API.
   */
  readonly dataApiDb?: Db | null;
  /** The project's metrics, when two apps serve one project (both count into it). */
  readonly metrics?: FoyerMetrics;
}

const corsAllowedHeaders = [
  'Authorization', 'Content-Type', 'X-Client-Info', 'X-JWT-AUD', 'X-Supabase-Api-Version', 'apikey', 'X-Retry-Count',
  'Accept', 'Accept-Profile', 'Content-Profile', 'Prefer', 'Range',
];
const corsExposedHeaders = ['X-Supabase-Api-Version', 'X-Total-Count', 'Link', 'x-sb-error-code', 'Content-Range', 'Retry-After'];

/** The GoTrue-compatible auth API, mounted once per prefix. */
function authApi(deps: AuthDeps) {
  return async (api: FastifyInstance) => {
    registerInputChecks(api);
    signupRoutes(api, deps);
    tokenRoutes(api, deps);
    userRoutes(api, deps);
    reauthenticateRoutes(api, deps);
    identityRoutes(api, deps);
    oauthRoutes(api, deps);
    await api.register(oauthServerRoutes(deps));
    metaRoutes(api, deps);
    captchaRoutes(api, deps);
    adminRoutes(api, deps);
    adminAuditRoutes(api, deps);
    protectionStatusRoutes(api, deps);
    verifyRoutes(api, deps);
    otpRoutes(api, deps);
    passkeyRoutes(api, deps);
    mergeRoutes(api, deps);
    mfaRoutes(api, deps);
    adminFactorRoutes(api, deps);
    adminSupportRoutes(api, deps);
    opsAdminRoutes(api, deps);
    ssoRoutes(api, deps);
    ssoAdminRoutes(api, deps);
    customProvidersAdminRoutes(api, deps);
  };
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const schemaCompilers = lazySchemaCompilers();
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    frameworkErrors: frameworkErrorHandler,
    schemaErrorFormatter,
    // Per-request log lines cost CPU on the hot path; errors are still logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // GoTrue ignores unknown fields and never coerces: a number where a string belongs is an error.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // Each route's schemas compile on its first request (src/http/lazy-schemas.ts): most are never called.
    schemaController: { compilersFactory: schemaCompilers },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  rememberSchemaCompilers(app, schemaCompilers);
  recordRoutes(app);
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
  const surface = options.surface ?? 'all';
  // The request timing hook (and GET /metrics), on the root so the hook sees every route.
  const metrics = options.metrics ?? projectMetrics(options.deps, options.project);
  registerOps(app, options.deps, { metrics, route: surface === 'all' });
  // Served under /auth/v1 (what supabase-js calls) and at the root (drop-in for the gotrue container).
  await app.register(authApi(options.deps), { prefix: '/auth/v1' });
  await app.register(authApi(options.deps));
  // The Data API (PostgREST-compatible, row-level security decides): docs/data-api.md.
  const dataApiDb = options.dataApiDb === undefined ? options.deps.db : options.dataApiDb;
  if (surface === 'all' && dataApiDb) await app.register(restApi(options.deps, dataApiDb), { prefix: '/rest/v1' });
  return app;
}
