/** The admin users API and invitations: a JWT whose role is in GOTRUE_JWT_ADMIN_ROLES (the service_role key). */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  adminCreateUser,
  adminDeleteUser,
  adminGetUser,
  adminListSessions,
  adminListUsers,
  adminRevokeSessions,
  adminUpdateUser,
  type AdminUserInput,
} from '../../auth/admin.js';
import { authenticateAdmin } from '../../auth/authenticate.js';
import { adminGuard } from '../caller.js';
import type { AuthDeps } from '../../auth/deps.js';
import { generateLink } from '../../auth/generate-link.js';
import { inviteUser } from '../../auth/invite.js';
import { FoyerError } from '../../errors.js';
import { normalizePhone } from '../../auth/validate.js';
import { parseUserSort } from '../user-sort.js';
import { userKinds, type UserKind } from '../../store/user-kinds.js';
import { listOutbox } from '../../store/outbox.js';
import { listSmsOutbox } from '../../store/sms-outbox.js';
import { requireBody, requireJsonBody } from '../body.js';
import { requestMeta } from '../request-meta.js';
import { generatedLinkResponse, JsonObject, Maybe, NameText, RedirectQuery, SearchText, UrlText, userResponse } from '../schemas.js';

const ListQuery = Type.Object({
  page: Type.Optional(Type.String()),
  per_page: Type.Optional(Type.String()),
  filter: Type.Optional(SearchText),
  is_anonymous: Type.Optional(Type.String()),
  kind: Type.Optional(NameText),
  provider: Type.Optional(NameText),
  sort: Type.Optional(Type.Union([SearchText, Type.Array(SearchText, { maxItems: 3 })])),
});

const OutboxQuery = Type.Object({ email: Type.Optional(SearchText), limit: Type.Optional(Type.String()) });
const SmsOutboxQuery = Type.Object({ phone: Type.Optional(SearchText), limit: Type.Optional(Type.String()) });

const AdminUserBody = Type.Object({
  email: Maybe(Type.String()),
  phone: Maybe(Type.String()),
  password: Maybe(Type.String()),
  email_confirm: Maybe(Type.Boolean()),
  phone_confirm: Maybe(Type.Boolean()),
  user_metadata: Maybe(JsonObject),
  app_metadata: Maybe(JsonObject),
  role: Maybe(NameText),
  ban_duration: Maybe(Type.String()),
});
type AdminUserBody = Static<typeof AdminUserBody>;

const IdParams = Type.Object({ id: Type.String() });

const InviteBody = Type.Object({ email: Maybe(Type.String()), data: Maybe(JsonObject) });
type InviteBody = Static<typeof InviteBody>;

const GenerateLinkBody = Type.Object({
  type: Maybe(NameText),
  email: Maybe(Type.String()),
  new_email: Maybe(Type.String()),
  password: Maybe(Type.String()),
  data: Maybe(JsonObject),
  redirect_to: Maybe(UrlText),
});
type GenerateLinkBody = Static<typeof GenerateLinkBody>;

const listResponse = {
  type: 'object',
  properties: { users: { type: 'array', items: userResponse }, aud: { type: 'string' } },
} as const;

function positiveInt(raw: string | undefined, name: string, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new FoyerError('validation_failed', `${name} must be a positive integer`);
  return Math.min(Number(raw), max);
}

const adminInput = (body: AdminUserBody): AdminUserInput =>
  Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null && value !== undefined)) as AdminUserInput;

export function adminRoutes(app: FastifyInstance, deps: AuthDeps): void {
  const requireAdmin = adminGuard(deps);

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/admin/users',
    { onRequest: requireAdmin, schema: { summary: 'List users, a page at a time (X-Total-Count, Link)', querystring: ListQuery, response: { 200: listResponse } } },
    async (request, reply) => {
      const page = positiveInt(request.query.page, 'page', 1, Number.MAX_SAFE_INTEGER);
      const perPage = positiveInt(request.query.per_page, 'per_page', 50, 1000);
      const anon = request.query.is_anonymous;
      if (anon !== undefined && anon !== 'true' && anon !== 'false') {
        throw new FoyerError('validation_failed', 'is_anonymous must be true or false');
      }
      const { kind, provider } = request.query;
      if (kind !== undefined && !(userKinds as readonly string[]).includes(kind)) {
        throw new FoyerError('validation_failed', `kind must be one of ${userKinds.join(', ')}`);
      }
      const { users, total } = await adminListUsers(deps, {
        page,
        perPage,
        filter: request.query.filter,
        isAnonymous: anon === undefined ? undefined : anon === 'true',
        kind: kind as UserKind | undefined,
        provider: provider || undefined,
        sort: parseUserSort(request.query.sort),
      });
      const lastPage = Math.max(1, Math.ceil(total / perPage));
      // supabase-js reads the page number right after the first `=`, so `page=` comes first and rel is quoted.
      const extra = new URLSearchParams();
      if (request.query.filter) extra.set('filter', request.query.filter);
      if (anon !== undefined) extra.set('is_anonymous', anon);
      if (kind) extra.set('kind', kind);
      if (provider) extra.set('provider', provider);
      for (const value of [request.query.sort ?? []].flat()) extra.append('sort', value);
      const suffix = extra.size ? `&${extra.toString()}` : '';
      const link = (p: number, rel: string) => `</admin/users?page=${p}&per_page=${perPage}${suffix}>; rel="${rel}"`;
      const links = [];
      if (page < lastPage) links.push(link(page + 1, 'next'));
      links.push(link(lastPage, 'last'));
      reply.header('x-total-count', String(total)).header('link', links.join(', '));
      return { users, aud: deps.config.jwtAud };
    },
  );

  // Foyer: mail kept in the database when no SMTP server is configured (the embedded quick start).
  app.get<{ Querystring: Static<typeof OutboxQuery> }>(
    '/admin/mail/outbox',
    { onRequest: requireAdmin, schema: { summary: 'Foyer: the mail kept in the database when no SMTP server is set', querystring: OutboxQuery } },
    async (request) => ({
      mode: deps.mailer.mode,
      messages: await listOutbox(deps.db, {
        recipient: request.query.email || undefined,
        limit: positiveInt(request.query.limit, 'limit', 50, 500),
      }),
    }),
  );

  // Foyer: SMS kept in the database when no SMS provider is configured (GOTRUE_SMS_PROVIDER unset).
  app.get<{ Querystring: Static<typeof SmsOutboxQuery> }>(
    '/admin/sms/outbox',
    { onRequest: requireAdmin, schema: { summary: 'Foyer: the SMS kept in the database when no SMS provider is set', querystring: SmsOutboxQuery } },
    async (request) => {
      const phone = request.query.phone ? normalizePhone(request.query.phone) : undefined;
      return {
        mode: deps.sms.mode,
        messages: await listSmsOutbox(deps.db, { recipient: phone, limit: positiveInt(request.query.limit, 'limit', 50, 500) }),
      };
    },
  );

  app.post<{ Body: InviteBody; Querystring: Static<typeof RedirectQuery> }>(
    '/invite',
    {
      onRequest: requireAdmin,
      preValidation: requireJsonBody,
      schema: { summary: 'Invite a user by mail', querystring: RedirectQuery, body: InviteBody, response: { 200: userResponse } },
    },
    async (request) => {
      const { email, data } = request.body;
      if (!email) throw new FoyerError('validation_failed', 'An email address is required');
      const claims = authenticateAdmin(deps, request.headers.authorization);
      return inviteUser(deps, { email, data: data ?? undefined, redirectTo: request.query.redirect_to, adminId: claims.sub }, requestMeta(request));
    },
  );

  app.post<{ Body: GenerateLinkBody; Querystring: Static<typeof RedirectQuery> }>(
    '/admin/generate_link',
    {
      onRequest: requireAdmin,
      preValidation: requireJsonBody,
      schema: {
        summary: 'Make a sign-up, invite, magic link, recovery or email-change link without mailing it',
        querystring: RedirectQuery,
        body: GenerateLinkBody,
        response: { 200: generatedLinkResponse },
      },
    },
    async (request) => {
      const body = request.body;
      if (!body.email) throw new FoyerError('validation_failed', 'An email address is required');
      const claims = authenticateAdmin(deps, request.headers.authorization);
      return generateLink(
        deps,
        {
          type: body.type ?? '',
          email: body.email,
          newEmail: body.new_email ?? undefined,
          password: body.password ?? undefined,
          data: body.data ?? undefined,
          redirectTo: body.redirect_to ?? request.query.redirect_to,
          adminId: claims.sub,
        },
        requestMeta(request),
      );
    },
  );

  app.post<{ Body: AdminUserBody }>(
    '/admin/users',
    { onRequest: requireAdmin, preValidation: requireJsonBody, schema: { summary: 'Create a user', body: AdminUserBody, response: { 200: userResponse } } },
    async (request) => {
      return adminCreateUser(deps, adminInput(request.body));
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/admin/users/:id',
    { onRequest: requireAdmin, schema: { summary: 'A user', params: IdParams, response: { 200: userResponse } } },
    async (request) => adminGetUser(deps, request.params.id),
  );

  // Foyer: a user's sessions (the console's user detail) and revoking them all.
  app.get<{ Params: Static<typeof IdParams> }>(
    '/admin/users/:id/sessions',
    { onRequest: requireAdmin, schema: { summary: "Foyer: a user's sessions", params: IdParams } },
    async (request) => ({ sessions: await adminListSessions(deps, request.params.id) }),
  );
  app.delete<{ Params: Static<typeof IdParams> }>(
    '/admin/users/:id/sessions',
    { onRequest: requireAdmin, schema: { summary: "Foyer: revoke all of a user's sessions", params: IdParams } },
    async (request) => ({ revoked: await adminRevokeSessions(deps, request.params.id) }),
  );

  app.put<{ Params: Static<typeof IdParams>; Body: AdminUserBody }>(
    '/admin/users/:id',
    {
      onRequest: requireAdmin,
      preValidation: requireJsonBody,
      schema: { summary: 'Update a user (ban_duration bans, "none" lifts a ban)', params: IdParams, body: AdminUserBody, response: { 200: userResponse } },
    },
    async (request) => {
      return adminUpdateUser(deps, request.params.id, adminInput(request.body));
    },
  );

  // The body is optional here (older clients send none); when present it must be an object.
  app.delete<{ Params: Static<typeof IdParams>; Body: unknown }>(
    '/admin/users/:id',
    { onRequest: requireAdmin, schema: { summary: 'Delete a user (should_soft_delete in the optional body)', params: IdParams } },
    async (request) => {
      let softDelete = false;
      if (request.body !== undefined) {
        requireBody(request.body);
        const flag = (request.body as { should_soft_delete?: unknown }).should_soft_delete;
        if (flag !== undefined && flag !== null && typeof flag !== 'boolean') {
          throw new FoyerError('validation_failed', 'should_soft_delete must be a boolean');
        }
        softDelete = flag === true;
      }
      await adminDeleteUser(deps, request.params.id, softDelete);
      return {};
    },
  );
}
