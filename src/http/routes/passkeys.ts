/**
 * GoTrue's passkey routes: /passkeys/* behind GOTRUE_PASSKEY_ENABLED (404 passkey_disabled first,
 * before authentication, as GoTrue's route middleware), and the admin API's /admin/users/{id}/passkeys
 * (not behind the switch, as in GoTrue). The sign-in's options are rate limited
 * (GOTRUE_RATE_LIMIT_PASSKEY) and CAPTCHA-checked, in GoTrue's order.
 */
import type { FastifyInstance } from 'fastify';
import type { AuthDeps } from '../../auth/deps.js';
import { assertPasskeysEnabled } from '../../auth/passkeys/access.js';
import { finishPasskeyAuthentication, startPasskeyAuthentication } from '../../auth/passkeys/authentication.js';
import { adminDeletePasskey, adminListPasskeys, deletePasskey, listPasskeys, renamePasskey } from '../../auth/passkeys/manage.js';
import { finishPasskeyRegistration, startPasskeyRegistration } from '../../auth/passkeys/registration.js';
import { adminGuard, userAuthentication } from '../caller.js';
import { captchaGuard } from '../plugins/captcha.js';
import { rateLimitGuard } from '../plugins/rate-limit.js';
import { requestMeta } from '../request-meta.js';
import { passkeyListResponse, passkeyOptionsResponse, passkeyResponse, sessionResponse } from '../schemas.js';

const SIGN_IN_OPTIONS = 'POST /passkeys/authentication/options';

export function passkeyRoutes(app: FastifyInstance, deps: AuthDeps): void {
  const { authenticate, callerOf } = userAuthentication(deps);
  // onRequest: before the body is even parsed, so a disabled feature answers the same whatever is sent.
  const enabled = async () => assertPasskeysEnabled(deps);

  app.post(
    '/passkeys/authentication/options',
    {
      onRequest: enabled,
      preValidation: [rateLimitGuard(deps, 'passkey', SIGN_IN_OPTIONS), captchaGuard(deps, { endpoint: SIGN_IN_OPTIONS })],
      schema: { summary: 'Start a passkey sign-in: WebAuthn request options and a challenge id', response: { 200: passkeyOptionsResponse } },
    },
    async () => startPasskeyAuthentication(deps),
  );

  app.post(
    '/passkeys/authentication/verify',
    { onRequest: enabled, schema: { summary: 'Finish a passkey sign-in: the assertion for a session', response: { 200: sessionResponse } } },
    async (request) => finishPasskeyAuthentication(deps, request.body, requestMeta(request)),
  );

  app.post(
    '/passkeys/registration/options',
    { onRequest: enabled, preValidation: authenticate, schema: { summary: 'Start registering a passkey for the signed-in user', response: { 200: passkeyOptionsResponse } } },
    async (request) => startPasskeyRegistration(deps, callerOf(request)),
  );

  app.post(
    '/passkeys/registration/verify',
    { onRequest: enabled, preValidation: authenticate, schema: { summary: 'Finish registering a passkey: the attestation', response: { 200: passkeyResponse } } },
    async (request) => finishPasskeyRegistration(deps, callerOf(request), request.body, requestMeta(request).ip),
  );

  // GoTrue serves the list at /passkeys and /passkeys/ alike (supabase-js calls the first).
  for (const url of ['/passkeys', '/passkeys/']) {
    app.get(url, { onRequest: enabled, preValidation: authenticate, schema: { summary: "The signed-in user's passkeys", response: { 200: passkeyListResponse } } }, async (request) =>
      listPasskeys(deps, callerOf(request)),
    );
  }

  app.patch<{ Params: { passkey_id: string } }>(
    '/passkeys/:passkey_id',
    { onRequest: enabled, preValidation: authenticate, schema: { summary: 'Rename a passkey of the signed-in user', response: { 200: passkeyResponse } } },
    async (request) => renamePasskey(deps, callerOf(request), request.params.passkey_id, request.body, requestMeta(request).ip),
  );

  app.delete<{ Params: { passkey_id: string } }>(
    '/passkeys/:passkey_id',
    { onRequest: enabled, preValidation: authenticate, schema: { summary: 'Delete a passkey of the signed-in user' } },
    async (request, reply) => {
      await deletePasskey(deps, callerOf(request), request.params.passkey_id, requestMeta(request).ip);
      return reply.code(204).send();
    },
  );

  const requireAdmin = adminGuard(deps);

  app.get<{ Params: { id: string } }>(
    '/admin/users/:id/passkeys',
    { onRequest: requireAdmin, schema: { summary: "A user's passkeys", response: { 200: passkeyListResponse } } },
    async (request) => adminListPasskeys(deps, request.params.id),
  );

  app.delete<{ Params: { id: string; passkey_id: string } }>(
    '/admin/users/:id/passkeys/:passkey_id',
    { onRequest: requireAdmin, schema: { summary: "Delete a user's passkey" } },
    async (request, reply) => {
      await adminDeletePasskey(deps, request.params.id, request.params.passkey_id, requestMeta(request).ip);
      return reply.code(204).send();
    },
  );
}
