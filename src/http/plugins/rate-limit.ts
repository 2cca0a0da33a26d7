/**
 * Rate limits at the HTTP edge: the client's bucket (IP, IPv6 /64) and a 429 `over_request_rate_limit`
 * with Retry-After when it is spent. Use `rateLimitGuard` as a route hook, or `enforceRateLimit` inside
 * a handler where GoTrue checks the limit mid-way (anonymous sign-ups: after the enabled check, before
 * signup_disabled):
 *
 *   app.post('/verify', { preValidation: [rateLimitGuard(deps, 'verify', 'POST /verify'), …] }, …)
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isAdminToken } from '../../auth/authenticate.js';
import type { AuthDeps } from '../../auth/deps.js';
import { FoyerError } from '../../errors.js';
import { countRateLimited, countRateLimitStoreError } from '../../security/abuse-counters.js';
import { rateLimitKey } from '../../security/client-ip.js';
import type { LimiterName } from '../../security/rate-limit.js';
import { clientIpOf } from './client.js';

export async function enforceRateLimit(
  deps: AuthDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  limiter: LimiterName,
  endpoint: string,
): Promise<void> {
  // Admin-role callers (the service_role key) are trusted servers: often many users behind one IP.
  if (request.headers.authorization && isAdminToken(deps, request.headers.authorization)) return;
  const key = rateLimitKey(clientIpOf(deps, request));
  let decision;
  try {
    decision = await deps.rateLimits.consume(limiter, key);
  } catch (error) {
    // Fail closed: an unavailable counter store must not switch the limits off.
    countRateLimitStoreError(endpoint, limiter);
    request.log.error({ err: error, endpoint, limiter }, 'rate-limit store failed: request refused');
    throw new FoyerError('unexpected_failure', 'Rate limit check failed, please try again');
  }
  if (decision.allowed) return;
  countRateLimited(endpoint, limiter);
  reply.header('retry-after', String(decision.retryAfterSeconds));
  throw new FoyerError('over_request_rate_limit', 'Request rate limit reached');
}

export function rateLimitGuard(deps: AuthDeps, limiter: LimiterName, endpoint: string) {
  return async function limit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    await enforceRateLimit(deps, request, reply, limiter, endpoint);
  };
}
