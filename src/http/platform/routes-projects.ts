/**
 * Projects: list, create, show, rename, delete; the CAPTCHA secret test; and the admin API of a project
 * (/auth/v1/admin/*, and /auth/v1/invite) reached with its service_role key, so the console never holds
 * that key itself.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { testAltchaSolution, testCaptchaSecret } from '../../platform/captcha-test.js';
import { defaultProjectProtected, invalid } from '../../platform/errors.js';
import type { Platform } from '../../platform/platform.js';
import { MASK } from '../../projects/catalog.js';
import type { ProjectRecord } from '../../projects/registry.js';
import { FIELD_LIMITS } from '../schemas.js';
import { clientMeta, isHttps, readOnlyRefusal, requestOrigin, sessionOf } from './session.js';
import { objectBody } from '../body.js';

export interface ProjectView {
  readonly ref: string;
  readonly name: string;
  readonly is_default: boolean;
  readonly database: { readonly kind: 'embedded' | 'postgres' };
  readonly api_url: string;
  readonly auth_url: string;
  readonly rest_url: string;
  readonly anon_key: string;
  readonly service_role_key: string;
  readonly created_at: string;
  /** Additive: `<scheme>://<ref>.<FOYER_BASE_DOMAIN>` when a base domain is configured. */
  readonly host_url?: string;
  /** Additive: why the project cannot be served, when it cannot. */
  readonly problem?: string;
}

export function projectView(platform: Platform, request: FastifyRequest, record: ProjectRecord): ProjectView {
  const origin = requestOrigin(platform, request);
  const apiUrl = record.isDefault ? origin : `${origin}/p/${record.ref}`;
  const baseDomain = platform.registry.defaultConfig.baseDomain;
  return {
    ref: record.ref,
    name: record.name,
    is_default: record.isDefault,
    database: { kind: record.dbKind },
    api_url: apiUrl,
    auth_url: `${apiUrl}/auth/v1`,
    rest_url: `${apiUrl}/rest/v1`,
    anon_key: record.apiKeys?.anonKey ?? '',
    // Read-only administrators look; the service_role key would let them do everything.
    service_role_key: request.consoleSession?.admin.role === 'read_only' ? '' : (record.apiKeys?.serviceRoleKey ?? ''),
    created_at: record.createdAt,
    ...(baseDomain && !record.isDefault ? { host_url: `${isHttps(platform, request) ? 'https' : 'http'}://${record.ref}.${baseDomain}` } : {}),
    ...(record.problem ? { problem: record.problem } : {}),
  };
}


const ANONYMOUS_SETTING = 'GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED';

/** `anonymous_sign_ins` of a new project: on unless the request turns it off. */
function anonymousSignIns(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value !== 'boolean') throw invalid('anonymous_sign_ins must be true or false');
  return value;
}

/** A PostgreSQL connection URL is short; GoTrue's bound for URLs it stores is generous for it. */
const MAX_DATABASE_URL_LENGTH = FIELD_LIMITS.url;

function projectName(raw: unknown): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw invalid('name is required');
  const name = raw.trim();
  if (name.length > 64) throw invalid('name must be at most 64 characters long');
  return name;
}

type RefParams = { Params: { ref: string } };

/** Response headers of the admin API worth passing on. */
const FORWARDED_HEADERS = ['content-type', 'x-total-count', 'link', 'x-sb-error-code', 'retry-after', 'content-range', 'x-supabase-api-version'];

export function projectRoutes(app: FastifyInstance, platform: Platform): void {
  const { registry } = platform;

  app.get('/projects', { schema: { summary: 'The projects, with their URLs and API keys' } }, async (request) => ({
    projects: registry.list().map((record) => projectView(platform, request, record)),
  }));

  app.post('/projects', { schema: { summary: 'Create a project (an embedded database, or database_url; anonymous_sign_ins, default true)' } }, async (request) => {
    const body = objectBody(request.body);
    const name = projectName(body.name);
    const url = body.database_url;
    if (url !== undefined && url !== null && typeof url !== 'string') throw invalid('database_url must be a string');
    if (typeof url === 'string' && url.length > MAX_DATABASE_URL_LENGTH) throw invalid(`database_url must be at most ${MAX_DATABASE_URL_LENGTH} characters long`);
    const allowAnonymous = anonymousSignIns(body.anonymous_sign_ins);
    const admin = sessionOf(request).admin;
    const record = await registry.create({ name, databaseUrl: typeof url === 'string' && url.trim() ? url.trim() : undefined });
    await platform.audit(admin, 'project_created', { project_ref: record.ref, name, database: record.dbKind }, clientMeta(platform, request).ip);
    // GoTrue's default for a PostgreSQL database is off; a project made here is made for an app that
    // signs in anonymously unless the form said otherwise. The choice is the project's first settings
    // version, so its history shows who made it.
    const served = await registry.serve(record.ref);
    if (served.deps.config.anonymousUsersEnabled !== allowAnonymous) {
      await platform.settings.patch(record.ref, { [ANONYMOUS_SETTING]: String(allowAnonymous) }, served.version, admin.email);
    }
    return projectView(platform, request, record);
  });

  app.get<RefParams>('/projects/:ref', { schema: { summary: 'A project' } }, async (request) => projectView(platform, request, registry.require(request.params.ref)));

  app.patch<RefParams>('/projects/:ref', { schema: { summary: 'Rename a project' } }, async (request) => {
    const name = projectName(objectBody(request.body).name);
    await registry.rename(request.params.ref, name);
    await platform.audit(sessionOf(request).admin, 'project_renamed', { project_ref: request.params.ref, name }, clientMeta(platform, request).ip);
    return projectView(platform, request, registry.require(request.params.ref));
  });

  app.delete<RefParams>('/projects/:ref', { schema: { summary: 'Delete a project (confirm: its ref) and its embedded database' } }, async (request) => {
    const { ref } = request.params;
    const record = registry.require(ref);
    if (record.isDefault) throw defaultProjectProtected();
    // The API asks for the ref, as the console asks a person to type it: a deletion is never a slip.
    if (objectBody(request.body).confirm !== ref) throw invalid(`confirm must be the project's ref (${JSON.stringify(ref)}) to delete it`);
    const deleted = await registry.delete(ref);
    await platform.audit(
      sessionOf(request).admin,
      'project_deleted',
      { project_ref: ref, name: record.name, database: deleted.dbKind, database_removed: deleted.databaseRemoved },
      clientMeta(platform, request).ip,
    );
    return { deleted: ref, database: { kind: deleted.dbKind, removed: deleted.databaseRemoved } };
  });

  app.post<RefParams>('/projects/:ref/captcha/test', { schema: { summary: "Test a CAPTCHA secret against the provider's siteverify, or (provider altcha) verify a solution of the built-in CAPTCHA once" } }, async (request) => {
    const { ref } = request.params;
    registry.require(ref);
    const body = objectBody(request.body);
    // Without a secret, the one the project has (the console shows it masked).
    const { deps } = await registry.serve(ref);
    const config = deps.config;
    if (body.provider === 'altcha') {
      const solved = await testAltchaSolution(deps.captcha, body.token);
      await platform.audit(sessionOf(request).admin, 'captcha_solution_tested', { project_ref: ref, ok: solved.ok }, clientMeta(platform, request).ip);
      return solved;
    }
    const result = await testCaptchaSecret({
      provider: body.provider ?? config.captchaProvider,
      secret: body.secret === undefined || body.secret === MASK ? config.captchaSecret : body.secret,
      verifyUrl: body.verify_url ?? config.captchaVerifyUrl,
    });
    await platform.audit(sessionOf(request).admin, 'captcha_secret_tested', { project_ref: ref, ok: result.ok }, clientMeta(platform, request).ip);
    return result;
  });

  /** Answers with what the project's own app answers `method target` with its service_role key; audits mutations. */
  const forward = async (request: FastifyRequest<RefParams>, reply: FastifyReply, target: { path: string; query: string }) => {
    const { ref } = request.params;
    const record = registry.require(ref);
    const served = await registry.serve(ref);
    const key = record.apiKeys?.serviceRoleKey ?? '';
    const response = await served.app.inject({
      method: request.method as 'GET',
      url: `/auth/v1${target.path}${target.query}`,
      headers: {
        authorization: `Bearer ${key}`,
        apikey: key,
        'x-supabase-api-version': '2024-01-01',
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      payload: request.body === undefined ? undefined : JSON.stringify(request.body),
    });
    if (request.method !== 'GET') {
      await platform.audit(
        sessionOf(request).admin,
        'admin_api_request',
        { project_ref: ref, method: request.method, path: target.path, status: response.statusCode },
        clientMeta(platform, request).ip,
      );
    }
    reply.code(response.statusCode);
    for (const name of FORWARDED_HEADERS) {
      const value = response.headers[name];
      if (value !== undefined) reply.header(name, value);
    }
    return reply.send(response.rawPayload);
  };

  /** The outboxes hold sign-in links and codes: a read-only administrator reads neither (however the path is spelt). */
  const isOutbox = (rest: string) => {
    let path = rest;
    try {
      path = decodeURIComponent(rest);
    } catch {
      // A malformed escape: the project answers 400 anyway; the raw path is checked as it is.
    }
    return /^(mail|sms)\/outbox(\/|$)/i.test(path.replace(/\/+/g, '/').replace(/^\//, ''));
  };

  /** The path after `marker` and the query, as the client encoded them. */
  const rawTail = (request: FastifyRequest, marker: string) => {
    const rawUrl = request.raw.url ?? '';
    const rest = rawUrl.slice(rawUrl.indexOf(marker) + marker.length);
    return { rest: rest.split('?')[0], query: rest.includes('?') ? rest.slice(rest.indexOf('?')) : '' };
  };

  app.route<RefParams & { Params: { '*': string } }>({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/projects/:ref/admin/*',
    schema: { summary: "The project's admin API (/auth/v1/admin/*) with its service_role key, which the console never holds" },
    handler: async (request, reply) => {
      const { rest, query } = rawTail(request, `/projects/${request.params.ref}/admin/`);
      if (sessionOf(request).admin.role === 'read_only' && isOutbox(rest)) throw readOnlyRefusal();
      return forward(request, reply, { path: `/admin/${rest}`, query });
    },
  });

  // Invitations are GoTrue's POST /invite, outside /admin.
  app.post<RefParams>('/projects/:ref/invite', { schema: { summary: "Invite a user to the project (the project's POST /auth/v1/invite)" } }, async (request, reply) => {
    const { query } = rawTail(request, `/projects/${request.params.ref}/invite`);
    return forward(request, reply, { path: '/invite', query });
  });
}
