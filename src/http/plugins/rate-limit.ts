/**
 * Rate limits at the HTTP edge: the client's bucket (IP, IPv6 /64) and a 429 `over_request_rate_limit`
 * with Retry-After when it is spent. Use `rateLimitGuard` as a route hook, `enforceRateLimit` inside a
 * handler where GoTrue checks the limit mid-way, or hand a `rateLimitTicket` to a hot path that counts
 * inside its own statement (anonymous sign-in, refresh):
 *
 *   app.post('/verify', { preValidation: [rateLimitGuard(deps, 'verify', 'POST /verify'), …] }, …)
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isAdminToken } from '../../auth/authenticate.js';
import type { AuthDeps } from '../../auth/deps.js';
import { unlimited, type LimitTicket } from '../../auth/limit-ticket.js';
import { FoyerError } from '../../errors.js';
import { rateLimitKey } from '../../security/client-ip.js';
import type { LimiterName, RateLimitDecision } from '../../security/rate-limit.js';
import { clientIpOf } from './client.js';

/** Admin-role callers (the service_role key) are trusted servers: often many users behind one IP. */
const isExempt = (deps: AuthDeps, request: FastifyRequest): boolean =>
  request.headers.authorization !== undefined && isAdminToken(deps, request.headers.authorization);

function refuseIfSpent(deps: AuthDeps, decision: RateLimitDecision, reply: FastifyReply, limiter: LimiterName, endpoint: string): void {
  if (decision.allowed) return;
  deps.abuse.rateLimit(endpoint, limiter);
  reply.header('retry-after', String(decision.retryAfterSeconds));
  throw new FoyerError('over_request_rate_limit', 'Request rate limit reached');
}

async function consume(deps: AuthDeps, request: FastifyRequest, reply: FastifyReply, limiter: LimiterName, endpoint: string): Promise<void> {
  let decision;
  try {
    decision = await deps.rateLimits.consume(limiter, rateLimitKey(clientIpOf(deps, request)));
  } catch (error) {
    // Fail closed: an unavailable counter store must not switch the limits off.
    deps.abuse.rateLimitStoreError(endpoint, limiter);
    request.log.error({ err: error, endpoint, limiter }, 'rate-limit store failed: request refused');
    throw new FoyerError('unexpected_failure', 'Rate limit check failed, please try again');
  }
  refuseIfSpent(deps, decision, reply, limiter, endpoint);
}

export async function enforceRateLimit(
  deps: AuthDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  limiter: LimiterName,
  endpoint: string,
): Promise<void> {
  if (isExempt(deps, request)) return;
  await consume(deps, request, reply, limiter, endpoint);
}

export function rateLimitGuard(deps: AuthDeps, limiter: LimiterName, endpoint: string) {
  return async function limit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    await enforceRateLimit(deps, request, reply, limiter, endpoint);
  };
}

/** The request's limit, to be counted by the domain (folded into its statement where it can be). */
export function rateLimitTicket(
  deps: AuthDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  limiter: LimiterName,
  endpoint: string,
): LimitTicket {
  if (isExempt(deps, request)) return unlimited;
  // One object for the app's life: live settings change its limits in place, never its counters.
  const limits = deps.rateLimits;
  let counted = false;
  const inline = limits.inlineCounter(limiter, rateLimitKey(clientIpOf(deps, request)));
  return {
    inline,
    async spend() {
      if (counted) return;
      counted = true;
      await consume(deps, request, reply, limiter, endpoint);
    },
    settle(state) {
      counted = true;
      refuseIfSpent(deps, limits.decideInline(limiter, state), reply, limiter, endpoint);
    },
    failed(error) {
      deps.abuse.rateLimitStoreError(endpoint, limiter);
      request.log.error({ err: error, endpoint, limiter }, 'statement with the rate-limit counter failed: request refused');
    },
  };
}
