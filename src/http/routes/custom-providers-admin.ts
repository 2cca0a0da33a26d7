/**
 * GoTrue's /admin/custom-providers (a JWT whose role is in GOTRUE_JWT_ADMIN_ROLES; supabase-js's
 * auth.admin.customProviders): GET (list, ?type=oauth2|oidc), POST (create, 201), and GET, PUT, DELETE
 * /admin/custom-providers/{identifier}. With GOTRUE_CUSTOM_OAUTH_ENABLED=false every one answers 404
 * feature_disabled, as GoTrue's do.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  createCustomProvider,
  customProviderView,
  deleteCustomProviderByIdentifier,
  listCustomProviderViews,
  loadCustomProviderRow,
  updateCustomProviderFromInput,
  type CustomProviderInput,
} from '../../auth/oauth/custom/admin.js';
import type { AuthDeps } from '../../auth/deps.js';
import { FoyerError } from '../../errors.js';
import { requireJsonBody } from '../body.js';
import { adminGuard } from '../caller.js';

const text = { type: 'string', maxLength: 2048 } as const;
const texts = { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 512 } } as const;
const object = { type: 'object', maxProperties: 100 } as const;

const ProviderBody = {
  type: 'object',
  properties: {
    provider_type: { type: 'string', maxLength: 16 },
    identifier: { type: 'string', maxLength: 100 },
    name: { type: 'string', maxLength: 1000 },
    client_id: { type: 'string', maxLength: 1000 },
    client_secret: { type: 'string', maxLength: 4096 },
    acceptable_client_ids: texts,
    scopes: texts,
    pkce_enabled: { type: 'boolean' },
    attribute_mapping: object,
    custom_claims_allowlist: texts,
    authorization_params: object,
    enabled: { type: 'boolean' },
    email_optional: { type: 'boolean' },
    issuer: text,
    discovery_url: text,
    skip_nonce_check: { type: 'boolean' },
    authorization_url: text,
    token_url: text,
    userinfo_url: text,
    jwks_uri: text,
  },
} as const;

const IdentifierParams = { type: 'object', properties: { identifier: { type: 'string' } }, required: ['identifier'] } as const;

export function customProvidersAdminRoutes(app: FastifyInstance, deps: AuthDeps): void {
  const requireAdmin = adminGuard(deps);
  const requireFeature = async (_request: FastifyRequest) => {
    if (!deps.config.customOAuthEnabled) throw new FoyerError('feature_disabled', 'Custom OAuth providers are disabled');
  };
  const onRequest = [requireAdmin, requireFeature];

  app.get<{ Querystring: { type?: string } }>(
    '/admin/custom-providers',
    {
      onRequest,
      schema: { summary: 'Custom OAuth/OIDC providers, newest first', querystring: { type: 'object', properties: { type: { type: 'string' } } } },
    },
    async (request) => listCustomProviderViews(deps, request.query.type),
  );

  app.post<{ Body: CustomProviderInput }>(
    '/admin/custom-providers',
    { onRequest, preValidation: requireJsonBody, schema: { summary: 'Add a custom OAuth 2.0 or OpenID Connect provider', body: ProviderBody } },
    async (request, reply) => reply.code(201).send(await createCustomProvider(deps, request.body)),
  );

  app.get<{ Params: { identifier: string } }>(
    '/admin/custom-providers/:identifier',
    { onRequest, schema: { summary: 'One custom provider (its client secret is never shown)', params: IdentifierParams } },
    async (request) => customProviderView(await loadCustomProviderRow(deps, request.params.identifier)),
  );

  app.put<{ Params: { identifier: string }; Body: CustomProviderInput }>(
    '/admin/custom-providers/:identifier',
    {
      onRequest,
      preValidation: requireJsonBody,
      schema: { summary: 'Change a custom provider (fields left out are kept)', params: IdentifierParams, body: ProviderBody },
    },
    async (request) => updateCustomProviderFromInput(deps, request.params.identifier, request.body),
  );

  app.delete<{ Params: { identifier: string } }>(
    '/admin/custom-providers/:identifier',
    { onRequest, schema: { summary: 'Remove a custom provider (its users keep their identities)', params: IdentifierParams } },
    async (request, reply) => {
      await deleteCustomProviderByIdentifier(deps, request.params.identifier);
      return reply.code(204).send();
    },
  );
}
