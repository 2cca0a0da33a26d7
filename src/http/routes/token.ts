import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthDeps } from '../../auth/deps.js';
import { idTokenGrant } from '../../auth/oauth/id-token.js';
import { passwordGrant } from '../../auth/password-grant.js';
import { pkceGrant } from '../../auth/pkce-grant.js';
import { unlimited, type LimitTicket } from '../../auth/limit-ticket.js';
import { refreshTokenGrant } from '../../auth/refresh.js';
import { web3Grant } from '../../auth/web3/grant.js';
import { FoyerError } from '../../errors.js';
import { requireJsonBody } from '../body.js';
import { captchaGuard } from '../plugins/captcha.js';
import { rateLimitTicket } from '../plugins/rate-limit.js';
import { requestMeta } from '../request-meta.js';
import { Maybe, MetaSecurity, NameText, sessionResponse, TokenText, UrlText } from '../schemas.js';

const TokenBody = Type.Object({
  refresh_token: Maybe(TokenText),
  email: Maybe(Type.String()),
  phone: Maybe(Type.String()),
  password: Maybe(Type.String()),
  // grant_type=pkce
  auth_code: Maybe(TokenText),
  code_verifier: Maybe(TokenText),
  // grant_type=id_token
  provider: Maybe(NameText),
  id_token: Maybe(TokenText),
  access_token: Maybe(TokenText),
  nonce: Maybe(TokenText),
  link_identity: Maybe(Type.Boolean()),
  client_id: Maybe(NameText),
  issuer: Maybe(UrlText),
  // grant_type=web3 (sizes are checked by the grant, with GoTrue's sentences)
  chain: Maybe(NameText),
  message: Maybe(Type.String()),
  signature: Maybe(Type.String()),
  gotrue_meta_security: MetaSecurity,
});
type TokenBody = Static<typeof TokenBody>;

const TokenQuery = Type.Object({ grant_type: Type.Optional(NameText) });

/** GoTrue skips CAPTCHA for these grants (their proof is a token, not a password). */
const grantsWithoutCaptcha = new Set(['refresh_token', 'pkce', 'id_token']);
const grantOf = (request: FastifyRequest): unknown => (request.query as { grant_type?: unknown }).grant_type;
const grantNeedsCaptcha = (request: FastifyRequest) => {
  const grant = grantOf(request);
  return !(typeof grant === 'string' && grantsWithoutCaptcha.has(grant));
};

/**
 * Whether nothing between the limiter and the refresh grant can refuse this request (the body is
 * present and valid, with a token): only then may the count wait for the grant, which counts it in
 * the rotation's statement (or first, for a malformed token), keeping GoTrue's order (the limiter
 * first) for every outcome.
 */
function reachesRefreshGrant(request: FastifyRequest): boolean {
  if (grantOf(request) !== 'refresh_token') return false;
  const body = request.body as { refresh_token?: unknown } | null | undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  if (typeof body.refresh_token !== 'string' || !body.refresh_token) return false;
  return request.getValidationFunction('body')?.(body) === true;
}

export function tokenRoutes(app: FastifyInstance, deps: AuthDeps): void {
  // Refresh rotations count their limit inside the rotation's statement (one round trip, one commit).
  const deferredLimits = new WeakMap<FastifyRequest, LimitTicket>();
  const tokenLimit = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // GoTrue counts Web3 sign-ins on their own limiter (GOTRUE_RATE_LIMIT_WEB3), every other grant on the token one.
    const limit =
      grantOf(request) === 'web3'
        ? rateLimitTicket(deps, request, reply, 'web3', 'POST /token?grant_type=web3')
        : rateLimitTicket(deps, request, reply, 'token_refresh', 'POST /token');
    if (limit.inline && reachesRefreshGrant(request)) deferredLimits.set(request, limit);
    else await limit.spend();
  };
  app.post<{ Body: TokenBody; Querystring: Static<typeof TokenQuery> }>(
    '/token',
    {
      // GoTrue's order: the token limiter (every grant), CAPTCHA (password grant), then the body.
      preValidation: [
        tokenLimit,
        captchaGuard(deps, { endpoint: 'POST /token', appliesTo: grantNeedsCaptcha }),
        requireJsonBody,
      ],
      schema: {
        summary: 'Sign in: grant_type password, refresh_token, pkce, id_token or web3 (Ethereum and Solana wallets)',
        querystring: TokenQuery,
        body: TokenBody,
        response: { 200: sessionResponse },
      },
    },
    async (request) => {
      const body = request.body;
      const meta = requestMeta(request);
      switch (request.query.grant_type) {
        case 'refresh_token':
          if (!body.refresh_token) throw new FoyerError('validation_failed', 'refresh_token required');
          return refreshTokenGrant(deps, body.refresh_token, meta, deferredLimits.get(request) ?? unlimited);
        case 'password':
          return passwordGrant(
            deps,
            { email: body.email ?? undefined, phone: body.phone ?? undefined, password: body.password ?? undefined },
            meta,
          );
        case 'pkce':
          return pkceGrant(deps, { authCode: body.auth_code ?? undefined, codeVerifier: body.code_verifier ?? undefined }, meta);
        case 'id_token':
          return idTokenGrant(
            deps,
            {
              provider: body.provider ?? undefined,
              idToken: body.id_token ?? undefined,
              accessToken: body.access_token ?? undefined,
              nonce: body.nonce ?? undefined,
              linkIdentity: body.link_identity ?? false,
              clientId: body.client_id ?? undefined,
              issuer: body.issuer ?? undefined,
            },
            request.headers.authorization,
            meta,
          );
        case 'web3':
          return web3Grant(
            deps,
            { chain: body.chain ?? undefined, message: body.message ?? undefined, signature: body.signature ?? undefined },
            meta,
          );
        default:
          throw new FoyerError('invalid_credentials', 'unsupported_grant_type');
      }
    },
  );
}
