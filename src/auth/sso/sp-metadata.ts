/**
 * GET /sso/saml/metadata: the service provider's metadata, as GoTrue publishes it: the entity id, the
 * signing certificate (and the encryption one only when GOTRUE_SAML_ALLOW_ENCRYPTED_ASSERTIONS is on),
 * the next key's certificates during a rotation, the NameID formats Foyer asks for (email address,
 * persistent) and the HTTP-POST assertion consumer service. Valid for 2 days, or 5 years when downloaded
 * (`?download=true`, what an identity provider's admin uploads). Foyer serves no single logout, so it
 * advertises none (GoTrue lists a /sso/saml/slo it does not serve).
 */
import type { ServiceProvider } from './service-provider.js';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const ENCRYPTION_METHODS = [
  'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
  'http://www.w3.org/2001/04/xmlenc#aes192-cbc',
  'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
  'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
];

const DAY_MS = 24 * 60 * 60 * 1000;

export const escapeXml = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

function keyDescriptor(use: 'signing' | 'encryption', certificateBase64: string): string {
  const methods = use === 'encryption' ? ENCRYPTION_METHODS.map((algorithm) => `<EncryptionMethod Algorithm="${algorithm}"></EncryptionMethod>`).join('') : '';
  return `<KeyDescriptor use="${use}"><KeyInfo xmlns="${DS}"><X509Data><X509Certificate>${certificateBase64}</X509Certificate></X509Data></KeyInfo>${methods}</KeyDescriptor>`;
}

export interface SpMetadata {
  readonly xml: string;
  readonly cacheControl: string;
}

export function spMetadata(sp: ServiceProvider, download: boolean, now = new Date()): SpMetadata {
  const rotating = sp.next !== undefined;
  const validUntil = download ? new Date(Date.UTC(now.getUTCFullYear() + 5, now.getUTCMonth(), now.getUTCDate(), now.getUTCHours(), now.getUTCMinutes(), now.getUTCSeconds())) : new Date(now.getTime() + 2 * DAY_MS);
  const keys = [keyDescriptor('signing', sp.current.certificateBase64)];
  if (sp.allowEncryptedAssertions) keys.unshift(keyDescriptor('encryption', sp.current.certificateBase64));
  if (sp.next) {
    keys.push(keyDescriptor('signing', sp.next.certificateBase64));
    if (sp.allowEncryptedAssertions) keys.push(keyDescriptor('encryption', sp.next.certificateBase64));
  }
  const entityId = escapeXml(sp.entityId);
  const acs = escapeXml(sp.acsUrl);
  const until = validUntil.toISOString();
  const cacheDuration = rotating ? ' cacheDuration="PT1H"' : '';
  const xml =
    `<EntityDescriptor xmlns="${MD}" validUntil="${until}"${cacheDuration} entityID="${entityId}">` +
    `<SPSSODescriptor xmlns="${MD}" validUntil="${until}" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAssertionsSigned="true">` +
    keys.join('') +
    '<NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</NameIDFormat>' +
    '<NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</NameIDFormat>' +
    `<AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${acs}" index="1"></AssertionConsumerService>` +
    '</SPSSODescriptor></EntityDescriptor>';
  // Shorter caching during a key rotation, so identity providers pick the next key up before it is promoted.
  return { xml, cacheControl: rotating ? 'public, max-age=60' : 'public, max-age=600' };
}
