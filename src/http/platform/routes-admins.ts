/**
 * Console administrators as a team: GET /admins (everyone), and for owners POST and DELETE /admins/invitations,
 * PATCH /admins/{id} (role), DELETE /admins/{id}, POST /admins/{id}/password-reset — each answering a
 * one-time link where one is made. POST /admins/accept (no session: the link is the proof) turns an
 * invitation or a reset link into a password and a session. Every change is in the audit log.
 */
import type { FastifyInstance } from 'fastify';
import { acceptLink, changeRole, inviteAdmin, listTeam, passwordResetLink, removeAdmin, withdrawInvitation } from '../../platform/console-team.js';
import type { Platform } from '../../platform/platform.js';
import { clientMeta, sessionOf, setSessionCookie } from './session.js';
import { objectBody } from '../body.js';


type IdParams = { Params: { id: string } };
const idParams = { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] } as const;

/** Routes behind the console session. */
export function adminTeamRoutes(app: FastifyInstance, platform: Platform): void {
  const db = platform.registry.default.deps.db;

  app.get('/admins', { schema: { summary: 'Console administrators and their roles, and the invitations not yet followed' } }, async () => listTeam(db));

  app.post('/admins/invitations', { schema: { summary: 'Invite an administrator with a role (owners): a one-time link, shown once' } }, async (request) => {
    const actor = sessionOf(request).admin;
    const { email, role } = objectBody(request.body);
    const link = await inviteAdmin(db, actor, email, role);
    await platform.audit(actor, 'console_admin_invited', { email, role }, clientMeta(platform, request).ip);
    return { email: String(email).trim().toLowerCase(), role, ...link };
  });

  app.delete<{ Querystring: { email?: string } }>(
    '/admins/invitations',
    {
      schema: {
        summary: 'Withdraw an invitation not yet followed (owners): its link stops working',
        querystring: { type: 'object', properties: { email: { type: 'string', maxLength: 320 } } },
      },
    },
    async (request) => {
      const actor = sessionOf(request).admin;
      const email = await withdrawInvitation(db, actor, request.query.email);
      await platform.audit(actor, 'console_admin_invitation_withdrawn', { email }, clientMeta(platform, request).ip);
      return {};
    },
  );

  app.patch<IdParams>('/admins/:id', { schema: { summary: "Change an administrator's role (owners)", params: idParams } }, async (request) => {
    const actor = sessionOf(request).admin;
    const changed = await changeRole(db, actor, request.params.id, objectBody(request.body).role);
    await platform.audit(actor, 'console_admin_role_changed', { email: changed.email, role: changed.role }, clientMeta(platform, request).ip);
    return changed;
  });

  app.delete<IdParams>('/admins/:id', { schema: { summary: 'Remove an administrator (owners): their sessions end', params: idParams } }, async (request) => {
    const actor = sessionOf(request).admin;
    const removed = await removeAdmin(db, actor, request.params.id);
    await platform.audit(actor, 'console_admin_removed', { email: removed.email }, clientMeta(platform, request).ip);
    return {};
  });

  app.post<IdParams>(
    '/admins/:id/password-reset',
    { schema: { summary: 'A one-time link for a new password of an administrator (owners), shown once', params: idParams } },
    async (request) => {
      const actor = sessionOf(request).admin;
      const link = await passwordResetLink(db, actor, request.params.id);
      await platform.audit(actor, 'console_admin_reset_link', { email: link.email }, clientMeta(platform, request).ip);
      return link;
    },
  );
}

/** Routes without a session: following a one-time link. */
export function adminLinkRoutes(app: FastifyInstance, platform: Platform): void {
  const db = platform.registry.default.deps.db;
  app.post('/admins/accept', { schema: { summary: 'Follow an invitation or password link: set the password, get a session' } }, async (request, reply) => {
    const { token, password } = objectBody(request.body);
    const meta = clientMeta(platform, request);
    const accepted = await acceptLink(db, token, password);
    await platform.audit(accepted.admin, accepted.purpose === 'invite' ? 'console_admin_created' : 'console_password_reset', { via: 'link', by: accepted.createdBy }, meta.ip);
    const grant = await platform.auth.openSession(accepted.admin, meta);
    setSessionCookie(platform, request, reply, grant);
    return { admin: { email: grant.admin.email, role: grant.admin.role }, csrf_token: grant.csrfToken };
  });
}
