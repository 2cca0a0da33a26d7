/**
 * GET /captcha/challenge: a proof-of-work challenge of the built-in CAPTCHA provider (altcha), in the
 * format the ALTCHA widget fetches (`<altcha-widget challenge="…/auth/v1/captcha/challenge">`). Its
 * difficulty is the one anonymous sign-ins need now: higher while a sign-up spike escalates it.
 * The widget's solution then travels as any CAPTCHA token does: gotrue_meta_security.captcha_token.
 */
import type { FastifyInstance } from 'fastify';
import type { AuthDeps } from '../../auth/deps.js';
import { FoyerError } from '../../errors.js';
import { difficultyFor } from '../../stats/escalation-level.js';
import { rateLimitGuard } from '../plugins/rate-limit.js';

const challengeResponse = {
  type: 'object',
  properties: {
    parameters: { type: 'object', additionalProperties: true },
    signature: { type: 'string' },
  },
  required: ['parameters', 'signature'],
} as const;

export function captchaRoutes(app: FastifyInstance, deps: AuthDeps): void {
  app.get(
    '/captcha/challenge',
    {
      // Each challenge costs a key derivation: limited per client IP (FOYER_RATE_LIMIT_CAPTCHA_CHALLENGE).
      preValidation: [rateLimitGuard(deps, 'captcha_challenge', 'GET /captcha/challenge')],
      schema: {
        summary: 'Foyer: a proof-of-work challenge for the ALTCHA widget (GOTRUE_SECURITY_CAPTCHA_PROVIDER=altcha); signed, expiring, single-use',
        response: { 200: challengeResponse },
      },
    },
    async (_request, reply) => {
      const { captcha, config } = deps;
      if (!captcha.issueChallenge) {
        throw new FoyerError('not_found', 'The built-in CAPTCHA is off: it needs GOTRUE_SECURITY_CAPTCHA_ENABLED=true and GOTRUE_SECURITY_CAPTCHA_PROVIDER=altcha');
      }
      const view = await deps.escalation.current(config);
      // Never below the configured difficulty: a challenge fetched while calm still serves when the
      // budget asks for one.
      const difficulty = view.difficulty ?? difficultyFor(config, view.factor);
      reply.header('cache-control', 'no-store');
      return captcha.issueChallenge(difficulty);
    },
  );
}
