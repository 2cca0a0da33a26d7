/** POST /otp, /magiclink, /recover, /resend: each answers `{}` once the mail is on its way. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthDeps } from '../../auth/deps.js';
import { parsePkceChallenge } from '../../auth/mail-links.js';
import { resend, sendMagicLink, sendPasswordRecovery } from '../../auth/otp.js';
import { resendEmailChangeByPhone, resendPhoneChangeByEmail, resendToPhone } from '../../auth/phone/resend.js';
import { sendPhoneOtp } from '../../auth/phone/sign-in.js';
import { FoyerError } from '../../errors.js';
import { requireJsonBody } from '../body.js';
import { captchaGuard } from '../plugins/captcha.js';
import { requestMeta } from '../request-meta.js';
import { rateLimitGuard } from '../plugins/rate-limit.js';
import { JsonObject, Maybe, MetaSecurity, NameText, RedirectQuery } from '../schemas.js';

const OtpBody = Type.Object({
  email: Maybe(Type.String()),
  phone: Maybe(Type.String()),
  create_user: Maybe(Type.Boolean()),
  data: Maybe(JsonObject),
  channel: Maybe(NameText),
  code_challenge: Maybe(Type.String()),
  code_challenge_method: Maybe(NameText),
  gotrue_meta_security: MetaSecurity,
});
const RecoverBody = Type.Object({
  email: Type.String(),
  code_challenge: Maybe(Type.String()),
  code_challenge_method: Maybe(NameText),
  gotrue_meta_security: MetaSecurity,
});
const ResendBody = Type.Object({
  type: Type.Union([Type.Literal('signup'), Type.Literal('email_change'), Type.Literal('sms'), Type.Literal('phone_change')]),
  email: Maybe(Type.String()),
  phone: Maybe(Type.String()),
  gotrue_meta_security: MetaSecurity,
});
type RedirectQueryType = Static<typeof RedirectQuery>;

export function otpRoutes(app: FastifyInstance, deps: AuthDeps): void {
  const otp = async (body: Static<typeof OtpBody>, redirectTo: string | undefined, request: FastifyRequest) => {
    // GoTrue's checks of the body, in its order, before either kind of code is sent.
    if (body.email && body.phone) throw new FoyerError('validation_failed', 'Only an email address or phone number should be provided');
    if (body.email && body.channel) throw new FoyerError('validation_failed', 'Channel should only be specified with Phone OTP');
    const pkce = parsePkceChallenge(body.code_challenge, body.code_challenge_method);
    if (!body.email && body.phone) {
      return sendPhoneOtp(
        deps,
        { phone: body.phone, createUser: body.create_user ?? true, data: body.data ?? undefined, channel: body.channel },
        requestMeta(request),
      );
    }
    if (!body.email) throw new FoyerError('validation_failed', 'An email address or phone number is required');
    await sendMagicLink(deps, {
      email: body.email,
      createUser: body.create_user ?? true,
      data: body.data ?? undefined,
      redirectTo,
      pkce,
    });
    return {};
  };
  // GoTrue's order on all four: the OTP limiter (per client IP), CAPTCHA, then the body.
  const guards = (endpoint: string) => [rateLimitGuard(deps, 'otp', endpoint), captchaGuard(deps, { endpoint }), requireJsonBody];
  app.post<{ Body: Static<typeof OtpBody>; Querystring: RedirectQueryType }>(
    '/otp',
    { preValidation: guards('POST /otp'), schema: { summary: 'Mail or text a one-time code (creates the user unless create_user is false)', querystring: RedirectQuery, body: OtpBody } },
    (request) => otp(request.body, request.query.redirect_to, request),
  );
  app.post<{ Body: Static<typeof OtpBody>; Querystring: RedirectQueryType }>(
    '/magiclink',
    { preValidation: guards('POST /magiclink'), schema: { summary: 'Mail a magic link (the older form of /otp)', querystring: RedirectQuery, body: OtpBody } },
    (request) => {
      // Mail only: GoTrue's /magiclink never texts a phone.
      if (!request.body.email) throw new FoyerError('validation_failed', 'Password recovery requires an email', { status: 422 });
      return otp({ ...request.body, phone: undefined, create_user: true }, request.query.redirect_to, request);
    },
  );

  app.post<{ Body: Static<typeof RecoverBody>; Querystring: RedirectQueryType }>(
    '/recover',
    { preValidation: guards('POST /recover'), schema: { summary: 'Mail a password recovery link', querystring: RedirectQuery, body: RecoverBody } },
    async (request) => {
      const { email, code_challenge, code_challenge_method } = request.body;
      await sendPasswordRecovery(deps, email, request.query.redirect_to, parsePkceChallenge(code_challenge, code_challenge_method));
      return {};
    },
  );

  app.post<{ Body: Static<typeof ResendBody>; Querystring: RedirectQueryType }>(
    '/resend',
    { preValidation: guards('POST /resend'), schema: { summary: 'Send a sign-up or email-change confirmation again', querystring: RedirectQuery, body: ResendBody } },
    async (request) => {
      const { type, email, phone } = request.body;
      // GoTrue's order: what the type needs, one address only, then the address itself.
      if (type === 'signup' && !email) throw new FoyerError('validation_failed', 'Type provided requires an email address');
      if (type === 'sms' && !phone) throw new FoyerError('validation_failed', 'Type provided requires a phone number');
      if (email && phone) throw new FoyerError('validation_failed', 'Only an email address or phone number should be provided.');
      if (!email && !phone) throw new FoyerError('validation_failed', 'Missing email address or phone number');
      const meta = requestMeta(request);
      if (phone) {
        if (type === 'sms' || type === 'phone_change') return resendToPhone(deps, { type, phone }, meta);
        // email_change for the user of a phone: the mail to its pending address, if any.
        return resendEmailChangeByPhone(deps, phone, request.query.redirect_to);
      }
      if (type === 'phone_change') return resendPhoneChangeByEmail(deps, email as string, meta);
      await resend(deps, { type: type as 'signup' | 'email_change', email: email as string, redirectTo: request.query.redirect_to });
      return {};
    },
  );
}
