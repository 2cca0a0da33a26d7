/**
 * Checking a SAML response from an identity provider with @node-saml/node-saml, and reading the assertion
 * it vouches for. What must hold (each refusal is 400 validation_failed "SAML Assertion is not valid: …"):
 * - a valid signature by one of the provider's metadata certificates over the Response or the Assertion
 *   (only signed content is read afterwards, so a second, unsigned assertion wrapped around it is refused);
 * - InResponseTo naming the AuthnRequest of the relay state (SP-initiated), or none (IdP-initiated);
 * - the assertion's Issuer is the provider's entity id, its audience Foyer's entity id, Destination and
 *   Recipient (when present) Foyer's ACS;
 * - NotBefore / NotOnOrAfter within GoTrue's clock skew (180 s), IssueInstant no older than GoTrue's 90 s
 *   issue delay (plus the skew);
 * - encrypted assertions only when GOTRUE_SAML_ALLOW_ENCRYPTED_ASSERTIONS is on, opened with the key
 *   (and the next key during a rotation).
 */
import type { CacheProvider, SAML, SamlConfig } from '@node-saml/node-saml';
import { FoyerError } from '../../errors.js';
import type { SamlAttribute } from './attribute-mapping.js';
import { parseXml } from './idp-metadata.js';
import { loadNodeSaml } from './saml-library.js';
import type { ServiceProvider } from './service-provider.js';

export const CLOCK_SKEW_MS = 180_000;
export const MAX_ISSUE_DELAY_MS = 90_000;

const SAML_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
const SAMLP_NS = 'urn:oasis:names:tc:SAML:2.0:protocol';

export interface VerifiedAssertion {
  readonly assertionId: string;
  readonly issuer: string;
  readonly nameId: string | null;
  readonly nameIdFormat: string | null;
  readonly attributes: readonly SamlAttribute[];
  /** Conditions NotOnOrAfter (ms), for how long its id must stay spent. */
  readonly notOnOrAfterMs: number | undefined;
}

export interface ResponseCheck {
  readonly samlResponse: string;
  readonly sp: ServiceProvider;
  readonly idpEntityId: string;
  readonly idpCertificates: readonly string[];
  /** The AuthnRequest id of the relay state (SP-initiated); null for an IdP-initiated answer. */
  readonly requestId: string | null;
}

export const notValid = (reason: string, cause?: unknown) =>
  new FoyerError('validation_failed', `SAML Assertion is not valid: ${reason}`, { cause });

/** Answers node-saml's InResponseTo lookups with the one request id of the relay state. */
function requestCache(requestId: string | null): CacheProvider {
  const issuedAt = new Date().toISOString();
  return {
    saveAsync: async () => null,
    getAsync: async (key) => (requestId !== null && key === requestId ? issuedAt : null),
    removeAsync: async () => null,
  };
}

async function samlFor(check: ResponseCheck, decryptionPvk: string | undefined): Promise<SAML> {
  const { SAML, ValidateInResponseTo } = await loadNodeSaml();
  const options: SamlConfig = {
    idpCert: check.idpCertificates as string[],
    issuer: check.sp.entityId,
    callbackUrl: check.sp.acsUrl,
    audience: check.sp.entityId,
    wantAuthnResponseSigned: false,
    wantAssertionsSigned: false,
    acceptedClockSkewMs: CLOCK_SKEW_MS,
    maxAssertionAgeMs: 0,
    validateInResponseTo: check.requestId ? ValidateInResponseTo.always : ValidateInResponseTo.ifPresent,
    requestIdExpirationPeriodMs: check.sp.relayStateValiditySeconds * 1000 + CLOCK_SKEW_MS,
    cacheProvider: requestCache(check.requestId),
    ...(decryptionPvk ? { decryptionPvk } : {}),
  };
  return new SAML(options);
}

const childElements = (parent: Element, ns: string, name: string): Element[] =>
  Array.from(parent.childNodes).filter((node): node is Element => node.nodeType === 1 && (node as Element).localName === name && (node as Element).namespaceURI === ns);

async function readAssertion(xml: string, check: ResponseCheck): Promise<VerifiedAssertion> {
  const assertion = (await parseXml(xml, 'SAML Assertion')).documentElement;
  const assertionId = assertion.getAttribute('ID') ?? '';
  if (!assertionId) throw notValid('the assertion has no ID');
  const issuer = childElements(assertion, SAML_NS, 'Issuer')[0]?.textContent?.trim() ?? '';
  if (issuer !== check.idpEntityId) throw notValid(`the assertion is issued by ${JSON.stringify(issuer)}, not by ${JSON.stringify(check.idpEntityId)}`);
  const issueInstant = Date.parse(assertion.getAttribute('IssueInstant') ?? '');
  if (Number.isNaN(issueInstant)) throw notValid('the assertion has no IssueInstant');
  const now = Date.now();
  if (issueInstant + MAX_ISSUE_DELAY_MS + CLOCK_SKEW_MS < now) throw notValid('the assertion was issued too long ago');
  if (issueInstant - CLOCK_SKEW_MS > now) throw notValid('the assertion is issued in the future');

  const subject = childElements(assertion, SAML_NS, 'Subject')[0];
  const nameIdElement = subject ? childElements(subject, SAML_NS, 'NameID')[0] : undefined;
  for (const confirmation of subject ? childElements(subject, SAML_NS, 'SubjectConfirmation') : []) {
    for (const data of childElements(confirmation, SAML_NS, 'SubjectConfirmationData')) {
      const recipient = data.getAttribute('Recipient');
      if (recipient && recipient !== check.sp.acsUrl) throw notValid(`the assertion is meant for ${JSON.stringify(recipient)}`);
    }
  }
  const conditions = childElements(assertion, SAML_NS, 'Conditions')[0];
  const notOnOrAfter = conditions ? Date.parse(conditions.getAttribute('NotOnOrAfter') ?? '') : Number.NaN;

  const attributes: SamlAttribute[] = [];
  for (const statement of childElements(assertion, SAML_NS, 'AttributeStatement')) {
    for (const attribute of childElements(statement, SAML_NS, 'Attribute')) {
      attributes.push({
        name: attribute.getAttribute('Name') ?? '',
        friendlyName: attribute.getAttribute('FriendlyName') ?? '',
        values: childElements(attribute, SAML_NS, 'AttributeValue').map((value) => (value.textContent ?? '').trim()),
      });
    }
  }
  return {
    assertionId,
    issuer,
    nameId: nameIdElement?.textContent?.trim() || null,
    nameIdFormat: nameIdElement?.getAttribute('Format') || null,
    attributes,
    notOnOrAfterMs: Number.isNaN(notOnOrAfter) ? undefined : notOnOrAfter,
  };
}

/** The response's Destination, when it names one, must be Foyer's ACS (read before the signature check). */
async function checkDestination(samlResponse: string, acsUrl: string): Promise<void> {
  const root = (await parseXml(Buffer.from(samlResponse, 'base64').toString('utf8'), 'SAMLResponse')).documentElement;
  if (root.localName !== 'Response' || root.namespaceURI !== SAMLP_NS) throw notValid('SAMLResponse is not a SAML Response');
  const destination = root.getAttribute('Destination');
  if (destination && destination !== acsUrl) throw notValid(`the response is meant for ${JSON.stringify(destination)}`);
}

export async function verifyResponse(check: ResponseCheck): Promise<VerifiedAssertion> {
  if (check.idpCertificates.length === 0) throw notValid("the identity provider's metadata has no signing certificate");
  await checkDestination(check.samlResponse, check.sp.acsUrl);
  const keys = check.sp.allowEncryptedAssertions ? [check.sp.current.keyPem, ...(check.sp.next ? [check.sp.next.keyPem] : [])] : [undefined];
  let firstError: unknown;
  for (const key of keys) {
    try {
      const { profile } = await (await samlFor(check, key)).validatePostResponseAsync({ SAMLResponse: check.samlResponse });
      const assertionXml = profile?.getAssertionXml?.();
      if (!assertionXml) throw new Error('the response carries no assertion');
      return await readAssertion(assertionXml, check);
    } catch (error) {
      if (error instanceof FoyerError) throw error;
      firstError ??= error;
    }
  }
  const reason = firstError instanceof Error ? firstError.message : String(firstError);
  throw notValid(reason.replace(/^No decryption key for encrypted SAML response$/, 'encrypted assertions are not allowed (GOTRUE_SAML_ALLOW_ENCRYPTED_ASSERTIONS)'), firstError);
}
