/**
 * GoTrue's MFA routes (supabase-js `auth.mfa.*`): POST /factors, POST /factors/{id}/challenge,
 * POST /factors/{id}/verify, DELETE /factors/{id}. Hooks run in GoTrue's middleware order:
 * authentication, not anonymous, the factor is the caller's, then the rate limit (challenge and
 * verify each count against GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY), then the body.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthDeps } from '../../auth/deps.js';
import { isUuid } from '../../auth/authenticate.js';
import { loadOwnedFactor, requireNotAnonymous } from '../../auth/mfa/access.js';
import { challengeFactor } from '../../auth/mfa/challenge.js';
import { enrollFactor } from '../../auth/mfa/enroll.js';
import { unenrollFactor } from '../../auth/mfa/unenroll.js';
import { verifyFactor } from '../../auth/mfa/verify.js';
import { challengeWebAuthnFactor, verifyWebAuthnFactor } from '../../auth/mfa/webauthn.js';
import { FoyerError } from '../../errors.js';
import type { OwnedFactor } from '../../store/mfa-factors.js';
import { requireJsonBody } from '../body.js';
import { userAuthentication } from '../caller.js';
import { clientIpOf } from '../plugins/client.js';
import { rateLimitGuard } from '../plugins/rate-limit.js';
import { requestMeta } from '../request-meta.js';
import { Maybe, sessionResponse } from '../schemas.js';

const EnrollBody = Type.Object({
  factor_type: Maybe(Type.String()),
  friendly_name: Maybe(Type.String()),
  issuer: Maybe(Type.String()),
  phone: Maybe(Type.String()),
});

const VerifyBody = Type.Object({
  challenge_id: Maybe(Type.String()),
  code: Maybe(Type.String()),
  // WebAuthn factors. supabase-js also sends rpId and rpOrigins here; GoTrue ignores them, so does Foyer.
  webauthn: Maybe(Type.Object({ type: Maybe(Type.String()), credential_response: Type.Optional(Type.Unknown()) })),
});

const FactorParams = Type.Object({ factor_id: Type.String() });

const enrollResponse = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    type: { type: 'string' },
    friendly_name: { type: 'string' },
    totp: { type: 'object', properties: { qr_code: { type: 'string' }, secret: { type: 'string' }, uri: { type: 'string' } } },
  },
} as const;

const challengeResponse = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    type: { type: 'string' },
    expires_at: { type: 'integer' },
    webauthn: { type: 'object', additionalProperties: true },
  },
} as const;

const unenrollResponse = { type: 'object', properties: { id: { type: 'string' } } } as const;

export function mfaRoutes(app: FastifyInstance, deps: AuthDeps): void {
  const { authenticate, callerOf } = userAuthentication(deps);
  const notAnonymous = async (request: FastifyRequest) => requireNotAnonymous(callerOf(request));
  const factors = new WeakMap<FastifyRequest, OwnedFactor>();
  const loadFactor = async (request: FastifyRequest<{ Params: Static<typeof FactorParams> }>) => {
    factors.set(request, await loadOwnedFactor(deps, callerOf(request).user.id, request.params.factor_id));
  };
  const factorOf = (request: FastifyRequest): OwnedFactor => factors.get(request) as OwnedFactor;

  app.post<{ Body: Static<typeof EnrollBody> }>(
    '/factors',
    { preValidation: [authenticate, notAnonymous, requireJsonBody], schema: { body: EnrollBody, response: { 200: enrollResponse } } },
    async (request) =>
      enrollFactor(
        deps,
        callerOf(request),
        { factorType: request.body.factor_type ?? undefined, friendlyName: request.body.friendly_name ?? undefined, issuer: request.body.issuer ?? undefined },
        requestMeta(request),
      ),
  );

  // GoTrue reads no body for a TOTP challenge: whatever supabase-js sends ({factorId}) is ignored; for a
  // WebAuthn one it reads webauthn.rpId/rpOrigins no more (the relying party is configured).
  app.post<{ Params: Static<typeof FactorParams> }>(
    '/factors/:factor_id/challenge',
    {
      preValidation: [authenticate, notAnonymous, loadFactor, rateLimitGuard(deps, 'mfa_challenge', 'POST /factors/{id}/challenge')],
      schema: { params: FactorParams, response: { 200: challengeResponse } },
    },
    async (request) => {
      const factor = factorOf(request);
      const ip = clientIpOf(deps, request);
      return factor.factor_type === 'webauthn' ? challengeWebAuthnFactor(deps, callerOf(request), factor, ip) : challengeFactor(deps, callerOf(request), factor, ip);
    },
  );

  app.post<{ Params: Static<typeof FactorParams>; Body: Static<typeof VerifyBody> }>(
    '/factors/:factor_id/verify',
    {
      preValidation: [authenticate, notAnonymous, loadFactor, rateLimitGuard(deps, 'mfa_verify', 'POST /factors/{id}/verify'), requireJsonBody],
      schema: { params: FactorParams, body: VerifyBody, response: { 200: sessionResponse } },
    },
    async (request) => {
      const challengeId = request.body.challenge_id ?? undefined;
      // GoTrue decodes challenge_id into a UUID while reading the body.
      if (challengeId !== undefined && !isUuid(challengeId)) {
        throw new FoyerError('bad_json', 'Could not parse request body as JSON: challenge_id must be a UUID');
      }
      const factor = factorOf(request);
      if (factor.factor_type === 'webauthn') {
        return verifyWebAuthnFactor(deps, callerOf(request), factor, { challengeId, webauthn: request.body.webauthn }, requestMeta(request));
      }
      return verifyFactor(deps, callerOf(request), factor, { challengeId, code: request.body.code ?? undefined }, requestMeta(request));
    },
  );

  app.delete<{ Params: Static<typeof FactorParams> }>(
    '/factors/:factor_id',
    { preValidation: [authenticate, notAnonymous, loadFactor], schema: { params: FactorParams, response: { 200: unenrollResponse } } },
    async (request) => unenrollFactor(deps, callerOf(request), factorOf(request), requestMeta(request)),
  );
}
