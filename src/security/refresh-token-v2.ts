/**
 * GoTrue's v2 refresh tokens (GOTRUE_SECURITY_REFRESH_TOKEN_ALGORITHM_VERSION=2), which have no row
 * in auth.refresh_tokens: each is derived from its session's `refresh_token_hmac_key` and
 * `refresh_token_counter`. Foyer reads and issues them so sessions GoTrue started keep working in
 * both directions (a user can move back to GoTrue and the session still refreshes there).
 *
 * Layout, all unpadded base64url:
 *   0x00 (version) | session id (16 bytes) | counter (unsigned LEB128 varint, as Go's binary.Uvarint)
 *   | first 16 bytes of HMAC-SHA-256(key, everything before) | first 4 bytes of SHA-256(everything before)
 * The checksum only lets malformed strings be refused without a database lookup; the HMAC is the proof.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const VERSION = 0;
const SESSION_ID_BYTES = 16;
const SIGNATURE_BYTES = 16;
const CHECKSUM_BYTES = 4;
/** Go's binary.MaxVarintLen64. */
const MAX_VARINT_BYTES = 10;
const MIN_TOKEN_BYTES = 1 + SESSION_ID_BYTES + 1 + SIGNATURE_BYTES + CHECKSUM_BYTES;
const MAX_INT64 = (1n << 63n) - 1n;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export interface RefreshTokenV2 {
  readonly sessionId: string;
  /** GoTrue's int64 counter: values above 2^63-1 read as 2^63-1, as GoTrue reads them. */
  readonly counter: bigint;
  /** The bytes the signature covers (version, session id, counter). */
  readonly signed: Buffer;
  readonly signature: Buffer;
}

/** Go's binary.Uvarint: the value and the bytes it used, or undefined where Go reports an error. */
function readUvarint(bytes: Buffer, from: number): { value: bigint; length: number } | undefined {
  let value = 0n;
  for (let i = 0; from + i < bytes.length; i += 1) {
    if (i === MAX_VARINT_BYTES) return undefined;
    const byte = bytes[from + i];
    if (byte < 0x80) {
      if (i === MAX_VARINT_BYTES - 1 && byte > 1) return undefined;
      return { value: value | (BigInt(byte) << BigInt(7 * i)), length: i + 1 };
    }
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
  }
  return undefined;
}

function appendUvarint(out: number[], value: bigint): void {
  let rest = value;
  while (rest >= 0x80n) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
}

const uuidText = (bytes: Buffer): string => {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

const checksumOf = (bytes: Buffer): Buffer => createHash('sha256').update(bytes).digest().subarray(0, CHECKSUM_BYTES);

/**
 * Reads a token with GoTrue's rules (crypto.ParseRefreshToken): undefined for anything GoTrue refuses
 * as malformed (not base64url, too short, unknown version, bad checksum, bad counter, wrong length).
 * No key is needed: the signature is checked against the session's key later.
 */
export function parseRefreshTokenV2(token: string): RefreshTokenV2 | undefined {
  if (!BASE64URL.test(token) || token.length % 4 === 1) return undefined;
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length < MIN_TOKEN_BYTES || bytes[0] !== VERSION) return undefined;
  const body = bytes.subarray(0, bytes.length - CHECKSUM_BYTES);
  if (!timingSafeEqual(checksumOf(body), bytes.subarray(bytes.length - CHECKSUM_BYTES))) return undefined;
  const counter = readUvarint(body, 1 + SESSION_ID_BYTES);
  if (!counter) return undefined;
  const signatureStart = 1 + SESSION_ID_BYTES + counter.length;
  if (body.length - signatureStart !== SIGNATURE_BYTES) return undefined;
  return {
    sessionId: uuidText(body.subarray(1, 1 + SESSION_ID_BYTES)),
    counter: counter.value > MAX_INT64 ? MAX_INT64 : counter.value,
    signed: body.subarray(0, signatureStart),
    signature: body.subarray(signatureStart),
  };
}

const signatureOf = (key: Buffer, signed: Buffer): Buffer => createHmac('sha256', key).update(signed).digest().subarray(0, SIGNATURE_BYTES);

/** Whether the token was signed with `key`, compared in constant time. */
export function refreshTokenV2SignedBy(token: RefreshTokenV2, key: Buffer): boolean {
  return timingSafeEqual(signatureOf(key, token.signed), token.signature);
}

/** The token GoTrue would issue for this session at this counter (a negative counter encodes as 0, as in GoTrue). */
export function encodeRefreshTokenV2(sessionId: string, counter: bigint, key: Buffer): string {
  const id = Buffer.from(sessionId.replace(/-/g, ''), 'hex');
  if (id.length !== SESSION_ID_BYTES) throw new Error(`not a session id: ${sessionId}`);
  const varint: number[] = [];
  appendUvarint(varint, counter < 0n ? 0n : counter);
  const signed = Buffer.concat([Buffer.from([VERSION]), id, Buffer.from(varint)]);
  const body = Buffer.concat([signed, signatureOf(key, signed)]);
  return Buffer.concat([body, checksumOf(body)]).toString('base64url');
}

export type SessionKeyReading = { readonly key: Buffer } | { readonly unreadable: 'encrypted' | 'malformed' };

/**
 * The HMAC key as GoTrue stores it in auth.sessions.refresh_token_hmac_key: unpadded base64url of
 * the key bytes, or, with GoTrue's database encryption on, a JSON envelope (`{"key_id":…,"alg":…}`),
 * which the caller decrypts first when it holds the key (src/security/encrypted-string.ts); one still
 * encrypted here had no key. Either unreadable kind must be reported, never treated as "no session".
 */
export function readSessionRefreshKey(stored: string): SessionKeyReading {
  if (stored.startsWith('{')) return { unreadable: 'encrypted' };
  if (!BASE64URL.test(stored) || stored.length % 4 === 1) return { unreadable: 'malformed' };
  return { key: Buffer.from(stored, 'base64url') };
}
