/**
 * SQL for GoTrue's SSO tables: auth.sso_providers (one per identity provider), its auth.saml_providers row
 * (entity id, metadata, attribute mapping, NameID format) and its auth.sso_domains. A provider is always
 * read whole: the three tables in one statement.
 */
import type { Queryable } from './db.js';

export interface SsoProviderRow {
  id: string;
  resource_id: string | null;
  disabled: boolean | null;
  created_at: string;
  updated_at: string;
  entity_id: string;
  metadata_xml: string;
  metadata_url: string | null;
  attribute_mapping: unknown;
  name_id_format: string | null;
  /** When the SAML row (its metadata) last changed: metadata_url providers refresh from it. */
  saml_updated_at: string;
  domains: string[];
}

const PROVIDER_SQL = `select p.id, p.resource_id, p.disabled, p.created_at, p.updated_at,
    s.entity_id, s.metadata_xml, s.metadata_url, s.attribute_mapping, s.name_id_format, s.updated_at as saml_updated_at,
    array(select d.domain from auth.sso_domains d where d.sso_provider_id = p.id order by d.created_at, d.domain)::text[] as domains
  from auth.sso_providers p join auth.saml_providers s on s.sso_provider_id = p.id`;

async function one(db: Queryable, where: string, params: (string | null)[]): Promise<SsoProviderRow | undefined> {
  const rows = await db.query<SsoProviderRow>(`${PROVIDER_SQL} where ${where} limit 1`, params);
  return rows[0];
}

export const findSsoProviderById = (db: Queryable, id: string) => one(db, 'p.id = $1', [id]);

export const findSsoProviderByResourceId = (db: Queryable, resourceId: string) => one(db, 'lower(p.resource_id) = lower($1)', [resourceId]);

export const findSsoProviderByEntityId = (db: Queryable, entityId: string) => one(db, 's.entity_id = $1', [entityId]);

/** The provider a domain is assigned to (domains are unique, compared without case). */
export const findSsoProviderByDomain = (db: Queryable, domain: string) =>
  one(db, 'p.id = (select d.sso_provider_id from auth.sso_domains d where lower(d.domain) = lower($1) limit 1)', [domain]);

/** GoTrue's filters of GET /admin/sso/providers: resource_id exactly, or a resource_id prefix. */
export async function listSsoProviders(db: Queryable, filter: { resourceId?: string; resourceIdPrefix?: string }): Promise<SsoProviderRow[]> {
  if (filter.resourceId) return db.query<SsoProviderRow>(`${PROVIDER_SQL} where p.resource_id = $1 order by p.created_at, p.id`, [filter.resourceId]);
  if (filter.resourceIdPrefix) {
    const pattern = `${filter.resourceIdPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return db.query<SsoProviderRow>(`${PROVIDER_SQL} where p.resource_id like $1 order by p.created_at, p.id`, [pattern]);
  }
  return db.query<SsoProviderRow>(`${PROVIDER_SQL} order by p.created_at, p.id`);
}

export async function countSsoProviders(db: Queryable): Promise<number> {
  const [row] = await db.query<{ count: number }>('select count(*)::int as count from auth.sso_providers');
  return row.count;
}

export interface NewSsoProvider {
  resourceId: string | null;
  disabled: boolean | null;
  entityId: string;
  metadataXml: string;
  metadataUrl: string | null;
  attributeMappingJson: string;
  nameIdFormat: string | null;
  domains: readonly string[];
}

/** Writes a provider with its SAML row and domains in one statement; returns its id. */
export async function insertSsoProvider(db: Queryable, provider: NewSsoProvider): Promise<string> {
  const [row] = await db.query<{ id: string }>(
    `with p as (
       insert into auth.sso_providers (id, resource_id, disabled, created_at, updated_at)
       values (gen_random_uuid(), $1, $2, now(), now()) returning id
     ), s as (
       insert into auth.saml_providers (id, sso_provider_id, entity_id, metadata_xml, metadata_url, attribute_mapping,
                                        name_id_format, created_at, updated_at)
       select gen_random_uuid(), p.id, $3, $4, $5, $6::jsonb, $7, now(), now() from p
     ), d as (
       insert into auth.sso_domains (id, sso_provider_id, domain, created_at, updated_at)
       select gen_random_uuid(), p.id, n.name, now(), now() from p, unnest($8::text[]) as n(name)
     )
     select id from p`,
    [
      provider.resourceId, provider.disabled, provider.entityId, provider.metadataXml, provider.metadataUrl,
      provider.attributeMappingJson, provider.nameIdFormat, provider.domains,
    ],
  );
  return row.id;
}

export interface SsoProviderChanges {
  resourceId: string | null;
  disabled: boolean | null;
  metadataXml: string;
  metadataUrl: string | null;
  attributeMappingJson: string;
  nameIdFormat: string | null;
  /** The full list of domains when they change; undefined keeps them. */
  domains: readonly string[] | undefined;
}

/** Applies an update (the whole provider as it should be) in one statement. */
export async function updateSsoProvider(db: Queryable, id: string, changes: SsoProviderChanges): Promise<void> {
  await db.query(
    `with p as (
       update auth.sso_providers set resource_id = $2, disabled = $3, updated_at = now() where id = $1 returning id
     ), s as (
       update auth.saml_providers set metadata_xml = $4, metadata_url = $5, attribute_mapping = $6::jsonb, name_id_format = $7,
              updated_at = case when metadata_xml is distinct from $4 or attribute_mapping is distinct from $6::jsonb
                                  or name_id_format is distinct from $7 or metadata_url is distinct from $5
                                then now() else updated_at end
        where sso_provider_id = $1
     ), gone as (
       delete from auth.sso_domains where $8::boolean and sso_provider_id = $1 and not (lower(domain) = any (array(select lower(x) from unnest($9::text[]) x)))
     )
     insert into auth.sso_domains (id, sso_provider_id, domain, created_at, updated_at)
     select gen_random_uuid(), $1, n.name, now(), now() from unnest($9::text[]) as n(name)
      where $8::boolean and not exists (select 1 from auth.sso_domains d where d.sso_provider_id = $1 and lower(d.domain) = lower(n.name))`,
    [
      id, changes.resourceId, changes.disabled, changes.metadataXml, changes.metadataUrl, changes.attributeMappingJson,
      changes.nameIdFormat, changes.domains !== undefined, changes.domains ?? [],
    ],
  );
}

/** Stores metadata fetched again from the provider's metadata_url. */
export async function refreshSamlMetadata(db: Queryable, id: string, metadataXml: string): Promise<void> {
  await db.query('update auth.saml_providers set metadata_xml = $2, updated_at = now() where sso_provider_id = $1', [id, metadataXml]);
}

/** Deletes a provider; its SAML row, domains and relay states go with it (foreign keys cascade). */
export async function deleteSsoProvider(db: Queryable, id: string): Promise<void> {
  await db.query('delete from auth.sso_providers where id = $1', [id]);
}
