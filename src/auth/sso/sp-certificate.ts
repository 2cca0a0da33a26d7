/**
 * The service provider's certificate: SAML uses it only to carry the public key (identity providers read
 * it from the metadata to check signed requests and to encrypt assertions). It is built from the key as
 * GoTrue builds it — self-signed, serial 0, valid from 1970 for 200 years, CN "SAML 2.0 Certificate for
 * <host>", DNS name "_samlsp.<host>", digital signature (and data encipherment when encrypted assertions
 * are allowed) — so the same key publishes the same certificate, whichever server runs. RSA PKCS#1 v1.5
 * signatures are deterministic, so it never changes between starts.
 */
import { createPublicKey, sign, type KeyObject } from 'node:crypto';

function length(size: number): Buffer {
  if (size < 0x80) return Buffer.from([size]);
  const bytes: number[] = [];
  for (let rest = size; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
};
const sequence = (...content: Buffer[]) => tlv(0x30, ...content);

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * first + second];
  for (const arc of rest) {
    const group: number[] = [arc & 0x7f];
    for (let value = arc >> 7; value > 0; value >>= 7) group.unshift((value & 0x7f) | 0x80);
    bytes.push(...group);
  }
  return tlv(0x06, Buffer.from(bytes));
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
const text = (value: string) => tlv(PRINTABLE.test(value) ? 0x13 : 0x0c, Buffer.from(value, 'utf8'));

function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const year = date.getUTCFullYear();
  // UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5280).
  return year >= 1950 && year < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const SHA256_WITH_RSA = sequence(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));

/** The host of a URL as GoTrue takes it for the certificate: without the port. */
export function certificateHost(externalUrl: string): string {
  return new URL(externalUrl).hostname.replace(/^\[|\]$/g, '');
}

/** The DER certificate of `privateKey` for a service provider at `host`. */
export function serviceProviderCertificate(privateKey: KeyObject, host: string, allowEncryption: boolean): Buffer {
  const name = sequence(tlv(0x31, sequence(oid('2.5.4.3'), text(`SAML 2.0 Certificate for ${host}`))));
  // KeyUsage bits: digitalSignature (bit 0), dataEncipherment (bit 3); a DER BIT STRING drops trailing zeros.
  const keyUsage = allowEncryption ? Buffer.from([0x03, 0x02, 0x04, 0x90]) : Buffer.from([0x03, 0x02, 0x07, 0x80]);
  const extensions = sequence(
    sequence(oid('2.5.29.15'), Buffer.from([0x01, 0x01, 0xff]), tlv(0x04, keyUsage)),
    sequence(oid('2.5.29.17'), tlv(0x04, sequence(tlv(0x82, Buffer.from(`_samlsp.${host}`, 'ascii'))))),
  );
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const notBefore = new Date(0);
  const notAfter = new Date(Date.UTC(2170, 0, 1));
  const tbs = sequence(
    tlv(0xa0, tlv(0x02, Buffer.from([0x02]))),
    tlv(0x02, Buffer.from([0x00])),
    SHA256_WITH_RSA,
    name,
    sequence(time(notBefore), time(notAfter)),
    name,
    spki,
    tlv(0xa3, extensions),
  );
  const signature = sign('sha256', tbs, privateKey);
  return sequence(tbs, SHA256_WITH_RSA, tlv(0x03, Buffer.from([0x00]), signature));
}

/** PEM of a DER certificate. */
export function certificatePem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
