import type { FastifyInstance } from 'fastify';
import type { AuthDeps } from '../../auth/deps.js';
import { sendReauthenticationNonce } from '../../auth/step-up/reauthenticate.js';
import { userAuthentication } from '../caller.js';
import { requestMeta } from '../request-meta.js';

/** GET /reauthenticate (supabase-js `auth.reauthenticate()`): mails or texts a nonce for PUT /user; answers `{}` (with the SMS `message_id` when there is one). */
export function reauthenticateRoutes(app: FastifyInstance, deps: AuthDeps): void {
  const { authenticate, callerOf } = userAuthentication(deps);
  app.get('/reauthenticate', { preValidation: authenticate, schema: { summary: 'Mail or text the signed-in user a nonce for a password change (GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION)' } }, async (request) => {
    const messageId = await sendReauthenticationNonce(deps, callerOf(request), requestMeta(request));
    return messageId === '' ? {} : { message_id: messageId };
  });
}
