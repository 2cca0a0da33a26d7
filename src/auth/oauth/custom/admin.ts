/**
 * GoTrue's /admin/custom-providers: create, list, read, change and delete custom OAuth 2.0 and OpenID
 * Connect providers, with GoTrue's validation — the "custom:" identifier, the fields each type needs, no
 * override of the OAuth parameters Foyer sets, no attribute mapped onto a field only the server sets, safe
 * URLs (url-guard.ts), an OIDC issuer whose discovery works — and its update semantics (absent or empty
 * fields are kept; a new issuer or discovery URL is discovered again). The client secret is write-only:
 * sealed with GOTRUE_SECURITY_DB_ENCRYPTION_* when that is on, never returned.
 */
import { randomUUID } from 'node:crypto';
import { dbEncryptionOf } from '../../../config/db-encryption-settings.js';
import { FoyerError } from '../../../errors.js';
import {
  countCustomProviders,
  deleteCustomProvider,
  findCustomProvider,
  insertCustomProvider,
  listCustomProviders,
  updateCustomProvider,
  type CustomOAuthProviderRow,
  type CustomProviderType,
  type CustomProviderValues,
} from '../../../store/custom-oauth-providers.js';
import { sealStoredValue } from '../../../security/encrypted-string.js';
import type { AuthDeps } from '../../deps.js';
import { fetchDiscovery } from './discovery.js';
import { forgetCustomProvider } from './registry.js';
import { checkProviderUrl } from './url-guard.js';

/** The request body of POST and PUT, as GoTrue's AdminCustomOAuthProviderParams. */
export interface CustomProviderInput {
  provider_type?: string;
  identifier?: string;
  name?: string;
  client_id?: string;
  client_secret?: string;
  acceptable_client_ids?: string[];
  scopes?: string[];
  pkce_enabled?: boolean;
  attribute_mapping?: Record<string, unknown>;
  custom_claims_allowlist?: string[];
  authorization_params?: Record<string, unknown>;
  enabled?: boolean;
  email_optional?: boolean;
  issuer?: string;
  discovery_url?: string;
  skip_nonce_check?: boolean;
  authorization_url?: string;
  token_url?: string;
  userinfo_url?: string;
  jwks_uri?: string;
}

/** A provider as GoTrue's JSON shows it: the secret and the discovery timestamp left out. */
export interface CustomProviderView {
  id: string;
  provider_type: CustomProviderType;
  identifier: string;
  name: string;
  client_id: string;
  acceptable_client_ids: string[];
  scopes: string[];
  pkce_enabled: boolean;
  attribute_mapping: Record<string, unknown>;
  custom_claims_allowlist: string[];
  authorization_params: Record<string, unknown>;
  enabled: boolean;
  email_optional: boolean;
  issuer?: string;
  discovery_url?: string;
  skip_nonce_check: boolean;
  discovery_document?: Record<string, unknown>;
  authorization_url?: string;
  token_url?: string;
  userinfo_url?: string;
  jwks_uri?: string;
  created_at: string;
  updated_at: string;
}

export function customProviderView(row: CustomOAuthProviderRow): CustomProviderView {
  const optional = (key: string, value: unknown) => (value === null || value === undefined ? {} : { [key]: value });
  return {
    id: row.id,
    provider_type: row.provider_type,
    identifier: row.identifier,
    name: row.name,
    client_id: row.client_id,
    acceptable_client_ids: row.acceptable_client_ids,
    scopes: row.scopes,
    pkce_enabled: row.pkce_enabled,
    attribute_mapping: row.attribute_mapping,
    custom_claims_allowlist: row.custom_claims_allowlist,
    authorization_params: row.authorization_params,
    enabled: row.enabled,
    email_optional: row.email_optional,
    ...optional('issuer', row.issuer),
    ...optional('discovery_url', row.discovery_url),
    skip_nonce_check: row.skip_nonce_check,
    ...optional('discovery_document', row.cached_discovery),
    ...optional('authorization_url', row.authorization_url),
    ...optional('token_url', row.token_url),
    ...optional('userinfo_url', row.userinfo_url),
    ...optional('jwks_uri', row.jwks_uri),
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

const invalid = (message: string) => new FoyerError('validation_failed', message);

/** The parameters Foyer sets on an authorization request itself (GoTrue's reservedOAuthParams). */
const RESERVED_AUTHORIZATION_PARAMS = new Set([
  'client_id', 'client_secret', 'redirect_uri', 'response_type', 'state', 'code_challenge', 'code_challenge_method', 'code_verifier', 'nonce',
]);

/** User fields only the server sets: mapping a provider's claim onto them could grant what the provider cannot. */
const PROTECTED_MAPPING_TARGETS = new Set([
  'id', 'aud', 'role', 'app_metadata', 'created_at', 'updated_at', 'confirmed_at', 'email_confirmed_at', 'phone_confirmed_at',
  'email_verified', 'phone_verified', 'banned_until', 'is_super_admin',
]);

/** The identifier as the table's check wants it: "custom:" then lower-case letters, digits, ':' and '-'. */
const IDENTIFIER_FORM = /^custom:[a-z0-9](?:[a-z0-9:-]{0,41}[a-z0-9])?$/;

export function checkIdentifier(identifier: string | undefined): string {
  if (!identifier) throw invalid('identifier is required');
  if (!identifier.startsWith('custom:')) throw invalid(`identifier must start with 'custom:' prefix, e.g. 'custom:${identifier}'`);
  if (!IDENTIFIER_FORM.test(identifier)) {
    throw invalid("identifier must be 'custom:' followed by lower-case letters, digits, ':' or '-' (at most 50 characters in all, ending in a letter or digit)");
  }
  return identifier;
}

function checkMaps(input: CustomProviderInput): void {
  for (const [key, value] of Object.entries(input.authorization_params ?? {})) {
    if (RESERVED_AUTHORIZATION_PARAMS.has(key)) throw invalid(`Cannot override reserved OAuth parameter: ${key}`);
    if (typeof value !== 'string') throw invalid(`Authorization parameter ${JSON.stringify(key)} must be a string`);
  }
  for (const target of Object.keys(input.attribute_mapping ?? {})) {
    if (PROTECTED_MAPPING_TARGETS.has(target)) throw invalid(`Cannot map to protected system field: ${target}`);
  }
  if ((input.custom_claims_allowlist ?? []).some((key) => key.trim() === '')) {
    throw invalid('custom_claims_allowlist entries must be non-empty strings');
  }
  if (input.name !== undefined && input.name.length > 100) throw invalid('name must be at most 100 characters');
  if (input.client_id !== undefined && input.client_id.length > 512) throw invalid('client_id must be at most 512 characters');
}

/** OpenID Connect always asks for `openid`, first. */
const withOpenId = (scopes: string[]) => (scopes.includes('openid') ? scopes : ['openid', ...scopes]);

async function checkUrls(deps: AuthDeps, fields: Readonly<Record<string, string | null | undefined>>): Promise<void> {
  for (const [field, value] of Object.entries(fields)) {
    if (value) await checkProviderUrl(field, value, deps.config.customOAuthAllowPrivateNetwork);
  }
}

/** A new provider's columns before its input is applied: GoTrue's defaults. */
const DEFAULTS: Omit<CustomProviderValues, 'discovery_refreshed'> = {
  name: '',
  client_id: '',
  client_secret: '',
  acceptable_client_ids: [],
  scopes: [],
  pkce_enabled: true,
  attribute_mapping: {},
  authorization_params: {},
  custom_claims_allowlist: [],
  enabled: true,
  email_optional: false,
  issuer: null,
  discovery_url: null,
  skip_nonce_check: false,
  cached_discovery: null,
  authorization_url: null,
  token_url: null,
  userinfo_url: null,
  jwks_uri: null,
};

/**
 * The columns a create or an update writes: `base` (the stored row, or DEFAULTS) with what the input gives —
 * GoTrue's update rule: absent or empty fields change nothing. Its URLs are checked, then (after `beforeNetwork`)
 * a new issuer or discovery URL is discovered: before the write, so a provider that cannot be discovered is not
 * saved and no transaction waits on the network.
 */
async function valuesFor(
  deps: AuthDeps,
  target: { rowId: string; oidc: boolean; base: Omit<CustomProviderValues, 'discovery_refreshed'> },
  input: CustomProviderInput,
  beforeNetwork: () => Promise<void> = async () => {},
): Promise<CustomProviderValues> {
  const { rowId, oidc, base } = target;
  const given = (value: string | undefined) => (value ? value : undefined);
  await checkUrls(deps, oidc
    ? { issuer: given(input.issuer), discovery_url: given(input.discovery_url) }
    : { authorization_url: given(input.authorization_url), token_url: given(input.token_url), userinfo_url: given(input.userinfo_url), jwks_uri: given(input.jwks_uri) });
  await beforeNetwork();
  const issuer = oidc ? (given(input.issuer) ?? base.issuer) : null;
  const discoveryUrl = oidc ? (given(input.discovery_url) ?? base.discovery_url) : null;
  const rediscover = oidc && (given(input.issuer) !== undefined || given(input.discovery_url) !== undefined);
  const discovery = rediscover ? await fetchDiscovery(issuer as string, discoveryUrl, deps.config.customOAuthAllowPrivateNetwork) : null;
  const scopes = input.scopes ?? base.scopes;
  return {
    name: given(input.name) ?? base.name,
    client_id: given(input.client_id) ?? base.client_id,
    client_secret: input.client_secret ? sealStoredValue(input.client_secret, rowId, dbEncryptionOf(deps.config)) : base.client_secret,
    acceptable_client_ids: input.acceptable_client_ids ?? base.acceptable_client_ids,
    scopes: oidc ? withOpenId(scopes) : scopes,
    pkce_enabled: input.pkce_enabled ?? base.pkce_enabled,
    attribute_mapping: input.attribute_mapping ?? base.attribute_mapping,
    authorization_params: input.authorization_params ?? base.authorization_params,
    custom_claims_allowlist: input.custom_claims_allowlist ?? base.custom_claims_allowlist,
    enabled: input.enabled ?? base.enabled,
    email_optional: input.email_optional ?? base.email_optional,
    issuer,
    discovery_url: discoveryUrl,
    skip_nonce_check: oidc ? (input.skip_nonce_check ?? base.skip_nonce_check) : false,
    cached_discovery: discovery ? { ...discovery } : base.cached_discovery,
    discovery_refreshed: discovery !== null,
    authorization_url: oidc ? null : (given(input.authorization_url) ?? base.authorization_url),
    token_url: oidc ? null : (given(input.token_url) ?? base.token_url),
    userinfo_url: oidc ? null : (given(input.userinfo_url) ?? base.userinfo_url),
    jwks_uri: oidc ? null : (given(input.jwks_uri) ?? base.jwks_uri),
  };
}

export async function createCustomProvider(deps: AuthDeps, input: CustomProviderInput): Promise<CustomProviderView> {
  const type = input.provider_type;
  if (type !== 'oauth2' && type !== 'oidc') throw invalid("provider_type must be either 'oauth2' or 'oidc'");
  const identifier = checkIdentifier(input.identifier);
  if (!input.name) throw invalid('name is required');
  if (!input.client_id) throw invalid('client_id is required');
  if (!input.client_secret) throw invalid('client_secret is required');
  if (type === 'oidc' && !input.issuer) throw invalid('issuer is required for OIDC providers');
  if (type === 'oauth2') {
    for (const field of ['authorization_url', 'token_url', 'userinfo_url'] as const) {
      if (!input[field]) throw invalid(`${field} is required for OAuth2 providers`);
    }
  }
  checkMaps(input);
  const quota = deps.config.customOAuthMaxProviders;
  if (quota > 0 && (await countCustomProviders(deps.db)) >= quota) {
    throw new FoyerError('over_custom_provider_quota', 'Maximum number of custom OAuth/OIDC providers reached');
  }
  const id = randomUUID();
  const values = await valuesFor(deps, { rowId: id, oidc: type === 'oidc', base: DEFAULTS }, input, async () => {
    if (await findCustomProvider(deps.db, identifier)) throw alreadyExists();
  });
  const row = await insertCustomProvider(deps.db, { id, providerType: type, identifier }, values);
  if (!row) throw alreadyExists();
  return customProviderView(row);
}

const alreadyExists = () => new FoyerError('conflict', 'A custom OAuth provider with this identifier already exists', { status: 400 });

export async function loadCustomProviderRow(deps: AuthDeps, identifier: string): Promise<CustomOAuthProviderRow> {
  const row = await findCustomProvider(deps.db, checkIdentifier(identifier));
  if (!row) throw new FoyerError('custom_provider_not_found', 'Custom OAuth provider not found');
  return row;
}

export async function listCustomProviderViews(deps: AuthDeps, type: string | undefined): Promise<{ providers: CustomProviderView[] }> {
  if (type && type !== 'oauth2' && type !== 'oidc') throw invalid("type must be either 'oauth2' or 'oidc'");
  const rows = await listCustomProviders(deps.db, type ? (type as CustomProviderType) : undefined);
  return { providers: rows.map(customProviderView) };
}

export async function updateCustomProviderFromInput(deps: AuthDeps, identifier: string, input: CustomProviderInput): Promise<CustomProviderView> {
  checkMaps(input);
  const existing = await loadCustomProviderRow(deps, identifier);
  if (input.provider_type !== undefined && input.provider_type !== existing.provider_type) throw invalid('provider_type cannot be changed');
  if (input.identifier !== undefined && input.identifier !== existing.identifier) throw invalid('identifier cannot be changed');
  const values = await valuesFor(deps, { rowId: existing.id, oidc: existing.provider_type === 'oidc', base: existing }, input);
  const row = await updateCustomProvider(deps.db, existing.id, values);
  if (!row) throw new FoyerError('custom_provider_not_found', 'Custom OAuth provider not found');
  forgetCustomProvider(deps.config, existing.identifier);
  return customProviderView(row);
}

export async function deleteCustomProviderByIdentifier(deps: AuthDeps, identifier: string): Promise<void> {
  if (!(await deleteCustomProvider(deps.db, checkIdentifier(identifier)))) {
    throw new FoyerError('custom_provider_not_found', 'Custom OAuth provider not found');
  }
  forgetCustomProvider(deps.config, identifier);
}
