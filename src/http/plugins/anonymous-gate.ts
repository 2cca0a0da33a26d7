/**
 * What an anonymous sign-in must get past before the per-IP limit: a CAPTCHA when one is required now
 * (FOYER_SECURITY_CAPTCHA_ANONYMOUS: always, or while the spike signal fires), and the project's budget
 * (FOYER_ANONYMOUS_BUDGET), one counter for all clients, whose excess needs a CAPTCHA or is refused.
 *
 * Order: a CAPTCHA required anyway is checked first, so requests without a solution spend none of the
 * budget; otherwise the budget is counted first, to know whether a CAPTCHA is needed. With neither
 * CAPTCHA nor a budget configured nothing here runs.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthDeps } from '../../auth/deps.js';
import { FoyerError } from '../../errors.js';
import type { CaptchaOutcome } from '../../security/captcha/verifier.js';
import type { EscalationView } from '../../security/escalation.js';
import { difficultyFor } from '../../stats/escalation-level.js';
import { clientIpOf } from './client.js';

/** The budget is one counter for the whole project. */
const BUDGET_KEY = 'project';

/** Throws GoTrue's answer for a CAPTCHA outcome other than a pass. */
export function refuseCaptcha(deps: AuthDeps, request: FastifyRequest, endpoint: string, outcome: Exclude<CaptchaOutcome, { kind: 'passed' }>): never {
  switch (outcome.kind) {
    case 'missing':
      deps.abuse.captchaRefusal(endpoint, 'missing');
      throw new FoyerError('captcha_failed', `captcha protection: request disallowed (${outcome.reason})`);
    case 'rejected':
      deps.abuse.captchaRefusal(endpoint, 'rejected');
      throw new FoyerError(
        'captcha_failed',
        `captcha protection: request disallowed (${outcome.codes.length ? outcome.codes.join(', ') : 'rejected by the CAPTCHA provider'})`,
      );
    case 'unavailable':
      // Fail closed, with GoTrue's answer; the reason stays in the log.
      deps.abuse.captchaRefusal(endpoint, 'unavailable');
      request.log.warn({ endpoint, reason: outcome.reason }, 'captcha verification failed: request refused');
      throw new FoyerError('unexpected_failure', 'captcha verification process failed');
  }
}

/** Counts one sign-in against the budget; true when it is over. Fails closed when the store fails. */
async function overBudget(deps: AuthDeps, request: FastifyRequest, reply: FastifyReply, endpoint: string): Promise<boolean> {
  let decision;
  try {
    decision = await deps.rateLimits.consume('anonymous_budget', BUDGET_KEY);
  } catch (error) {
    deps.abuse.rateLimitStoreError(endpoint, 'anonymous_budget');
    request.log.error({ err: error, endpoint }, 'rate-limit store failed on the anonymous budget: request refused');
    throw new FoyerError('unexpected_failure', 'Rate limit check failed, please try again');
  }
  if (decision.allowed) return false;
  if (deps.config.anonymousBudgetAction === 'refuse') {
    deps.abuse.rateLimit(endpoint, 'anonymous_budget');
    reply.header('retry-after', String(decision.retryAfterSeconds));
    throw new FoyerError('over_request_rate_limit', 'Anonymous sign-up budget of this project reached, please try again later');
  }
  return true;
}

async function requireSolution(deps: AuthDeps, request: FastifyRequest, endpoint: string, token: unknown, view: EscalationView, difficulty: number) {
  const outcome = await deps.captcha.verify(token, clientIpOf(deps, request), difficulty);
  if (view.escalated) deps.escalation.noteChallenged(outcome.kind === 'passed' ? 'admitted' : 'refused');
  if (outcome.kind !== 'passed') refuseCaptcha(deps, request, endpoint, outcome);
  deps.abuse.captchaPass(endpoint);
}

/**
 * The gate for one anonymous sign-in (admin-role callers are let through before this). `token` is the
 * request's gotrue_meta_security.captcha_token, whatever its type.
 */
export async function anonymousGate(deps: AuthDeps, request: FastifyRequest, reply: FastifyReply, endpoint: string, token: unknown): Promise<void> {
  const { config } = deps;
  const budget = config.anonymousBudget !== undefined && config.anonymousUsersEnabled && !config.disableSignup;
  if (!deps.captcha.enabled) {
    if (budget) await overBudget(deps, request, reply, endpoint);
    return;
  }
  const view = await deps.escalation.current(config);
  if (view.required) {
    await requireSolution(deps, request, endpoint, token, view, view.difficulty ?? 0);
    if (budget) await overBudget(deps, request, reply, endpoint);
    return;
  }
  if (budget && (await overBudget(deps, request, reply, endpoint))) {
    await requireSolution(deps, request, endpoint, token, view, difficultyFor(config, view.factor));
  }
}
