/**
 * The server in front of every project: `/p/<ref>/…` (and `<ref>.<FOYER_BASE_DOMAIN>` hosts) go to that
 * project's own app with the prefix stripped; /platform/v1 (the management API) and /console are served
 * here; everything else goes to the default project's app. Requests are handed over in onRequest,
 * before their body is read, so the project app streams and parses it as if it had been addressed
 * directly (headers, client address and the response stream are the connection's own).
 *
 * The drop-in auth listener is a front that serves GoTrue's routes only: every request goes to the
 * default project's GoTrue-only app, whatever its path or Host, so nothing else is reachable through
 * a gateway that forwards `/auth/v1/*` there.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import cookie from '@fastify/cookie';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { FoyerError } from '../../errors.js';
import { MAX_PATH_PARAM_LENGTH, parseJsonInput, registerInputChecks } from '../body.js';
import { frameworkErrorHandler, routerRefusal } from '../errors.js';
import { buildOpenApiDocument, OPENAPI_CONTENT_TYPE } from '../openapi/document.js';
import { lazySchemaCompilers, rememberSchemaCompilers } from '../lazy-schemas.js';
import { recordRoutes, registeredRoutes } from '../route-table.js';
import { PlatformError, projectNotFound } from '../../platform/errors.js';
import type { Platform } from '../../platform/platform.js';
import { DEFAULT_REF, type ServedProject } from '../../projects/registry.js';
import { consoleStatic } from './console-static.js';
import { adminLinkRoutes, adminTeamRoutes } from './routes-admins.js';
import { consoleSessionRoutes } from './routes-console.js';
import { deliveryRoutes } from './routes-delivery.js';
import { projectRoutes } from './routes-projects.js';
import { settingsRoutes } from './routes-settings.js';
import { requireConsoleSession } from './session.js';

const PROJECT_PATH = /^\/p\/([a-z0-9][a-z0-9-]{0,62})(?=\/|\?|$)/;
const PLATFORM_PATH = /^\/(platform\/v1|console)(\/|\?|$)/;
/** The description of the whole API (src/http/openapi/): only this front knows every route. */
const OPENAPI_PATH = /^\/openapi\.json(\?|$)/;

function sendPlatformError(reply: FastifyReply, error: PlatformError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.code(error.status).header('x-sb-error-code', error.code).send({ code: error.code, message: error.message });
}

function platformErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof PlatformError) return sendPlatformError(reply, error);
  if (error instanceof FoyerError) return sendPlatformError(reply, new PlatformError(error.status, error.code, error.message));
  const status = (error as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) {
    const code = status === 415 ? 'unsupported_media_type' : status === 413 ? 'request_too_large' : 'bad_json';
    return sendPlatformError(reply, new PlatformError(status, code, error.message));
  }
  request.log.error({ err: error }, 'platform request failed');
  return sendPlatformError(reply, new PlatformError(500, 'unexpected_failure', 'Unexpected failure, please check server logs for more information'));
}

/** The project a request is for, by host name or /p/<ref> prefix; undefined: the front serves it or the default does. */
function projectTarget(platform: Platform, request: IncomingMessage): { ref: string; url: string } | undefined {
  const baseDomain = platform.registry.defaultConfig.baseDomain;
  const url = request.url ?? '/';
  if (baseDomain) {
    const host = (request.headers.host ?? '').toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
    if (host.endsWith(`.${baseDomain}`)) {
      const label = host.slice(0, -baseDomain.length - 1);
      if (/^[a-z0-9][a-z0-9-]{0,62}$/.test(label)) return { ref: label, url };
    }
  }
  const match = PROJECT_PATH.exec(url);
  if (!match) return undefined;
  const rest = url.slice(match[0].length);
  return { ref: match[1], url: rest.startsWith('/') ? rest : `/${rest}` };
}

/** Whether the front serves this request itself (the platform API, the console, other projects). */
const frontServes = (platform: Platform, request: IncomingMessage): boolean =>
  projectTarget(platform, request) !== undefined || (platform.consoleEnabled && PLATFORM_PATH.test(request.url ?? '/'));

/** Counts the request among those the project is answering until its response ends or its connection closes. */
function countActive(served: ServedProject, response: ServerResponse): void {
  served.activeRequests += 1;
  let counted = true;
  const done = () => {
    if (!counted) return;
    counted = false;
    served.activeRequests -= 1;
  };
  response.once('finish', done);
  response.once('close', done);
}

/**
 * `everything` (default): projects, the console and /platform/v1, and the default project's full app
 * (the embedded quick start's one port, the drop-in admin listener); closing the front closes the
 * platform. `gotrue`: the default project's GoTrue routes only (the drop-in auth listener).
 */
export type FrontServes = 'everything' | 'gotrue';

export interface FrontOptions {
  readonly logger?: FastifyServerOptions['logger'];
  readonly serves?: FrontServes;
}

export async function buildFront(platform: Platform, options: FrontOptions = {}): Promise<FastifyInstance> {
  const gotrueOnly = options.serves === 'gotrue';
  const defaultApp = gotrueOnly ? platform.registry.default.gotrueApp : platform.registry.default.app;
  const serves = (request: IncomingMessage): boolean => !gotrueOnly && (frontServes(platform, request) || OPENAPI_PATH.test(request.url ?? '/'));
  const schemaCompilers = lazySchemaCompilers();
  const front = Fastify({
    // Requests for the default project, most of them, go straight to its app: the front's own request
    // cycle would only decide to hand them over. (inject() still goes through the front's routing.)
    serverFactory: (frontHandler, settings) => {
      const server = createServer((request, response) => {
        // Once closing (no longer listening), the front answers everything: 503 with Connection: close,
        // so keep-alive clients let go and shutdown is not held up by their sockets.
        if (server.listening && !serves(request)) defaultApp.routing(request, response);
        else frontHandler(request, response);
      });
      // What Fastify sets on a server it makes itself (its resolved options; the type leaves them open).
      const timeouts = settings as { keepAliveTimeout?: number; requestTimeout?: number; connectionTimeout?: number };
      server.keepAliveTimeout = timeouts.keepAliveTimeout ?? server.keepAliveTimeout;
      server.requestTimeout = timeouts.requestTimeout ?? server.requestTimeout;
      server.setTimeout(timeouts.connectionTimeout ?? 0);
      return server;
    },
    logger: options.logger ?? false,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    // What the router refuses (an over-long path parameter, bad percent-encoding) in the shape of the API
    // the path is under: the platform's for its own routes, the project's otherwise.
    frameworkErrors: (error, request, reply) =>
      !gotrueOnly && platform.consoleEnabled && PLATFORM_PATH.test(request.url)
        ? sendPlatformError(reply, new PlatformError(400, 'validation_failed', routerRefusal(error)))
        : frameworkErrorHandler(error, request, reply),
    // The platform's routes too compile their schemas on first use (src/http/lazy-schemas.ts).
    schemaController: { compilersFactory: schemaCompilers },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  rememberSchemaCompilers(front, schemaCompilers);
  recordRoutes(front);
  const { registry } = platform;
  await defaultApp.ready();

  front.addHook('onRequest', async (request, reply) => {
    if (gotrueOnly) {
      reply.hijack();
      defaultApp.routing(request.raw, reply.raw);
      return;
    }
    const target = projectTarget(platform, request.raw);
    if (!target && OPENAPI_PATH.test(request.raw.url ?? '/')) return;
    if (!target && platform.consoleEnabled && PLATFORM_PATH.test(request.raw.url ?? '/')) {
      reply.header('x-frame-options', 'DENY');
      reply.header('content-security-policy', "frame-ancestors 'none'");
      reply.header('referrer-policy', 'no-referrer');
      reply.header('x-content-type-options', 'nosniff');
      return;
    }
    let app = defaultApp;
    if (target && target.ref !== DEFAULT_REF) {
      if (!registry.get(target.ref)) {
        return reply.code(404).header('x-sb-error-code', 'project_not_found').send({ code: 'project_not_found', message: `No project with ref ${target.ref}` });
      }
      let served: ServedProject;
      try {
        served = await registry.serve(target.ref);
      } catch (error) {
        const failure = error instanceof PlatformError ? error : new PlatformError(503, 'project_unavailable', `Project ${target.ref} cannot be served`);
        if (!(error instanceof PlatformError)) request.log.error({ err: error, ref: target.ref }, 'project could not be opened');
        return sendPlatformError(reply, failure);
      }
      // Deleted while it was being opened: its app is closing.
      if (!registry.get(target.ref)) return sendPlatformError(reply, projectNotFound(target.ref));
      app = served.app;
      countActive(served, reply.raw);
    }
    if (target) request.raw.url = target.url;
    reply.hijack();
    app.routing(request.raw, reply.raw);
  });

  // The platform belongs to the front that serves everything (the auth listener's closes first).
  if (gotrueOnly) return front;
  front.addHook('onClose', async () => {
    await platform.close();
  });

  // Built at the first request, once every route of the front and of the default project's app is in.
  let description: string | undefined;
  front.get('/openapi.json', { schema: { summary: 'This description of the whole API (OpenAPI 3.1)', tags: ['ops'] } }, async (_request, reply) => {
    description ??= JSON.stringify(buildOpenApiDocument([...registeredRoutes(front), ...registeredRoutes(defaultApp)]));
    return reply.header('content-type', OPENAPI_CONTENT_TYPE).header('cache-control', 'public, max-age=300').send(description);
  });

  if (platform.consoleEnabled) {
    await front.register(async (api) => {
      await api.register(cookie);
      api.setErrorHandler(platformErrorHandler);
      // The auth API's input discipline: depth, NUL, unpaired surrogates, out-of-range numbers.
      api.removeContentTypeParser('application/json');
      api.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
        try {
          done(null, parseJsonInput(body as string));
        } catch (error) {
          done(error as Error, undefined);
        }
      });
      registerInputChecks(api);
      api.setNotFoundHandler((_request, reply) => sendPlatformError(reply, new PlatformError(404, 'not_found', 'Not Found')));
      api.addHook('onSend', async (_request, reply) => {
        reply.header('cache-control', 'no-store');
      });
      consoleSessionRoutes(api, platform);
      adminLinkRoutes(api, platform);
      await api.register(async (secured) => {
        secured.addHook('preHandler', requireConsoleSession(platform));
        adminTeamRoutes(secured, platform);
        projectRoutes(secured, platform);
        deliveryRoutes(secured, platform);
        settingsRoutes(secured, platform);
      });
    }, { prefix: '/platform/v1' });
    await front.register(consoleStatic(platform.consoleDir));
  }
  return front;
}
