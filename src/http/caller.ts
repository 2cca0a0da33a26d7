/** Authenticates the Bearer user in a route hook and hands the caller to the handler. */
import type { FastifyRequest } from 'fastify';
import { authenticateAdmin, authenticateUser, type Caller } from '../auth/authenticate.js';
import type { AuthDeps } from '../auth/deps.js';

export function userAuthentication(deps: AuthDeps, afterAuthentication?: () => void) {
  const callers = new WeakMap<FastifyRequest, Caller>();
  return {
    /** preValidation hook: GoTrue authenticates before it looks at the body. */
    authenticate: async (request: FastifyRequest): Promise<void> => {
      callers.set(request, await authenticateUser(deps, request.headers.authorization));
      afterAuthentication?.();
    },
    callerOf: (request: FastifyRequest): Caller => callers.get(request) as Caller,
  };
}

/** A route hook that lets only the service role (or another admin token) through: GoTrue's admin check. */
export function adminGuard(deps: AuthDeps) {
  return async (request: FastifyRequest): Promise<void> => {
    authenticateAdmin(deps, request.headers.authorization);
  };
}
