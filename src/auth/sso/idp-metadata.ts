/**
 * An identity provider's SAML metadata, read as GoTrue reads it: one EntityDescriptor (or the first one
 * of an EntitiesDescriptor that describes an identity provider) with an entityID and exactly one
 * IDPSSODescriptor, whose signing certificates and single sign-on locations Foyer uses. Bad metadata is
 * the administrator's input: 400 validation_failed with what is wrong.
 */
import { FoyerError } from '../../errors.js';
import { loadOnce } from '../../load-once.js';

// Loaded at the first SAML request (a server without SAML need not keep it).
const xmldom = loadOnce(() => import('@xmldom/xmldom'));

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
export const HTTP_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
export const HTTP_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

export interface IdpMetadata {
  readonly entityId: string;
  /** Base64 DER certificates the identity provider signs with (KeyDescriptor use="signing" or no use). */
  readonly signingCertificates: readonly string[];
  /** SingleSignOnService locations by binding. */
  readonly ssoLocations: ReadonlyMap<string, string>;
  readonly validUntil: Date | undefined;
  readonly cacheDurationSeconds: number | undefined;
}

const invalid = (message: string) => new FoyerError('validation_failed', message);

export async function parseXml(xml: string, what: string): Promise<Document> {
  const { DOMParser } = await xmldom();
  const errors: string[] = [];
  const record = (message: string) => errors.push(message);
  const doc = new DOMParser({ locator: {}, errorHandler: { warning: () => undefined, error: record, fatalError: record } }).parseFromString(xml, 'text/xml');
  if (errors.length > 0 || !doc?.documentElement) throw invalid(`${what} is not valid XML`);
  return doc as unknown as Document;
}

const children = (parent: Element, ns: string, name: string): Element[] => {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1 && (node as Element).localName === name && (node as Element).namespaceURI === ns) found.push(node as Element);
  }
  return found;
};

/** xs:duration of a cacheDuration in seconds (days, hours, minutes, seconds; months and years approximated). */
function durationSeconds(text: string | null): number | undefined {
  if (!text) return undefined;
  const match = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map((part) => Number(part ?? 0));
  return ((y * 365 + mo * 30 + d) * 24 + h) * 3600 + mi * 60 + s;
}

function entityDescriptor(root: Element): Element {
  if (root.namespaceURI === MD && root.localName === 'EntityDescriptor') return root;
  if (root.namespaceURI === MD && root.localName === 'EntitiesDescriptor') {
    const described = children(root, MD, 'EntityDescriptor').find((entity) => children(entity, MD, 'IDPSSODescriptor').length > 0);
    if (described) return described;
    throw invalid('SAML Metadata does not contain any IDPSSODescriptor');
  }
  throw invalid('SAML Metadata is not an EntityDescriptor');
}

export async function parseIdpMetadata(xml: string): Promise<IdpMetadata> {
  const doc = await parseXml(xml, 'SAML Metadata');
  const entity = entityDescriptor(doc.documentElement as unknown as Element);
  const entityId = entity.getAttribute('entityID') ?? '';
  if (!entityId) throw invalid('SAML Metadata does not contain an EntityID');
  const descriptors = children(entity, MD, 'IDPSSODescriptor');
  if (descriptors.length < 1) throw invalid('SAML Metadata does not contain any IDPSSODescriptor');
  if (descriptors.length > 1) throw invalid('SAML Metadata contains multiple IDPSSODescriptors');
  const descriptor = descriptors[0];

  const signingCertificates: string[] = [];
  for (const keyDescriptor of children(descriptor, MD, 'KeyDescriptor')) {
    const use = keyDescriptor.getAttribute('use');
    if (use && use !== 'signing') continue;
    for (const keyInfo of children(keyDescriptor, DS, 'KeyInfo')) {
      for (const data of children(keyInfo, DS, 'X509Data')) {
        for (const certificate of children(data, DS, 'X509Certificate')) {
          const text = (certificate.textContent ?? '').replace(/\s+/g, '');
          if (text) signingCertificates.push(text);
        }
      }
    }
  }
  const ssoLocations = new Map<string, string>();
  for (const service of children(descriptor, MD, 'SingleSignOnService')) {
    const binding = service.getAttribute('Binding');
    const location = service.getAttribute('Location');
    if (binding && location && !ssoLocations.has(binding)) ssoLocations.set(binding, location);
  }
  const until = entity.getAttribute('validUntil');
  const validUntil = until && !Number.isNaN(Date.parse(until)) ? new Date(until) : undefined;
  return { entityId, signingCertificates, ssoLocations, validUntil, cacheDurationSeconds: durationSeconds(entity.getAttribute('cacheDuration')) };
}

/**
 * GoTrue's IsSAMLMetadataStale, for providers added by metadata_url: past validUntil, past cacheDuration
 * since it was stored, or 24 hours old when the metadata says neither.
 */
export function metadataStale(metadata: IdpMetadata, storedAt: Date, now = new Date()): boolean {
  if (metadata.validUntil && now > metadata.validUntil) return true;
  if (metadata.cacheDurationSeconds && now.getTime() > storedAt.getTime() + metadata.cacheDurationSeconds * 1000) return true;
  return !metadata.validUntil && !metadata.cacheDurationSeconds && now.getTime() > storedAt.getTime() + 24 * 3600 * 1000;
}

const METADATA_MAX_BYTES = 1024 * 1024;
const METADATA_TIMEOUT_MS = 10_000;

/** GoTrue's fetchSAMLMetadata: GET with an XML Accept header; a non-200 answer is saml_metadata_fetch_failed. */
export async function fetchIdpMetadata(url: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/xml;charset=UTF-8', 'accept-charset': 'UTF-8' },
      redirect: 'follow',
      signal: AbortSignal.timeout(METADATA_TIMEOUT_MS),
    });
  } catch (error) {
    throw new FoyerError('saml_metadata_fetch_failed', `Error fetching SAML Metadata from URL '${url}': ${(error as Error).message}`, { cause: error });
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new FoyerError('saml_metadata_fetch_failed', `HTTP ${response.status} error fetching SAML Metadata from URL '${url}'`);
  }
  const body = Buffer.from(await response.arrayBuffer());
  if (body.length > METADATA_MAX_BYTES) throw new FoyerError('saml_metadata_fetch_failed', `SAML Metadata at '${url}' is larger than 1 MiB`);
  return body.toString('utf8');
}
