/**
 * The OAuth server's clients: /admin/oauth/clients (service role) and POST /oauth/clients/register
 * (dynamic registration, RFC 7591, behind GOTRUE_OAUTH_SERVER_ALLOW_DYNAMIC_REGISTRATION and its own
 * rate limit). Every route answers 404 feature_disabled while GOTRUE_OAUTH_SERVER_ENABLED is off, as GoTrue.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AuthDeps } from '../../auth/deps.js';
import { grantCounts } from '../../auth/oauth-server/grants.js';
import {
  deleteClient,
  listClients,
  loadClient,
  clientView,
  regenerateClientSecret,
  registerClient,
  requireOAuthServer,
  updateClient,
} from '../../auth/oauth-server/clients.js';
import { FoyerError } from '../../errors.js';
import { requireJsonBody } from '../body.js';
import { adminGuard } from '../caller.js';
import { rateLimitGuard } from '../plugins/rate-limit.js';

const UriList = Type.Array(Type.String(), { maxItems: 100 });
const RegisterBody = Type.Object({
  redirect_uris: Type.Optional(UriList),
  client_type: Type.Optional(Type.String({ maxLength: 64 })),
  token_endpoint_auth_method: Type.Optional(Type.String({ maxLength: 64 })),
  grant_types: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 10 })),
  client_name: Type.Optional(Type.String()),
  client_uri: Type.Optional(Type.String()),
  logo_uri: Type.Optional(Type.String()),
});
type RegisterBody = Static<typeof RegisterBody>;
const UpdateBody = Type.Omit(RegisterBody, ['client_type']);
type UpdateBody = Static<typeof UpdateBody>;
const ClientParams = Type.Object({ client_id: Type.String() });
type ClientParams = Static<typeof ClientParams>;

export function oauthServerClientRoutes(app: FastifyInstance, deps: AuthDeps): void {
  const enabled = async (): Promise<void> => requireOAuthServer(deps);
  const admin = [enabled, adminGuard(deps)];

  app.get('/admin/oauth/clients', { preValidation: admin, schema: { summary: 'OAuth server: list the registered clients' } }, async () =>
    listClients(deps),
  );

  // Foyer's own (GoTrue has no such count): what the console's OAuth apps page shows per app.
  app.get('/admin/oauth/grant-counts', { preValidation: admin, schema: { summary: 'OAuth server: how many users have an active grant, per client id (Foyer)' } }, async () =>
    grantCounts(deps),
  );

  app.post<{ Body: RegisterBody }>(
    '/admin/oauth/clients',
    { preValidation: [...admin, requireJsonBody], schema: { summary: 'OAuth server: register a client (its secret is shown once)', body: RegisterBody } },
    async (request, reply) => reply.code(201).send(await registerClient(deps, request.body, 'manual')),
  );

  app.get<{ Params: ClientParams }>(
    '/admin/oauth/clients/:client_id',
    { preValidation: admin, schema: { summary: 'OAuth server: one client', params: ClientParams } },
    async (request) => clientView(await loadClient(deps, request.params.client_id)),
  );

  app.put<{ Params: ClientParams; Body: UpdateBody }>(
    '/admin/oauth/clients/:client_id',
    { preValidation: [...admin, requireJsonBody], schema: { summary: 'OAuth server: change a client', params: ClientParams, body: UpdateBody } },
    async (request) => updateClient(deps, request.params.client_id, request.body),
  );

  app.delete<{ Params: ClientParams }>(
    '/admin/oauth/clients/:client_id',
    { preValidation: admin, schema: { summary: 'OAuth server: delete a client (its sessions end)', params: ClientParams } },
    async (request, reply) => {
      await deleteClient(deps, request.params.client_id);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: ClientParams }>(
    '/admin/oauth/clients/:client_id/regenerate_secret',
    { preValidation: admin, schema: { summary: 'OAuth server: a new secret for a confidential client (shown once)', params: ClientParams } },
    async (request) => regenerateClientSecret(deps, request.params.client_id),
  );

  const dynamicRegistration = async (): Promise<void> => {
    if (!deps.config.oauthServerAllowDynamicRegistration) {
      throw new FoyerError('oauth_dynamic_client_registration_disabled', 'Dynamic client registration is not enabled');
    }
  };
  app.post<{ Body: RegisterBody }>(
    '/oauth/clients/register',
    {
      preValidation: [enabled, rateLimitGuard(deps, 'oauth_client_register', 'POST /oauth/clients/register'), dynamicRegistration, requireJsonBody],
      schema: { summary: 'OAuth server: dynamic client registration (RFC 7591)', body: RegisterBody },
    },
    async (request, reply) => reply.code(201).send(await registerClient(deps, request.body, 'dynamic')),
  );
}
