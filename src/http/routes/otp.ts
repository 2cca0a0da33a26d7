/** POST /otp, /magiclink, /recover, /resend: each answers `{}` once the mail is on its way. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AuthDeps } from '../../auth/deps.js';
import { resend, sendMagicLink, sendPasswordRecovery } from '../../auth/otp.js';
import { FoyerError } from '../../errors.js';
import { requireJsonBody } from '../body.js';
import { JsonObject, Maybe, MetaSecurity } from '../schemas.js';

const OtpBody = Type.Object({
  email: Maybe(Type.String()),
  phone: Maybe(Type.String()),
  create_user: Maybe(Type.Boolean()),
  data: Maybe(JsonObject),
  channel: Maybe(Type.String()),
  code_challenge: Maybe(Type.String()),
  code_challenge_method: Maybe(Type.String()),
  gotrue_meta_security: MetaSecurity,
});
const RecoverBody = Type.Object({
  email: Type.String(),
  code_challenge: Maybe(Type.String()),
  code_challenge_method: Maybe(Type.String()),
  gotrue_meta_security: MetaSecurity,
});
const ResendBody = Type.Object({
  type: Type.Union([Type.Literal('signup'), Type.Literal('email_change'), Type.Literal('sms'), Type.Literal('phone_change')]),
  email: Maybe(Type.String()),
  phone: Maybe(Type.String()),
  gotrue_meta_security: MetaSecurity,
});
type RedirectQuery = { redirect_to?: string };

const phoneUnsupported = () => new FoyerError('phone_provider_disabled', 'Phone logins are disabled: Foyer sends no SMS');

export function otpRoutes(app: FastifyInstance, deps: AuthDeps): void {
  const otp = async (body: Static<typeof OtpBody>, redirectTo: string | undefined) => {
    if (!body.email) throw body.phone ? phoneUnsupported() : new FoyerError('validation_failed', 'An email address or phone number is required');
    await sendMagicLink(deps, { email: body.email, createUser: body.create_user ?? true, data: body.data ?? undefined, redirectTo });
    return {};
  };
  const options = { preValidation: requireJsonBody, schema: { body: OtpBody } };
  app.post<{ Body: Static<typeof OtpBody>; Querystring: RedirectQuery }>('/otp', options, (request) =>
    otp(request.body, request.query.redirect_to),
  );
  app.post<{ Body: Static<typeof OtpBody>; Querystring: RedirectQuery }>('/magiclink', options, (request) =>
    otp({ ...request.body, create_user: true }, request.query.redirect_to),
  );

  app.post<{ Body: Static<typeof RecoverBody>; Querystring: RedirectQuery }>(
    '/recover',
    { preValidation: requireJsonBody, schema: { body: RecoverBody } },
    async (request) => {
      await sendPasswordRecovery(deps, request.body.email, request.query.redirect_to);
      return {};
    },
  );

  app.post<{ Body: Static<typeof ResendBody>; Querystring: RedirectQuery }>(
    '/resend',
    { preValidation: requireJsonBody, schema: { body: ResendBody } },
    async (request) => {
      const { type, email } = request.body;
      if (type === 'sms' || type === 'phone_change') throw phoneUnsupported();
      if (!email) throw new FoyerError('validation_failed', 'An email address is required');
      await resend(deps, { type, email, redirectTo: request.query.redirect_to });
      return {};
    },
  );
}
