/**
 * Foyer's support routes of the admin API (the console's Users page): a stuck conversion's pending
 * address mailed again or confirmed, a magic link / recovery / invitation sent to a user, and when and
 * how a user stopped being anonymous. GoTrue has no such routes; their paths sit under its
 * /admin/users/{id} and take the service_role key like the rest.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { confirmPendingEmail, readConversion, resendPendingEmail, sendUserMail, userMailTypes, type UserMailType } from '../../auth/admin-support.js';
import type { AuthDeps } from '../../auth/deps.js';
import { FoyerError } from '../../errors.js';
import { requireJsonBody } from '../body.js';
import { adminGuard } from '../caller.js';
import { requestMeta } from '../request-meta.js';
import { NameText, RedirectQuery, userResponse } from '../schemas.js';

const IdParams = Type.Object({ id: Type.String() });
const MailBody = Type.Object({ type: NameText });

export function adminSupportRoutes(app: FastifyInstance, deps: AuthDeps): void {
  const requireAdmin = adminGuard(deps);

  app.post<{ Params: Static<typeof IdParams>; Querystring: Static<typeof RedirectQuery> }>(
    '/admin/users/:id/pending_email/resend',
    {
      onRequest: requireAdmin,
      schema: { summary: 'Foyer: mail the address awaiting confirmation a new link', params: IdParams, querystring: RedirectQuery, response: { 200: userResponse } },
    },
    async (request) => resendPendingEmail(deps, request.params.id, requestMeta(request), request.query.redirect_to),
  );

  app.post<{ Params: Static<typeof IdParams> }>(
    '/admin/users/:id/pending_email/confirm',
    {
      onRequest: requireAdmin,
      schema: { summary: 'Foyer: confirm the address awaiting confirmation (an anonymous user becomes permanent)', params: IdParams, response: { 200: userResponse } },
    },
    async (request) => confirmPendingEmail(deps, request.params.id, requestMeta(request)),
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof MailBody>; Querystring: Static<typeof RedirectQuery> }>(
    '/admin/users/:id/mail',
    {
      onRequest: requireAdmin,
      preValidation: requireJsonBody,
      schema: { summary: "Foyer: send a user's address a magic link, a password recovery or an invitation", params: IdParams, body: MailBody, querystring: RedirectQuery },
    },
    async (request) => {
      const { type } = request.body;
      if (!(userMailTypes as readonly string[]).includes(type)) {
        throw new FoyerError('validation_failed', `type must be one of ${userMailTypes.join(', ')}`);
      }
      return sendUserMail(deps, request.params.id, type as UserMailType, requestMeta(request), request.query.redirect_to);
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/admin/users/:id/conversion',
    { onRequest: requireAdmin, schema: { summary: 'Foyer: when and how the user stopped being anonymous (from the audit log)', params: IdParams } },
    async (request) => readConversion(deps, request.params.id),
  );
}
