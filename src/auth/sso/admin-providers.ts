/**
 * GoTrue's /admin/sso/providers: list, create, read, update and delete SAML identity providers, with
 * GoTrue's validation (type "saml", metadata_xml or metadata_url (https), a NameID format SAML knows,
 * domains not taken by another provider, an entity id not taken, updates that keep the entity id) and its
 * update semantics (absent domains are kept, [] removes them all; an absent name_id_format clears it).
 * Each write is one transaction.
 */
import { FoyerError } from '../../errors.js';
import type { Queryable } from '../../store/db.js';
import {
  deleteSsoProvider,
  findSsoProviderByDomain,
  findSsoProviderByEntityId,
  findSsoProviderById,
  findSsoProviderByResourceId,
  insertSsoProvider,
  listSsoProviders,
  updateSsoProvider,
  type SsoProviderRow,
} from '../../store/sso-providers.js';
import { isUuid } from '../authenticate.js';
import type { AuthDeps } from '../deps.js';
import { parseAttributeMapping, type AttributeMapping } from './attribute-mapping.js';
import { fetchIdpMetadata, parseIdpMetadata } from './idp-metadata.js';

export const NAME_ID_FORMATS = [
  'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
  'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
] as const;

/** A provider as GoTrue's JSON shows it. */
export interface SsoProviderView {
  id: string;
  resource_id?: string;
  disabled: boolean | null;
  saml: {
    entity_id: string;
    metadata_xml?: string;
    metadata_url?: string;
    attribute_mapping: AttributeMapping;
    name_id_format?: string;
  };
  domains: { domain: string }[];
  created_at: string;
  updated_at: string;
}

export function providerView(row: SsoProviderRow, withMetadataXml = true): SsoProviderView {
  const mapping = parseAttributeMapping(row.attribute_mapping ?? {}, false);
  return {
    id: row.id,
    ...(row.resource_id ? { resource_id: row.resource_id } : {}),
    disabled: row.disabled,
    saml: {
      entity_id: row.entity_id,
      ...(withMetadataXml && row.metadata_xml ? { metadata_xml: row.metadata_xml } : {}),
      ...(row.metadata_url ? { metadata_url: row.metadata_url } : {}),
      attribute_mapping: mapping,
      ...(row.name_id_format ? { name_id_format: row.name_id_format } : {}),
    },
    domains: row.domains.map((domain) => ({ domain })),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export interface ProviderInput {
  type?: string;
  metadata_url?: string;
  metadata_xml?: string;
  domains?: string[] | null;
  attribute_mapping?: unknown;
  name_id_format?: string;
  resource_id?: string | null;
  disabled?: boolean | null;
}

const invalid = (message: string) => new FoyerError('validation_failed', message);

function validate(input: ProviderInput, forUpdate: boolean): void {
  if (!forUpdate && input.type !== 'saml') throw invalid("Only 'saml' supported for SSO provider type");
  if (input.metadata_url && input.metadata_xml) throw invalid('Only one of metadata_xml or metadata_url needs to be set');
  if (!forUpdate && !input.metadata_url && !input.metadata_xml) throw invalid('Either metadata_xml or metadata_url must be set');
  if (input.metadata_url) {
    let url: URL;
    try {
      url = new URL(input.metadata_url);
    } catch {
      throw invalid('metadata_url is not a valid URL');
    }
    if (url.protocol !== 'https:') throw invalid('metadata_url is not a HTTPS URL');
  }
  if (input.name_id_format && !(NAME_ID_FORMATS as readonly string[]).includes(input.name_id_format)) {
    throw invalid(`name_id_format must be unspecified or one of ${NAME_ID_FORMATS.join(', ')}`);
  }
  for (const domain of input.domains ?? []) {
    if (domain.trim() === '') throw invalid('domains must not contain an empty domain');
  }
}

async function metadataOf(input: ProviderInput): Promise<{ xml: string; entityId: string }> {
  const xml = input.metadata_xml ? input.metadata_xml : await fetchIdpMetadata(input.metadata_url as string);
  return { xml, entityId: (await parseIdpMetadata(xml)).entityId };
}

/** The :idp_id of an admin route: a provider id, or resource_<resource id>. */
export async function loadProvider(db: Queryable, idpId: string): Promise<SsoProviderRow> {
  const row = idpId.startsWith('resource_')
    ? await findSsoProviderByResourceId(db, idpId.slice('resource_'.length))
    : isUuid(idpId)
      ? await findSsoProviderById(db, idpId)
      : undefined;
  if (!row) throw new FoyerError('sso_provider_not_found', 'SSO Identity Provider not found');
  return row;
}

/** The list leaves metadata_xml out, as GoTrue does, so the answer stays small. */
export async function listProviders(deps: AuthDeps, filter: { resourceId?: string; resourceIdPrefix?: string }): Promise<{ items: SsoProviderView[] }> {
  const rows = await listSsoProviders(deps.db, filter);
  return { items: rows.map((row) => providerView(row, false)) };
}

async function assertDomainsFree(tx: Queryable, domains: readonly string[], ownId: string | null): Promise<void> {
  for (const domain of domains) {
    const owner = await findSsoProviderByDomain(tx, domain);
    if (owner && owner.id !== ownId) {
      throw new FoyerError('sso_domain_already_exists', `SSO Domain '${domain}' is already assigned to an SSO identity provider (${owner.id})`);
    }
  }
}

/** Unique violations of a concurrent write: the same answers as the checks before it. */
function mapUniqueViolation(error: unknown, entityId: string): never {
  const pg = error as { code?: string; constraint_name?: string; constraint?: string; message?: string };
  if (pg.code === '23505') {
    const constraint = pg.constraint_name ?? pg.constraint ?? pg.message ?? '';
    if (constraint.includes('entity_id')) {
      throw new FoyerError('saml_idp_already_exists', `SAML Identity Provider with this EntityID (${entityId}) already exists`);
    }
    if (constraint.includes('resource_id')) throw invalid('resource_id is already used by another SSO provider');
    throw new FoyerError('sso_domain_already_exists', 'SSO Domain is already assigned to an SSO identity provider');
  }
  throw error;
}

export async function createProvider(deps: AuthDeps, input: ProviderInput): Promise<SsoProviderView> {
  validate(input, false);
  const mapping = parseAttributeMapping(input.attribute_mapping ?? {}, true);
  const metadata = await metadataOf(input);
  const domains = [...new Set(input.domains ?? [])];
  const id = await deps.db
    .transaction(async (tx) => {
      if (await findSsoProviderByEntityId(tx, metadata.entityId)) {
        throw new FoyerError('saml_idp_already_exists', `SAML Identity Provider with this EntityID (${metadata.entityId}) already exists`);
      }
      await assertDomainsFree(tx, domains, null);
      return insertSsoProvider(tx, {
        resourceId: input.resource_id || null,
        disabled: input.disabled ?? null,
        entityId: metadata.entityId,
        metadataXml: metadata.xml,
        metadataUrl: input.metadata_url || null,
        attributeMappingJson: JSON.stringify(mapping),
        nameIdFormat: input.name_id_format || null,
        domains,
      });
    })
    .catch((error: unknown) => mapUniqueViolation(error, metadata.entityId));
  return providerView((await findSsoProviderById(deps.db, id)) as SsoProviderRow);
}

export async function updateProvider(deps: AuthDeps, idpId: string, input: ProviderInput): Promise<SsoProviderView> {
  validate(input, true);
  const mapping = input.attribute_mapping === undefined ? undefined : parseAttributeMapping(input.attribute_mapping, true);
  const existing = await loadProvider(deps.db, idpId);
  let metadataXml = existing.metadata_xml;
  let metadataUrl = existing.metadata_url;
  if (input.metadata_xml || input.metadata_url) {
    const metadata = await metadataOf(input);
    if (metadata.entityId !== existing.entity_id) {
      throw new FoyerError(
        'saml_entity_id_mismatch',
        `SAML Metadata can be updated only if the EntityID matches for the provider; expected '${existing.entity_id}' but got '${metadata.entityId}'`,
      );
    }
    metadataXml = metadata.xml;
    if (input.metadata_url) metadataUrl = input.metadata_url;
  }
  const domains = input.domains == null ? undefined : [...new Set(input.domains)];
  const resourceId = input.resource_id == null ? existing.resource_id : input.resource_id || null;
  await deps.db
    .transaction(async (tx) => {
      if (domains) await assertDomainsFree(tx, domains, existing.id);
      await updateSsoProvider(tx, existing.id, {
        resourceId,
        disabled: input.disabled == null ? existing.disabled : input.disabled,
        metadataXml,
        metadataUrl,
        // GoTrue replaces the mapping only when the request carries `keys`.
        attributeMappingJson: JSON.stringify(mapping?.keys ? mapping : parseAttributeMapping(existing.attribute_mapping ?? {}, false)),
        // GoTrue compares the request's name_id_format with the stored one: absent clears it.
        nameIdFormat: input.name_id_format || null,
        domains,
      });
    })
    .catch((error: unknown) => mapUniqueViolation(error, existing.entity_id));
  return providerView((await findSsoProviderById(deps.db, existing.id)) as SsoProviderRow);
}

export async function deleteProvider(deps: AuthDeps, idpId: string): Promise<SsoProviderView> {
  return deps.db.transaction(async (tx) => {
    const existing = await loadProvider(tx, idpId);
    await deleteSsoProvider(tx, existing.id);
    return providerView(existing);
  });
}
