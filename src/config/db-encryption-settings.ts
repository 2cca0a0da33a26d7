/**
 * GoTrue's database encryption settings (GOTRUE_SECURITY_DB_ENCRYPTION_*), spread into settingsSchema.
 * Foyer writes and reads GoTrue's format (src/security/encrypted-string.ts) for every such value it
 * stores: TOTP secrets and password hashes (and reads the v2 refresh-token keys GoTrue encrypted). The
 * checks GoTrue makes at start (conf.DatabaseEncryptionConfiguration.Validate)
 * are made here, and one more: the encryption key must be the decryption key of the same id, so nothing
 * is ever written that its own key list cannot read back.
 */
import { NO_DB_ENCRYPTION, type DbEncryption } from '../security/encrypted-string.js';
import { ConfigError, parseBool } from './parse.js';
import { setting } from './setting.js';

const ENCRYPT = 'GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPT';
const KEY_ID = 'GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY_ID';
const KEY = 'GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY';
const DECRYPTION_KEYS = 'GOTRUE_SECURITY_DB_ENCRYPTION_DECRYPTION_KEYS';

const BASE64URL_256_BITS = /^[A-Za-z0-9_-]{43}$/;

/** A 256-bit key in unpadded base64url, as GoTrue reads it (base64.RawURLEncoding). */
function parseKey(what: string, raw: string): Buffer {
  const value = raw.trim();
  if (!BASE64URL_256_BITS.test(value)) {
    throw new ConfigError(`${what} must be 256 bits in unpadded base64url (43 characters, e.g. \`openssl rand 32 | basenc --base64url | tr -d =\`)`);
  }
  return Buffer.from(value, 'base64url');
}

/** GoTrue's map syntax: `id:key,id:key`. */
function parseDecryptionKeys(variable: string, raw: string): ReadonlyMap<string, Buffer> {
  const keys = new Map<string, Buffer>();
  for (const item of raw.split(',').map((part) => part.trim()).filter(Boolean)) {
    const colon = item.indexOf(':');
    if (colon <= 0) throw new ConfigError(`${variable} must be a comma-separated list of id:key pairs, got an item without an id`);
    const id = item.slice(0, colon).trim();
    keys.set(id, parseKey(`${variable}: the key ${JSON.stringify(id)}`, item.slice(colon + 1)));
  }
  return keys;
}

export const dbEncryptionSettings = {
  dbEncryptionEncrypt: setting({
    env: [ENCRYPT],
    doc: "Write TOTP secrets and password hashes encrypted with GoTrue's database encryption (AES-256-GCM, a key per row by HKDF), as GoTrue does.",
    defaultText: 'false',
    read: (raw, name) => (raw === undefined || raw.trim() === '' ? false : parseBool(name, raw)),
  }),
  dbEncryptionKeyId: setting<string | undefined>({
    env: [KEY_ID],
    doc: `The id of the key new values are encrypted with (with ${ENCRYPT}).`,
    defaultText: '(unset)',
    read: (raw) => raw?.trim() || undefined,
  }),
  dbEncryptionKey: setting<Buffer | undefined>({
    env: [KEY],
    doc: `That key: 256 bits in unpadded base64url; ${DECRYPTION_KEYS} must hold it under the same id.`,
    defaultText: '(unset)',
    read: (raw, name) => (raw === undefined || raw.trim() === '' ? undefined : parseKey(name, raw)),
  }),
  dbDecryptionKeys: setting<ReadonlyMap<string, Buffer>>({
    env: [DECRYPTION_KEYS],
    doc: 'Every key encrypted values may name, as id:key,id:key (256-bit unpadded base64url keys): TOTP secrets, password hashes and v2 refresh-token keys GoTrue or Foyer encrypted are read with them.',
    defaultText: '(none)',
    read: (raw, name) => (raw === undefined || raw.trim() === '' ? new Map() : parseDecryptionKeys(name, raw)),
  }),
} as const;

interface DbEncryptionValues {
  readonly dbEncryptionEncrypt: boolean;
  readonly dbEncryptionKeyId: string | undefined;
  readonly dbEncryptionKey: Buffer | undefined;
  readonly dbDecryptionKeys: ReadonlyMap<string, Buffer>;
}

/** What GoTrue's Validate refuses, in its words where it has them. */
export function dbEncryptionProblems(values: Partial<Record<string, unknown>>): string[] {
  const { dbEncryptionEncrypt, dbEncryptionKeyId, dbEncryptionKey, dbDecryptionKeys } = values as Partial<DbEncryptionValues>;
  if (!dbEncryptionEncrypt) return [];
  if (!dbEncryptionKeyId) return [`${ENCRYPT}=true needs ${KEY_ID}: the id of the key new values are encrypted with`];
  if (!dbEncryptionKey) return [`${ENCRYPT}=true needs ${KEY}: 256 bits in unpadded base64url`];
  const listed = dbDecryptionKeys?.get(dbEncryptionKeyId);
  if (!listed) return [`${DECRYPTION_KEYS} must also hold the encryption key, under its id ${JSON.stringify(dbEncryptionKeyId)}`];
  if (!listed.equals(dbEncryptionKey)) {
    return [`${DECRYPTION_KEYS} holds another key under ${JSON.stringify(dbEncryptionKeyId)} than ${KEY}: values written now could not be read back`];
  }
  return [];
}

const cache = new WeakMap<object, DbEncryption>();

/** The configuration's keys in the codec's shape (built once per configuration object). */
export function dbEncryptionOf(config: DbEncryptionValues): DbEncryption {
  let encryption = cache.get(config);
  if (!encryption) {
    encryption =
      !config.dbEncryptionEncrypt && config.dbDecryptionKeys.size === 0
        ? NO_DB_ENCRYPTION
        : Object.freeze({
            encrypt: config.dbEncryptionEncrypt,
            encryptionKeyId: config.dbEncryptionEncrypt ? config.dbEncryptionKeyId : undefined,
            decryptionKeys: config.dbDecryptionKeys,
          });
    cache.set(config, encryption);
  }
  return encryption;
}
