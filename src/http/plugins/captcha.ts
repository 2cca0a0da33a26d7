/**
 * The CAPTCHA check as a route hook. It must run before the body is required or validated (GoTrue's
 * order: CAPTCHA first), so it reads the parsed body only when that is an object. Attach it as the
 * first preValidation hook of a route:
 *
 *   app.post('/otp', { preValidation: [captchaGuard(deps, { endpoint: 'POST /otp' }), requireJsonBody], … })
 */
import type { FastifyRequest } from 'fastify';
import { isAdminToken } from '../../auth/authenticate.js';
import type { AuthDeps } from '../../auth/deps.js';
import { FoyerError } from '../../errors.js';
import { countCaptchaPassed, countCaptchaRefusal } from '../../security/abuse-counters.js';
import { clientIpOf } from './client.js';

export interface CaptchaGuardOptions {
  /** Label for counters and logs, e.g. "POST /signup". */
  readonly endpoint: string;
  /** Only these requests are checked (POST /token: the password grant only). Default: all. */
  readonly appliesTo?: (request: FastifyRequest) => boolean;
  /**
   * Whether a request is an anonymous sign-in. Routes that can be one (POST /signup) pass this; with
   * FOYER_SECURITY_CAPTCHA_SCOPE=anonymous only such requests are checked, on every route.
   */
  readonly isAnonymousSignIn?: (body: Readonly<Record<string, unknown>>) => boolean;
}

const asObject = (body: unknown): Readonly<Record<string, unknown>> =>
  body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};

/** `gotrue_meta_security.captcha_token` of a parsed body, whatever its type (the verifier judges it). */
export function captchaTokenOf(body: unknown): unknown {
  const security = asObject(body).gotrue_meta_security;
  return asObject(security).captcha_token;
}

/** Anonymous sign-in, as GoTrue decides it: POST /signup with neither email nor phone. */
export const isAnonymousSignUpBody = (body: Readonly<Record<string, unknown>>): boolean => !body.email && !body.phone;

export function captchaGuard(deps: AuthDeps, options: CaptchaGuardOptions) {
  const { endpoint } = options;
  return async function verifyCaptcha(request: FastifyRequest): Promise<void> {
    const { captcha } = deps;
    if (!captcha.enabled) return;
    if (options.appliesTo && !options.appliesTo(request)) return;
    const body = asObject(request.body);
    if (captcha.scope === 'anonymous' && !(options.isAnonymousSignIn?.(body) ?? false)) return;
    // Admin-role callers (the service_role key) are trusted servers, as in GoTrue.
    if (request.headers.authorization && isAdminToken(deps, request.headers.authorization)) return;

    const outcome = await captcha.verify(captchaTokenOf(request.body), clientIpOf(deps, request));
    switch (outcome.kind) {
      case 'passed':
        countCaptchaPassed(endpoint);
        return;
      case 'missing':
        countCaptchaRefusal(endpoint, 'missing');
        throw new FoyerError('captcha_failed', `captcha protection: request disallowed (${outcome.reason})`);
      case 'rejected':
        countCaptchaRefusal(endpoint, 'rejected');
        throw new FoyerError(
          'captcha_failed',
          `captcha protection: request disallowed (${outcome.codes.length ? outcome.codes.join(', ') : 'rejected by the CAPTCHA provider'})`,
        );
      case 'unavailable':
        // Fail closed, with GoTrue's answer; the reason stays in the log.
        countCaptchaRefusal(endpoint, 'unavailable');
        request.log.warn({ endpoint, reason: outcome.reason }, 'captcha verification failed: request refused');
        throw new FoyerError('unexpected_failure', 'captcha verification process failed');
    }
  };
}
