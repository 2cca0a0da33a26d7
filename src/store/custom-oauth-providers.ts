/**
 * SQL for GoTrue's auth.custom_oauth_providers: one row per custom OAuth 2.0 or OpenID Connect provider,
 * named by its identifier ("custom:<name>"). The table's own checks (HTTPS URLs, the identifier's form,
 * lengths) are GoTrue's and stay the last word.
 */
import type { Queryable } from './db.js';

export type CustomProviderType = 'oauth2' | 'oidc';

export interface CustomOAuthProviderRow {
  id: string;
  provider_type: CustomProviderType;
  identifier: string;
  name: string;
  client_id: string;
  /** Sealed with GOTRUE_SECURITY_DB_ENCRYPTION_* when that is on; plain otherwise (as GoTrue stores it). */
  client_secret: string;
  acceptable_client_ids: string[];
  scopes: string[];
  pkce_enabled: boolean;
  attribute_mapping: Record<string, unknown>;
  authorization_params: Record<string, unknown>;
  enabled: boolean;
  email_optional: boolean;
  issuer: string | null;
  discovery_url: string | null;
  skip_nonce_check: boolean;
  cached_discovery: Record<string, unknown> | null;
  discovery_cached_at: string | null;
  authorization_url: string | null;
  token_url: string | null;
  userinfo_url: string | null;
  jwks_uri: string | null;
  custom_claims_allowlist: string[];
  created_at: string;
  updated_at: string;
}

const COLUMNS = `id, provider_type, identifier, name, client_id, client_secret, acceptable_client_ids, scopes, pkce_enabled,
  attribute_mapping, authorization_params, enabled, email_optional, issuer, discovery_url, skip_nonce_check,
  cached_discovery, discovery_cached_at, authorization_url, token_url, userinfo_url, jwks_uri, custom_claims_allowlist,
  created_at, updated_at`;

export async function findCustomProvider(db: Queryable, identifier: string): Promise<CustomOAuthProviderRow | undefined> {
  const rows = await db.query<CustomOAuthProviderRow>(`select ${COLUMNS} from auth.custom_oauth_providers where identifier = $1`, [identifier]);
  return rows[0];
}

/** Newest first, as GoTrue lists them; optionally one type only. */
export function listCustomProviders(db: Queryable, type?: CustomProviderType): Promise<CustomOAuthProviderRow[]> {
  return type
    ? db.query<CustomOAuthProviderRow>(`select ${COLUMNS} from auth.custom_oauth_providers where provider_type = $1 order by created_at desc, id`, [type])
    : db.query<CustomOAuthProviderRow>(`select ${COLUMNS} from auth.custom_oauth_providers order by created_at desc, id`);
}

export async function countCustomProviders(db: Queryable): Promise<number> {
  const [row] = await db.query<{ count: number }>('select count(*)::int as count from auth.custom_oauth_providers');
  return row.count;
}

/** The columns a create or an update writes (id, identifier and type are fixed at creation; timestamps are the database's). */
export type CustomProviderValues = Omit<CustomOAuthProviderRow, 'id' | 'provider_type' | 'identifier' | 'discovery_cached_at' | 'created_at' | 'updated_at'> & {
  /** True when cached_discovery was fetched just now (stamps discovery_cached_at). */
  discovery_refreshed: boolean;
};

const valueParams = (values: CustomProviderValues) => [
  values.name,
  values.client_id,
  values.client_secret,
  values.acceptable_client_ids,
  values.scopes,
  values.pkce_enabled,
  JSON.stringify(values.attribute_mapping),
  JSON.stringify(values.authorization_params),
  values.custom_claims_allowlist,
  values.enabled,
  values.email_optional,
  values.issuer,
  values.discovery_url,
  values.skip_nonce_check,
  values.cached_discovery === null ? null : JSON.stringify(values.cached_discovery),
  values.discovery_refreshed,
  values.authorization_url,
  values.token_url,
  values.userinfo_url,
  values.jwks_uri,
];

/** Inserts unless the identifier is taken; undefined when it is (the unique key decides, so two racing creates cannot both win). */
export async function insertCustomProvider(
  db: Queryable,
  row: { id: string; providerType: CustomProviderType; identifier: string },
  values: CustomProviderValues,
): Promise<CustomOAuthProviderRow | undefined> {
  const rows = await db.query<CustomOAuthProviderRow>(
    `insert into auth.custom_oauth_providers (name, client_id, client_secret, acceptable_client_ids, scopes, pkce_enabled,
       attribute_mapping, authorization_params, custom_claims_allowlist, enabled, email_optional, issuer, discovery_url,
       skip_nonce_check, cached_discovery, discovery_cached_at, authorization_url, token_url, userinfo_url, jwks_uri,
       id, provider_type, identifier, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11, $12, $13, $14, $15::jsonb,
       case when $16::boolean then now() end, $17, $18, $19, $20, $21, $22, $23, now(), now())
     on conflict (identifier) do nothing
     returning ${COLUMNS}`,
    [...valueParams(values), row.id, row.providerType, row.identifier],
  );
  return rows[0];
}

export async function updateCustomProvider(db: Queryable, id: string, values: CustomProviderValues): Promise<CustomOAuthProviderRow | undefined> {
  const rows = await db.query<CustomOAuthProviderRow>(
    `update auth.custom_oauth_providers set name = $1, client_id = $2, client_secret = $3, acceptable_client_ids = $4, scopes = $5,
       pkce_enabled = $6, attribute_mapping = $7::jsonb, authorization_params = $8::jsonb, custom_claims_allowlist = $9, enabled = $10,
       email_optional = $11, issuer = $12, discovery_url = $13, skip_nonce_check = $14, cached_discovery = $15::jsonb,
       discovery_cached_at = case when $16::boolean then now() else discovery_cached_at end,
       authorization_url = $17, token_url = $18, userinfo_url = $19, jwks_uri = $20, updated_at = now()
     where id = $21
     returning ${COLUMNS}`,
    [...valueParams(values), id],
  );
  return rows[0];
}

export async function deleteCustomProvider(db: Queryable, identifier: string): Promise<boolean> {
  const rows = await db.query<{ id: string }>('delete from auth.custom_oauth_providers where identifier = $1 returning id', [identifier]);
  return rows.length > 0;
}
