/**
 * GoTrue's /admin/sso/providers (a JWT whose role is in GOTRUE_JWT_ADMIN_ROLES): GET (list; filters
 * resource_id and resource_id_prefix), POST (create, 201), and GET, PUT, DELETE /admin/sso/providers/{id}
 * where {id} is a provider id or resource_<resource id>. As in GoTrue, these answer whether or not SAML
 * is enabled. Metadata documents can be larger than any other JSON value, so this scope reads its JSON
 * with a larger bound for metadata_xml.
 */
import type { FastifyInstance } from 'fastify';
import { createProvider, deleteProvider, listProviders, loadProvider, providerView, updateProvider, type ProviderInput } from '../../auth/sso/admin-providers.js';
import type { AuthDeps } from '../../auth/deps.js';
import { FoyerError } from '../../errors.js';
import { BODY_LIMIT_BYTES, inputDefect, requireJsonBody } from '../body.js';
import { adminGuard } from '../caller.js';

const ProviderBody = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    metadata_url: { type: 'string' },
    metadata_xml: { type: 'string' },
    domains: { anyOf: [{ type: 'array', items: { type: 'string', maxLength: 255 } }, { type: 'null' }] },
    attribute_mapping: {},
    name_id_format: { type: 'string' },
    resource_id: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    disabled: { anyOf: [{ type: 'boolean' }, { type: 'null' }] },
  },
} as const;

const IdParams = { type: 'object', properties: { idp_id: { type: 'string' } }, required: ['idp_id'] } as const;

/** JSON.parse with Foyer's input checks, metadata_xml aside (bounded by the body limit alone). */
function parseProviderJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FoyerError('bad_json', `Could not parse request body as JSON: ${(error as Error).message}`);
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const { metadata_xml: metadataXml, ...rest } = value as Record<string, unknown>;
    const defect = inputDefect(rest);
    if (defect) throw defect;
    if (typeof metadataXml === 'string' && metadataXml.includes('\u0000')) {
      throw new FoyerError('validation_failed', 'Request body has a string with a NUL character (U+0000)');
    }
    return value;
  }
  const defect = inputDefect(value);
  if (defect) throw defect;
  return value;
}

export function ssoAdminRoutes(app: FastifyInstance, deps: AuthDeps): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) => {
      try {
        done(null, parseProviderJson(body as string));
      } catch (error) {
        done(error as FoyerError, undefined);
      }
    });
    const requireAdmin = adminGuard(deps);

    scope.get<{ Querystring: { resource_id?: string; resource_id_prefix?: string } }>(
      '/admin/sso/providers',
      {
        onRequest: requireAdmin,
        schema: {
          summary: 'SSO identity providers (metadata_xml left out)',
          querystring: { type: 'object', properties: { resource_id: { type: 'string' }, resource_id_prefix: { type: 'string' } } },
        },
      },
      async (request) => listProviders(deps, { resourceId: request.query.resource_id, resourceIdPrefix: request.query.resource_id_prefix }),
    );

    scope.post<{ Body: ProviderInput }>(
      '/admin/sso/providers',
      { onRequest: requireAdmin, preValidation: requireJsonBody, schema: { summary: 'Add a SAML identity provider', body: ProviderBody } },
      async (request, reply) => reply.code(201).send(await createProvider(deps, request.body)),
    );

    scope.get<{ Params: { idp_id: string } }>(
      '/admin/sso/providers/:idp_id',
      { onRequest: requireAdmin, schema: { summary: 'One SSO identity provider', params: IdParams } },
      async (request) => providerView(await loadProvider(deps.db, request.params.idp_id)),
    );

    scope.put<{ Params: { idp_id: string }; Body: ProviderInput }>(
      '/admin/sso/providers/:idp_id',
      { onRequest: requireAdmin, preValidation: requireJsonBody, schema: { summary: 'Change an SSO identity provider', params: IdParams, body: ProviderBody } },
      async (request) => updateProvider(deps, request.params.idp_id, request.body),
    );

    scope.delete<{ Params: { idp_id: string } }>(
      '/admin/sso/providers/:idp_id',
      { onRequest: requireAdmin, schema: { summary: 'Remove an SSO identity provider (its domains and pending sign-ins with it)', params: IdParams } },
      async (request) => deleteProvider(deps, request.params.idp_id),
    );
  });
}
