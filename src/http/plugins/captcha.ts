/**
 * The CAPTCHA check as a route hook. It must run before the body is required or validated (GoTrue's
 * order: CAPTCHA first), so it reads the parsed body only when that is an object. Attach it as the
 * first preValidation hook of a route:
 *
 *   app.post('/otp', { preValidation: [captchaGuard(deps, { endpoint: 'POST /otp' }), requireJsonBody], … })
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isAdminToken } from '../../auth/authenticate.js';
import type { AuthDeps } from '../../auth/deps.js';
import { anonymousGate, refuseCaptcha } from './anonymous-gate.js';
import { clientIpOf } from './client.js';

export interface CaptchaGuardOptions {
  /** Label for counters and logs, e.g. "POST /signup". */
  readonly endpoint: string;
  /** Only these requests are checked (POST /token: the password grant only). Default: all. */
  readonly appliesTo?: (request: FastifyRequest) => boolean;
  /**
   * Whether a request is an anonymous sign-in. Routes that can be one (POST /signup) pass this; such
   * requests meet the anonymous gate (src/http/plugins/anonymous-gate.ts: when a CAPTCHA is required,
   * the project's budget). With FOYER_SECURITY_CAPTCHA_SCOPE=anonymous only they are checked.
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
  return async function verifyCaptcha(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { captcha, config } = deps;
    // The path of a project without CAPTCHA and without an anonymous budget: nothing to check.
    if (!captcha.enabled && config.anonymousBudget === undefined) return;
    if (options.appliesTo && !options.appliesTo(request)) return;
    const body = asObject(request.body);
    const anonymous = options.isAnonymousSignIn?.(body) ?? false;
    if (!anonymous && (!captcha.enabled || captcha.scope === 'anonymous')) return;
    // Admin-role callers (the service_role key) are trusted servers, as in GoTrue.
    if (request.headers.authorization && isAdminToken(deps, request.headers.authorization)) return;
    if (anonymous) return anonymousGate(deps, request, reply, endpoint, captchaTokenOf(request.body));

    const outcome = await captcha.verify(captchaTokenOf(request.body), clientIpOf(deps, request));
    if (outcome.kind !== 'passed') refuseCaptcha(deps, request, endpoint, outcome);
    deps.abuse.captchaPass(endpoint);
  };
}
