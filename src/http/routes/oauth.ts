/**
 * GET /authorize?provider=… (sign in with a provider: always a 302 to it) and GET|POST /callback (the
 * provider's answer; POST for providers that use response_mode=form_post). Callback outcomes are always
 * redirects: GoTrue reports errors to the browser in the URL, never as a JSON body.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthDeps } from '../../auth/deps.js';
import { oauthCallback, passThroughParams, startAuthorization } from '../../auth/oauth/flow.js';
import { providerRegistry } from '../../auth/oauth/providers.js';
import { inputDefect } from '../body.js';
import { requestMeta } from '../request-meta.js';
import { FIELD_LIMITS } from '../schemas.js';

/** The query of /authorize and /user/identities/authorize; other parameters pass through to the provider. */
export const AuthorizeQuerySchema = {
  type: 'object',
  properties: {
    provider: { type: 'string', maxLength: FIELD_LIMITS.name },
    redirect_to: { type: 'string', maxLength: FIELD_LIMITS.url },
    scopes: { type: 'string', maxLength: FIELD_LIMITS.search },
    // The PKCE challenge's own check answers GoTrue's message (43 to 128 characters).
    code_challenge: { type: 'string' },
    code_challenge_method: { type: 'string', maxLength: FIELD_LIMITS.name },
    skip_http_redirect: { type: 'string', maxLength: FIELD_LIMITS.name },
  },
  additionalProperties: true,
} as const;

export interface AuthorizeQuery {
  provider?: string;
  redirect_to?: string;
  scopes?: string;
  code_challenge?: string;
  code_challenge_method?: string;
  skip_http_redirect?: string;
  [key: string]: unknown;
}

/** The provider's authorize URL for an /authorize-style query; `linkingTargetId` when linking to a user. */
export function authorizationUrl(deps: AuthDeps, query: AuthorizeQuery, linkingTargetId: string | null): Promise<string> {
  return startAuthorization(deps, {
    provider: query.provider,
    redirectTo: query.redirect_to,
    scopes: query.scopes,
    codeChallenge: query.code_challenge,
    codeChallengeMethod: query.code_challenge_method,
    extraParams: passThroughParams(query),
    linkingTargetId,
  });
}

function callbackParams(request: FastifyRequest): URLSearchParams {
  const params = new URLSearchParams();
  const add = (source: unknown) => {
    if (!source || typeof source !== 'object') return;
    for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
      if (typeof value === 'string' && !params.has(key)) params.set(key, value);
    }
  };
  // The form body wins over the query, as Go's FormValue reads them.
  add(request.body);
  add(request.query);
  return params;
}

export function oauthRoutes(app: FastifyInstance, deps: AuthDeps): void {
  // Built now, not at the first request: an enabled provider missing a setting stops the start, naming it.
  providerRegistry(deps.config);
  app.get<{ Querystring: AuthorizeQuery }>(
    '/authorize',
    { schema: { summary: 'Sign in with a provider: 302 to it', querystring: AuthorizeQuerySchema } },
    async (request, reply) => reply.redirect(await authorizationUrl(deps, request.query, null), 302),
  );

  // Its own scope: form bodies are parsed here only (everything else in the API is JSON).
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
      const form = Object.fromEntries(new URLSearchParams(body as string));
      // The string checks JSON bodies get (NUL, unpaired surrogates, length).
      const defect = inputDefect(form);
      if (defect) done(defect, undefined);
      else done(null, form);
    });
    const handle = async (request: FastifyRequest, reply: import('fastify').FastifyReply) => {
      const result = await oauthCallback(deps, callbackParams(request), requestMeta(request));
      if (result.failure) {
        const level = result.failure.status >= 500 ? 'warn' : 'info';
        request.log[level]({ code: result.failure.code, err: (result.failure as { cause?: unknown }).cause }, result.failure.message);
      }
      reply.header('cache-control', 'no-store');
      return reply.redirect(result.location, result.status);
    };
    const summary = "The provider's answer: 302 back to the app with the session (or the error) in the URL";
    scope.get('/callback', { schema: { summary } }, handle);
    scope.post('/callback', { schema: { summary: `${summary} (response_mode=form_post)` } }, handle);
  });
}
