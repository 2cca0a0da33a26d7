/**
 * Foyer as an OAuth 2.1 / OpenID Connect authorization server (GoTrue's OAuth server; docs/oauth-server.md):
 * the app's side (/oauth/authorize, /oauth/token, /oauth/userinfo), the consent page's side
 * (/oauth/authorizations/{id}, …/consent) and the user's grants (/user/oauth/grants). Clients and
 * registration: routes/oauth-server-clients.ts. Every route answers 404 feature_disabled while
 * GOTRUE_OAUTH_SERVER_ENABLED is off, as GoTrue.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AuthDeps } from '../../auth/deps.js';
import { authorize, type AuthorizeQuery } from '../../auth/oauth-server/authorize.js';
import { authenticateClient, readClientCredentials } from '../../auth/oauth-server/client-auth.js';
import { requireOAuthServer } from '../../auth/oauth-server/clients.js';
import { authorizationDetails, checkOrigin, decideConsent } from '../../auth/oauth-server/consent.js';
import { listGrants, revokeUserGrant } from '../../auth/oauth-server/grants.js';
import { tokenGrant, type TokenParams } from '../../auth/oauth-server/token.js';
import { userInfo } from '../../auth/oauth-server/userinfo.js';
import { FoyerError } from '../../errors.js';
import { BODY_LIMIT_BYTES, inputDefect } from '../body.js';
import { userAuthentication } from '../caller.js';
import { rateLimitTicket } from '../plugins/rate-limit.js';
import { requestMeta } from '../request-meta.js';
import { TokenText, UrlText } from '../schemas.js';
import { oauthServerClientRoutes } from './oauth-server-clients.js';

const Text = Type.Optional(Type.String({ maxLength: 4096 }));
const AuthorizeQuerySchema = Type.Object({
  client_id: Text,
  redirect_uri: Text,
  response_type: Text,
  scope: Text,
  state: Text,
  resource: Text,
  code_challenge: Text,
  code_challenge_method: Text,
  nonce: Text,
});
const AuthorizationParams = Type.Object({ authorization_id: Type.String({ maxLength: 64 }) });
type AuthorizationParams = Static<typeof AuthorizationParams>;
const ConsentBody = Type.Object({ action: Type.String({ maxLength: 16 }) });
type ConsentBody = Static<typeof ConsentBody>;
const GrantQuery = Type.Object({ client_id: Type.Optional(Type.String({ maxLength: 64 })) });
type GrantQuery = Static<typeof GrantQuery>;
const TokenBody = Type.Object({
  grant_type: Type.Optional(Type.String({ maxLength: 64 })),
  code: Type.Optional(TokenText),
  refresh_token: Type.Optional(TokenText),
  redirect_uri: Type.Optional(UrlText),
  client_id: Type.Optional(Type.String({ maxLength: 255 })),
  client_secret: Type.Optional(Type.String({ maxLength: 255 })),
  code_verifier: Type.Optional(Type.String({ maxLength: 255 })),
  resource: Type.Optional(UrlText),
});
type TokenBody = Static<typeof TokenBody>;

/** application/x-www-form-urlencoded, as OAuth clients send to the token endpoint (each name once). */
function parseForm(raw: string): Record<string, string> {
  const form: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    if (name in form) throw new FoyerError('validation_failed', `parameter ${name.slice(0, 64)} is repeated`);
    form[name] = value;
  }
  const defect = inputDefect(form);
  if (defect) throw defect;
  return form;
}

/** POST /oauth/token reads forms (RFC 6749) and JSON (GoTrue also takes it), in a context of its own. */
async function tokenEndpoint(app: FastifyInstance, deps: AuthDeps): Promise<void> {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) => {
    try {
      done(null, parseForm(body as string));
    } catch (error) {
      done(error as FoyerError, undefined);
    }
  });
  app.post<{ Body: TokenBody }>(
    '/oauth/token',
    {
      preValidation: async (request) => {
        requireOAuthServer(deps);
        if (request.body === undefined || request.body === null) request.body = {};
      },
      schema: { summary: 'OAuth server: tokens for a client (authorization_code with PKCE, refresh_token)', body: TokenBody },
    },
    async (request, reply) => {
      const client = await authenticateClient(deps, readClientCredentials(request.headers.authorization, request.body));
      const params: TokenParams = request.body;
      const limit = rateLimitTicket(deps, request, reply, 'token_refresh', 'POST /oauth/token');
      const answer = await tokenGrant(deps, client, params, requestMeta(request), limit);
      reply.header('cache-control', 'no-store');
      return answer;
    },
  );
}

export function oauthServerRoutes(deps: AuthDeps) {
  return async (app: FastifyInstance): Promise<void> => {
    const enabled = async (): Promise<void> => requireOAuthServer(deps);
    const { authenticate, callerOf } = userAuthentication(deps);
    oauthServerClientRoutes(app, deps);
    await app.register(async (child) => tokenEndpoint(child, deps));

    app.get<{ Querystring: AuthorizeQuery }>(
      '/oauth/authorize',
      { preValidation: enabled, schema: { summary: 'OAuth server: an app asks for authorization (to the consent page)', querystring: AuthorizeQuerySchema } },
      async (request, reply) => reply.redirect(await authorize(deps, request.query), 302),
    );

    app.get<{ Params: AuthorizationParams }>(
      '/oauth/authorizations/:authorization_id',
      {
        preValidation: [enabled, authenticate],
        schema: { summary: 'OAuth server: what the consent page shows (or redirect_url when consent exists)', params: AuthorizationParams },
      },
      async (request) => {
        checkOrigin(deps, request.headers.origin);
        return authorizationDetails(deps, callerOf(request).user, request.params.authorization_id);
      },
    );

    app.post<{ Params: AuthorizationParams; Body: ConsentBody }>(
      '/oauth/authorizations/:authorization_id/consent',
      {
        preValidation: [enabled, authenticate, async (request) => checkOrigin(deps, request.headers.origin)],
        schema: { summary: 'OAuth server: the user approves or denies', params: AuthorizationParams, body: ConsentBody },
      },
      async (request) => {
        const { action } = request.body;
        if (action !== 'approve' && action !== 'deny') throw new FoyerError('validation_failed', "action must be 'approve' or 'deny'");
        return decideConsent(deps, callerOf(request).user, request.params.authorization_id, action);
      },
    );

    app.get(
      '/oauth/userinfo',
      { preValidation: [enabled, authenticate], schema: { summary: 'OAuth server: OpenID Connect user info for an access token' } },
      async (request) => userInfo(deps, callerOf(request)),
    );

    app.get(
      '/user/oauth/grants',
      { preValidation: [enabled, authenticate], schema: { summary: 'OAuth server: the apps the user consented to' } },
      async (request) => listGrants(deps, callerOf(request).user),
    );

    app.delete<{ Querystring: GrantQuery }>(
      '/user/oauth/grants',
      { preValidation: [enabled, authenticate], schema: { summary: "OAuth server: revoke an app's grant (its sessions end)", querystring: GrantQuery } },
      async (request, reply) => {
        await revokeUserGrant(deps, callerOf(request).user, request.query.client_id, requestMeta(request));
        return reply.code(204).send();
      },
    );
  };
}
