/**
 * GoTrue's database encryption (GOTRUE_SECURITY_DB_ENCRYPTION_*), so values either server writes the
 * other reads. A value is stored as the JSON of GoTrue's EncryptedString:
 *
 *   {"key_id":"<id>","alg":"aes-gcm-hkdf","data":"<base64>","nonce":"<base64>"}
 *
 * (fields in that order, `data` and `nonce` in standard base64 with padding, as Go's encoding/json
 * writes byte slices). `data` is AES-256-GCM ciphertext followed by its 16-byte tag, under a 12-byte
 * random nonce, without associated data. The AES key is derived per row: HKDF-SHA256 with the 32-byte
 * key named by `key_id` as input, no salt, and the id of the row that holds the value (a UUID in its
 * text form) as info, so a value copied to another row does not open there.
 * A stored value that is not such a JSON object (or is one GoTrue would not accept) is plain text.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export const ENCRYPTION_ALGORITHM = 'aes-gcm-hkdf';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** The keys of GoTrue's database encryption, read from its settings. */
export interface DbEncryption {
  /** GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPT: new values are written encrypted. */
  readonly encrypt: boolean;
  /** The key new values are encrypted with (its id is also in decryptionKeys); undefined when not encrypting. */
  readonly encryptionKeyId: string | undefined;
  /** Every key a stored value may name, by id, each 32 bytes. */
  readonly decryptionKeys: ReadonlyMap<string, Buffer>;
}

export const NO_DB_ENCRYPTION: DbEncryption = Object.freeze({ encrypt: false, encryptionKeyId: undefined, decryptionKeys: new Map() });

export interface EncryptedString {
  readonly keyId: string;
  readonly data: Buffer;
  readonly nonce: Buffer;
}

export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecryptionError';
  }
}

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function bytesField(value: unknown): Buffer | undefined {
  if (value === null || value === undefined) return Buffer.alloc(0);
  if (typeof value !== 'string' || !STD_BASE64.test(value)) return undefined;
  return Buffer.from(value, 'base64');
}

/** GoTrue's ParseEncryptedString: the envelope, or undefined when `stored` is a plain value. */
export function parseEncryptedString(stored: string): EncryptedString | undefined {
  if (!stored.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const fields = parsed as Record<string, unknown>;
  const keyId = fields.key_id ?? '';
  const algorithm = fields.alg ?? '';
  if (typeof keyId !== 'string' || typeof algorithm !== 'string') return undefined;
  const data = bytesField(fields.data);
  const nonce = bytesField(fields.nonce);
  if (!data || !nonce) return undefined;
  // GoTrue's IsValid: what it would refuse to decrypt, it reads as plain text.
  if (keyId === '' || data.length === 0 || nonce.length !== NONCE_BYTES || algorithm !== ENCRYPTION_ALGORITHM) return undefined;
  return { keyId, data, nonce };
}

function rowKey(rowId: string, key: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), Buffer.from(rowId, 'utf8'), KEY_BYTES));
}

/** Go's encoding/json escapes these in strings; the same bytes keep the stored text identical. */
const goJsonString = (value: string): string =>
  JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Encrypts `plaintext` for the row `rowId` with the key `keyId`; returns the stored JSON. */
export function encryptString(rowId: string, plaintext: string, keyId: string, key: Buffer): string {
  if (key.length !== KEY_BYTES) throw new Error(`the encryption key ${keyId} is not 256 bits`);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', rowKey(rowId, key), nonce);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `{"key_id":${goJsonString(keyId)},"alg":"${ENCRYPTION_ALGORITHM}","data":"${data.toString('base64')}","nonce":"${nonce.toString('base64')}"}`;
}

/** Opens an envelope of the row `rowId`; DecryptionError when its key is not given or it does not open. */
export function decryptString(rowId: string, envelope: EncryptedString, keys: ReadonlyMap<string, Buffer>): string {
  const key = keys.get(envelope.keyId);
  if (!key) throw new DecryptionError(`no decryption key named ${JSON.stringify(envelope.keyId)} (GOTRUE_SECURITY_DB_ENCRYPTION_DECRYPTION_KEYS)`);
  if (envelope.data.length < TAG_BYTES) throw new DecryptionError('the encrypted value is shorter than its tag');
  try {
    const decipher = createDecipheriv('aes-256-gcm', rowKey(rowId, key), envelope.nonce, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(envelope.data.subarray(envelope.data.length - TAG_BYTES));
    return Buffer.concat([decipher.update(envelope.data.subarray(0, envelope.data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new DecryptionError(`the value does not decrypt with the key ${JSON.stringify(envelope.keyId)} for row ${rowId}`);
  }
}

/** A stored value read back: the plain value, and whether GoTrue would write it again (encrypted, or under the current key). */
export interface OpenedValue {
  readonly value: string;
  readonly reencrypt: boolean;
}

/** GoTrue's read of an encryptable column: envelopes are decrypted, anything else is the value itself. */
export function openStoredValue(stored: string, rowId: string, encryption: DbEncryption): OpenedValue {
  const envelope = parseEncryptedString(stored);
  if (!envelope) return { value: stored, reencrypt: encryption.encrypt };
  const value = decryptString(rowId, envelope, encryption.decryptionKeys);
  return { value, reencrypt: encryption.encrypt && envelope.keyId !== encryption.encryptionKeyId };
}

/** GoTrue's write of an encryptable column: encrypted with the current key when encryption is on, else as is. */
export function sealStoredValue(value: string, rowId: string, encryption: DbEncryption): string {
  if (!encryption.encrypt) return value;
  const keyId = encryption.encryptionKeyId as string;
  return encryptString(rowId, value, keyId, encryption.decryptionKeys.get(keyId) as Buffer);
}
