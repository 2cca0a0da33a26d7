import type { FastifyInstance } from 'fastify';
import type { AuthDeps } from '../../auth/deps.js';
import { sendReauthenticationNonce } from '../../auth/step-up/reauthenticate.js';
import { userAuthentication } from '../caller.js';
import { requestMeta } from '../request-meta.js';

/**
 * GET /reauthenticate (supabase-js `auth.reauthenticate()`): mails (or, to a phone-only user, texts) a
 * nonce for PUT /user; answers `{}`, or `{message_id}` for an SMS.
 */
export function reauthenticateRoutes(app: FastifyInstance, deps: AuthDeps): void {
  const { authenticate, callerOf } = userAuthentication(deps);
  app.get('/reauthenticate', { preValidation: authenticate, schema: { summary: 'Send the signed-in user a nonce for a password change (GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION)' } }, async (request) => {
    return sendReauthenticationNonce(deps, callerOf(request), requestMeta(request));
  });
}
