/**
 * OAuth clients: registration by an admin (POST /admin/oauth/clients) or by anyone when dynamic
 * registration is on (POST /oauth/clients/register, RFC 7591), update, deletion and a new secret.
 * GoTrue's rules: the type is explicit, else implied by token_endpoint_auth_method, else confidential;
 * a confidential client gets a secret, shown in this one answer and stored only as its hash.
 */
import { FoyerError } from '../../errors.js';
import {
  deleteOAuthClient,
  findOAuthClient,
  insertOAuthClient,
  listOAuthClients,
  updateOAuthClient,
  type OAuthClientRow,
} from '../../store/oauth-server-clients.js';
import type { AuthDeps } from '../deps.js';
import { isUuid } from '../authenticate.js';
import { hashClientSecret, newClientSecret } from './client-secret.js';
import {
  checkAuthMethod,
  checkClientName,
  checkGrantTypes,
  checkRedirectUris,
  checkWebUri,
  clientTypeOf,
  validMethodsFor,
  type ClientType,
  type TokenEndpointAuthMethod,
} from './client-metadata.js';

export interface ClientRegistration {
  readonly redirect_uris?: readonly string[];
  readonly client_type?: string;
  readonly token_endpoint_auth_method?: string;
  readonly grant_types?: readonly string[];
  readonly client_name?: string;
  readonly client_uri?: string;
  readonly logo_uri?: string;
}

export type ClientUpdate = Omit<ClientRegistration, 'client_type'>;

/** GoTrue's OAuthServerClientResponse: empty fields left out, the secret only when just made. */
export interface ClientView {
  client_id: string;
  client_secret?: string;
  client_type: string;
  redirect_uris: string[];
  token_endpoint_auth_method: string;
  grant_types: string[];
  response_types: string[];
  client_name?: string;
  client_uri?: string;
  logo_uri?: string;
  registration_type: string;
  created_at: string;
  updated_at: string;
}

const splitList = (value: string): string[] => (value === '' ? [] : value.split(','));

export function clientView(row: OAuthClientRow, secret?: string): ClientView {
  return {
    client_id: row.id,
    ...(secret ? { client_secret: secret } : {}),
    client_type: row.client_type,
    redirect_uris: splitList(row.redirect_uris),
    token_endpoint_auth_method: row.token_endpoint_auth_method,
    grant_types: splitList(row.grant_types),
    response_types: ['code'],
    ...(row.client_name ? { client_name: row.client_name } : {}),
    ...(row.client_uri ? { client_uri: row.client_uri } : {}),
    ...(row.logo_uri ? { logo_uri: row.logo_uri } : {}),
    registration_type: row.registration_type,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

const invalid = (message: string) => new FoyerError('validation_failed', message);

export function requireOAuthServer(deps: AuthDeps): void {
  if (!deps.config.oauthServerEnabled) throw new FoyerError('feature_disabled', 'OAuth server is disabled');
}

function clientTypeFor(input: ClientRegistration): { type: ClientType; method: TokenEndpointAuthMethod } {
  if (input.client_type !== undefined && input.client_type !== 'public' && input.client_type !== 'confidential') {
    throw invalid("client_type must be 'public' or 'confidential'");
  }
  const explicitMethod = input.token_endpoint_auth_method || undefined;
  if (explicitMethod !== undefined) checkAuthMethod(explicitMethod);
  const type: ClientType = (input.client_type || undefined) ?? (explicitMethod ? clientTypeOf(explicitMethod) : 'confidential');
  if (explicitMethod && input.client_type && clientTypeOf(explicitMethod) !== type) {
    throw invalid(
      `client_type '${type}' is inconsistent with token_endpoint_auth_method '${explicitMethod}' (expected client_type '${clientTypeOf(explicitMethod)}')`,
    );
  }
  return { type, method: explicitMethod ?? (type === 'public' ? 'none' : 'client_secret_basic') };
}

export async function registerClient(deps: AuthDeps, input: ClientRegistration, registration: 'dynamic' | 'manual'): Promise<ClientView> {
  checkRedirectUris(input.redirect_uris, true);
  if (input.grant_types?.length) checkGrantTypes(input.grant_types);
  checkClientName(input.client_name ?? '');
  checkWebUri('client_uri', input.client_uri ?? '');
  checkWebUri('logo_uri', input.logo_uri ?? '');
  const { type, method } = clientTypeFor(input);
  const secret = type === 'confidential' ? newClientSecret() : undefined;
  const row = await insertOAuthClient(deps.db, {
    registrationType: registration,
    clientType: type,
    tokenEndpointAuthMethod: method,
    secretHash: secret ? hashClientSecret(secret) : null,
    redirectUris: input.redirect_uris ?? [],
    grantTypes: input.grant_types?.length ? input.grant_types : ['authorization_code', 'refresh_token'],
    clientName: input.client_name ?? '',
    clientUri: input.client_uri ?? '',
    logoUri: input.logo_uri ?? '',
  });
  return clientView(row, secret);
}

/** A client by the id in a path: 400 when it is no UUID, 404 oauth_client_not_found when there is none. */
export async function loadClient(deps: AuthDeps, id: string): Promise<OAuthClientRow> {
  if (!isUuid(id)) throw invalid('invalid client_id format');
  const client = await findOAuthClient(deps.db, id);
  if (!client) throw new FoyerError('oauth_client_not_found', 'OAuth client not found');
  return client;
}

export async function listClients(deps: AuthDeps): Promise<{ clients: ClientView[] }> {
  return { clients: (await listOAuthClients(deps.db)).map((row) => clientView(row)) };
}

export async function updateClient(deps: AuthDeps, id: string, input: ClientUpdate): Promise<ClientView> {
  const client = await loadClient(deps, id);
  const given = Object.entries(input).filter(([, value]) => value !== undefined && value !== null);
  if (given.length === 0) throw invalid('No fields provided for update');
  if (input.redirect_uris !== undefined) checkRedirectUris(input.redirect_uris, false);
  if (input.grant_types !== undefined) checkGrantTypes(input.grant_types);
  if (input.client_name !== undefined) checkClientName(input.client_name);
  if (input.client_uri !== undefined) checkWebUri('client_uri', input.client_uri);
  if (input.logo_uri !== undefined) checkWebUri('logo_uri', input.logo_uri);
  const method = input.token_endpoint_auth_method;
  if (method !== undefined) {
    checkAuthMethod(method);
    const valid = validMethodsFor(client.client_type);
    if (!valid.includes(method)) {
      throw invalid(`token_endpoint_auth_method '${method}' is not valid for client_type '${client.client_type}'; valid methods: [${valid.join(' ')}]`);
    }
  }
  const row = await updateOAuthClient(deps.db, client.id, {
    redirectUris: input.redirect_uris,
    grantTypes: input.grant_types,
    clientName: input.client_name,
    clientUri: input.client_uri,
    logoUri: input.logo_uri,
    tokenEndpointAuthMethod: method,
  });
  if (!row) throw new FoyerError('oauth_client_not_found', 'OAuth client not found');
  return clientView(row);
}

export async function deleteClient(deps: AuthDeps, id: string): Promise<void> {
  const client = await loadClient(deps, id);
  if (!(await deleteOAuthClient(deps.db, client.id))) throw new FoyerError('oauth_client_not_found', 'OAuth client not found');
}

export async function regenerateClientSecret(deps: AuthDeps, id: string): Promise<ClientView> {
  const client = await loadClient(deps, id);
  if (client.client_type !== 'confidential') throw invalid('Cannot regenerate secret for public client');
  const secret = newClientSecret();
  const row = await updateOAuthClient(deps.db, client.id, { secretHash: hashClientSecret(secret) });
  if (!row) throw new FoyerError('oauth_client_not_found', 'OAuth client not found');
  return clientView(row, secret);
}
