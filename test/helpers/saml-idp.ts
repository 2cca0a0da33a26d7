/**
 * A SAML identity provider for tests, built from the libraries node-saml itself uses: its metadata (with
 * a test key's certificate), reading the AuthnRequest a service provider redirects to it (the redirect
 * binding's signature checked against the SP's certificate), and answering with a Response whose
 * Assertion (or the Response itself) is signed by xml-crypto, optionally encrypted by xml-encryption
 * for the SP. Every part of the answer can be changed, to play the attacks.
 */
import { createPublicKey, createVerify, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { SignedXml } from 'xml-crypto';
import * as xmlenc from 'xml-encryption';
import { certificatePem, serviceProviderCertificate } from '../../src/auth/sso/sp-certificate.js';

export const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
export const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

export interface IdpKey {
  readonly privateKey: KeyObject;
  readonly privatePem: string;
  readonly certificateBase64: string;
  readonly certificatePem: string;
}

export function idpKey(host = 'idp.test'): IdpKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = serviceProviderCertificate(privateKey, host, false);
  return {
    privateKey,
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificateBase64: der.toString('base64'),
    certificatePem: certificatePem(der),
  };
}

/** A PKCS#1 DER key in Base64, as GOTRUE_SAML_PRIVATE_KEY takes it. */
export function samlPrivateKeyValue(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs1', format: 'der' }).toString('base64');
}

export interface AuthnRequestSeen {
  readonly id: string;
  readonly issuer: string;
  readonly acsUrl: string;
  readonly nameIdFormat: string | null;
  readonly relayState: string;
  readonly signatureValid: boolean;
}

export interface AnswerOptions {
  readonly inResponseTo?: string | null;
  readonly nameId?: string;
  readonly nameIdFormat?: string;
  readonly attributes?: Record<string, string | string[]>;
  readonly audience?: string;
  readonly destination?: string;
  /** Seconds added to "now" for IssueInstant / NotBefore / NotOnOrAfter (negative: the past). */
  readonly shiftSeconds?: number;
  readonly validSeconds?: number;
  readonly assertionId?: string;
  readonly issuer?: string;
  /** What carries the signature: the assertion (default), the response, both, or nothing. */
  readonly sign?: 'assertion' | 'response' | 'both' | 'none';
  /** Signs with this key instead of the IdP's. */
  readonly signingKey?: IdpKey;
  /** Encrypts the (signed) assertion for the SP's certificate (PEM). */
  readonly encryptFor?: string;
}

const SIG_ALG = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';

function signElement(xml: string, localName: string, key: IdpKey): string {
  const sig = new SignedXml({ privateKey: key.privatePem, publicCert: key.certificatePem, signatureAlgorithm: SIG_ALG, canonicalizationAlgorithm: C14N });
  sig.addReference({
    xpath: `//*[local-name(.)='${localName}']`,
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', C14N],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  sig.computeSignature(xml, { location: { reference: `//*[local-name(.)='${localName}']/*[local-name(.)='Issuer']`, action: 'after' } });
  return sig.getSignedXml();
}

const escape = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export class TestIdp {
  readonly key = idpKey();
  readonly ssoUrl: string;

  constructor(readonly entityId = `https://idp-${randomBytes(4).toString('hex')}.test/metadata`) {
    this.ssoUrl = `${new URL(entityId).origin}/sso`;
  }

  metadataXml(): string {
    return (
      `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${escape(this.entityId)}">` +
      '<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="true">' +
      `<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>${this.key.certificateBase64}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>` +
      `<NameIDFormat>${PERSISTENT}</NameIDFormat>` +
      `<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${this.ssoUrl}"/>` +
      `<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${this.ssoUrl}"/>` +
      '</IDPSSODescriptor></EntityDescriptor>'
    );
  }

  /** Reads the redirect an SP sent the browser to; the signature is checked with the SP's certificate. */
  readRequest(url: string, spCertificatePem: string): AuthnRequestSeen {
    const parsed = new URL(url);
    if (`${parsed.origin}${parsed.pathname}` !== this.ssoUrl) throw new Error(`not this IdP's URL: ${url}`);
    const samlRequest = parsed.searchParams.get('SAMLRequest') ?? '';
    const xml = inflateRawSync(Buffer.from(samlRequest, 'base64')).toString('utf8');
    // The redirect binding signs "SAMLRequest=…&RelayState=…&SigAlg=…" as they appear, URL-encoded.
    const raw = parsed.search.slice(1).split('&');
    const pick = (name: string) => raw.find((part) => part.startsWith(`${name}=`));
    const signed = ['SAMLRequest', 'RelayState', 'SigAlg'].map(pick).filter(Boolean).join('&');
    const signature = parsed.searchParams.get('Signature') ?? '';
    const verifier = createVerify('RSA-SHA256');
    verifier.update(signed);
    const signatureValid = parsed.searchParams.get('SigAlg') === SIG_ALG && verifier.verify(createPublicKey(spCertificatePem), signature, 'base64');
    const attr = (name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(xml)?.[1] ?? null;
    return {
      id: attr('ID') ?? '',
      issuer: /<saml:Issuer[^>]*>([^<]*)</.exec(xml)?.[1] ?? '',
      acsUrl: attr('AssertionConsumerServiceURL') ?? '',
      nameIdFormat: /NameIDPolicy[^>]*Format="([^"]*)"/.exec(xml)?.[1] ?? null,
      relayState: parsed.searchParams.get('RelayState') ?? '',
      signatureValid,
    };
  }

  /** The Response XML (signed as asked), before Base64. */
  async responseXml(sp: { entityId: string; acsUrl: string }, options: AnswerOptions = {}): Promise<string> {
    const now = Date.now() + (options.shiftSeconds ?? 0) * 1000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const notOnOrAfter = iso(now + (options.validSeconds ?? 300) * 1000);
    const inResponseTo = options.inResponseTo ? ` InResponseTo="${escape(options.inResponseTo)}"` : '';
    const issuer = escape(options.issuer ?? this.entityId);
    const attributes = Object.entries(options.attributes ?? {})
      .map(([name, value]) => {
        const values = (Array.isArray(value) ? value : [value]).map((v) => `<saml:AttributeValue>${escape(v)}</saml:AttributeValue>`).join('');
        return `<saml:Attribute Name="${escape(name)}">${values}</saml:Attribute>`;
      })
      .join('');
    let assertion =
      `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${options.assertionId ?? `_a${randomBytes(16).toString('hex')}`}" Version="2.0" IssueInstant="${iso(now)}">` +
      `<saml:Issuer>${issuer}</saml:Issuer>` +
      `<saml:Subject><saml:NameID Format="${options.nameIdFormat ?? PERSISTENT}">${escape(options.nameId ?? 'user-1')}</saml:NameID>` +
      `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData${inResponseTo} NotOnOrAfter="${notOnOrAfter}" Recipient="${escape(options.destination ?? sp.acsUrl)}"/></saml:SubjectConfirmation></saml:Subject>` +
      `<saml:Conditions NotBefore="${iso(now - 30_000)}" NotOnOrAfter="${notOnOrAfter}"><saml:AudienceRestriction><saml:Audience>${escape(options.audience ?? sp.entityId)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
      `<saml:AuthnStatement AuthnInstant="${iso(now)}" SessionIndex="_s1"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
      (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '') +
      '</saml:Assertion>';
    const sign = options.sign ?? 'assertion';
    const key = options.signingKey ?? this.key;
    if (sign === 'assertion' || sign === 'both') assertion = signElement(assertion, 'Assertion', key);
    const body = options.encryptFor ? `<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">${await encrypt(assertion, options.encryptFor)}</saml:EncryptedAssertion>` : assertion;
    let response =
      `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r${randomBytes(16).toString('hex')}" Version="2.0" IssueInstant="${iso(now)}" Destination="${escape(options.destination ?? sp.acsUrl)}"${inResponseTo}>` +
      `<saml:Issuer>${issuer}</saml:Issuer>` +
      '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>' +
      body +
      '</samlp:Response>';
    if (sign === 'response' || sign === 'both') response = signElement(response, 'Response', key);
    return response;
  }

  async answer(sp: { entityId: string; acsUrl: string }, options: AnswerOptions = {}): Promise<string> {
    return Buffer.from(await this.responseXml(sp, options)).toString('base64');
  }
}

function encrypt(xml: string, certificatePemText: string): Promise<string> {
  return new Promise((resolve, reject) => {
    xmlenc.encrypt(
      xml,
      {
        rsa_pub: createPublicKey(certificatePemText).export({ type: 'spki', format: 'pem' }).toString(),
        pem: certificatePemText,
        encryptionAlgorithm: 'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
        keyEncryptionAlgorithm: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
        disallowEncryptionWithInsecureAlgorithm: true,
        warnInsecureAlgorithm: false,
      },
      (error: Error | null, result?: string) => (error || result === undefined ? reject(error ?? new Error('no result')) : resolve(result)),
    );
  });
}

/** POSTs a SAMLResponse form to the ACS and returns the status and Location. */
export async function postToAcs(acsUrl: string, samlResponse: string, relayState: string): Promise<{ status: number; location: string }> {
  const response = await fetch(acsUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ SAMLResponse: samlResponse, RelayState: relayState }).toString(),
    redirect: 'manual',
  });
  await response.body?.cancel();
  return { status: response.status, location: response.headers.get('location') ?? '' };
}
