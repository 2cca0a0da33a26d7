import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { assertAnonymousEnabled, assertSignupAllowed, signInAnonymously } from '../../auth/anonymous.js';
import type { AuthDeps } from '../../auth/deps.js';
import { parsePkceChallenge } from '../../auth/mail-links.js';
import { signUpWithPassword } from '../../auth/signup.js';
import { requireJsonBody } from '../body.js';
import { captchaGuard, isAnonymousSignUpBody } from '../plugins/captcha.js';
import { enforceRateLimit, rateLimitTicket } from '../plugins/rate-limit.js';
import { requestMeta } from '../request-meta.js';
import { JsonObject, Maybe, MetaSecurity, NameText, RedirectQuery, sessionOrUserResponse } from '../schemas.js';

const SignupBody = Type.Object({
  email: Maybe(Type.String()),
  phone: Maybe(Type.String()),
  password: Maybe(Type.String()),
  data: Maybe(JsonObject),
  channel: Maybe(NameText),
  code_challenge: Maybe(Type.String()),
  code_challenge_method: Maybe(NameText),
  gotrue_meta_security: MetaSecurity,
});
type SignupBody = Static<typeof SignupBody>;

export function signupRoutes(app: FastifyInstance, deps: AuthDeps): void {
  app.post<{ Body: SignupBody; Querystring: Static<typeof RedirectQuery> }>(
    '/signup',
    {
      // GoTrue's order: CAPTCHA, then the body must be JSON.
      preValidation: [captchaGuard(deps, { endpoint: 'POST /signup', isAnonymousSignIn: isAnonymousSignUpBody }), requireJsonBody],
      schema: {
        summary: 'Sign up with an email address (or phone) and password, or anonymously without either',
        querystring: RedirectQuery,
        body: SignupBody,
        response: { 200: sessionOrUserResponse },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const meta = requestMeta(request);
      if (!body.email && !body.phone) {
        assertAnonymousEnabled(deps);
        const limit = rateLimitTicket(deps, request, reply, 'anonymous_users', 'POST /signup');
        if (deps.config.disableSignup) {
          // GoTrue counts the request before it refuses the sign-up.
          await limit.spend();
          assertSignupAllowed(deps);
        }
        return signInAnonymously(deps, { data: body.data ?? undefined }, meta, limit);
      }
      await enforceRateLimit(deps, request, reply, 'otp', 'POST /signup');
      return signUpWithPassword(
        deps,
        {
          email: body.email ?? undefined,
          phone: body.phone ?? undefined,
          password: body.password ?? undefined,
          data: body.data ?? undefined,
          channel: body.channel ?? undefined,
          redirectTo: request.query.redirect_to,
          pkce: parsePkceChallenge(body.code_challenge, body.code_challenge_method),
        },
        meta,
      );
    },
  );
}
