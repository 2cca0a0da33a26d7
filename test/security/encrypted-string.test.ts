/**
 * GoTrue's database encryption format (internal/crypto/crypto.go EncryptedString) against a fixed
 * vector computed by a third implementation (Python's `cryptography`: HKDF-SHA256 without salt, the
 * row id as info; AES-256-GCM), and Foyer's output checked by a fourth (WebCrypto), so the codec is
 * never only checked against itself. Also GoTrue's parse rules and its start-up checks of the keys.
 */
import assert from 'node:assert/strict';
import { randomUUID, webcrypto } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import {
  decryptString,
  DecryptionError,
  encryptString,
  openStoredValue,
  parseEncryptedString,
  sealStoredValue,
  type DbEncryption,
} from '../../src/security/encrypted-string.js';
import { configError } from '../helpers/config-error.js';

const KEY_BASE64URL = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8';
const KEY = Buffer.from(KEY_BASE64URL, 'base64url');
const ROW_ID = '5f0b6d3e-3c79-4b0f-9d4e-5c3b6c8f1a2b';
const PLAINTEXT = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
/** Python: AESGCM(HKDF(SHA256, 32, salt=None, info=ROW_ID).derive(KEY)).encrypt(nonce 01..0c, PLAINTEXT, None). */
const VECTOR =
  '{"key_id":"key-2024","alg":"aes-gcm-hkdf","data":"ajAeMEzFQCiu0P52sV8rnCcPABQQPu8g94eIyyjYd4/5h3V+WAumpQrr7J/2x4m2","nonce":"AQIDBAUGBwgJCgsM"}';

const keys = new Map([['key-2024', KEY]]);
const encryption = (encrypt: boolean, keyId = 'key-2024', decryptionKeys: ReadonlyMap<string, Buffer> = keys): DbEncryption => ({
  encrypt,
  encryptionKeyId: encrypt ? keyId : undefined,
  decryptionKeys,
});

/** An independent decryption, with WebCrypto, of what the codec wrote. */
async function webCryptoDecrypt(stored: string, rowId: string, key: Buffer): Promise<string> {
  const { data, nonce } = JSON.parse(stored) as { data: string; nonce: string };
  const ikm = await webcrypto.subtle.importKey('raw', key, 'HKDF', false, ['deriveKey']);
  const aesKey = await webcrypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new TextEncoder().encode(rowId) },
    ikm,
    { name: 'AES-GCM', length: 256 },
    false,
    ['decrypt'],
  );
  const plain = await webcrypto.subtle.decrypt({ name: 'AES-GCM', iv: Buffer.from(nonce, 'base64') }, aesKey, Buffer.from(data, 'base64'));
  return new TextDecoder().decode(plain);
}

describe("GoTrue's database encryption format", () => {
  it('decrypts the vector GoTrue’s algorithm gives, for its row only', () => {
    const envelope = parseEncryptedString(VECTOR);
    assert.ok(envelope);
    assert.equal(envelope.keyId, 'key-2024');
    assert.equal(decryptString(ROW_ID, envelope, keys), PLAINTEXT);
    assert.throws(() => decryptString(randomUUID(), envelope, keys), DecryptionError, 'bound to its row');
    assert.throws(() => decryptString(ROW_ID, envelope, new Map([['key-2024', Buffer.alloc(32)]])), DecryptionError);
    assert.throws(() => decryptString(ROW_ID, envelope, new Map()), /no decryption key named "key-2024"/);
    const tampered = JSON.parse(VECTOR);
    tampered.data = Buffer.from(Buffer.from(tampered.data, 'base64').map((byte, i) => (i === 0 ? byte ^ 1 : byte))).toString('base64');
    assert.throws(() => decryptString(ROW_ID, parseEncryptedString(JSON.stringify(tampered))!, keys), DecryptionError);
  });

  it('writes GoTrue’s JSON (fields in order, standard base64, a fresh 12-byte nonce) that an independent implementation decrypts', async () => {
    const first = encryptString(ROW_ID, PLAINTEXT, 'key-2024', KEY);
    const second = encryptString(ROW_ID, PLAINTEXT, 'key-2024', KEY);
    assert.match(first, /^\{"key_id":"key-2024","alg":"aes-gcm-hkdf","data":"[A-Za-z0-9+/]+=*","nonce":"[A-Za-z0-9+/]{16}"\}$/);
    assert.notEqual(first, second, 'a new nonce every time');
    assert.equal(first.includes(PLAINTEXT), false);
    assert.equal(await webCryptoDecrypt(first, ROW_ID, KEY), PLAINTEXT);
    assert.equal(Buffer.from(JSON.parse(first).data, 'base64').length, PLAINTEXT.length + 16, 'ciphertext and its 16-byte tag');
    // Go's encoding/json escapes <, > and & in the key id.
    assert.match(encryptString(ROW_ID, 'x', 'a<b>&c', KEY), /^\{"key_id":"a\\u003cb\\u003e\\u0026c"/);
  });

  it('reads as plain text what GoTrue would not accept as an envelope', () => {
    const valid = JSON.parse(VECTOR);
    for (const stored of [
      PLAINTEXT,
      '',
      '{',
      '{not json}',
      '[]',
      'null',
      JSON.stringify({ ...valid, alg: 'aes-gcm' }),
      JSON.stringify({ ...valid, key_id: '' }),
      JSON.stringify({ ...valid, nonce: Buffer.alloc(8).toString('base64') }),
      JSON.stringify({ ...valid, data: '' }),
      JSON.stringify({ ...valid, data: 'not base64!' }),
      JSON.stringify({ ...valid, key_id: 7 }),
      ` ${VECTOR}`,
    ]) {
      assert.equal(parseEncryptedString(stored), undefined, stored);
      assert.deepEqual(openStoredValue(stored, ROW_ID, encryption(false)), { value: stored, reencrypt: false });
    }
  });

  it('says when GoTrue would write a value again: plain or under an older key, with encryption on', () => {
    assert.deepEqual(openStoredValue(PLAINTEXT, ROW_ID, encryption(true)), { value: PLAINTEXT, reencrypt: true });
    assert.deepEqual(openStoredValue(VECTOR, ROW_ID, encryption(true)), { value: PLAINTEXT, reencrypt: false });
    assert.deepEqual(openStoredValue(VECTOR, ROW_ID, encryption(false)), { value: PLAINTEXT, reencrypt: false });
    const rotated = encryption(true, 'key-2025', new Map([...keys, ['key-2025', Buffer.alloc(32, 7)]]));
    assert.deepEqual(openStoredValue(VECTOR, ROW_ID, rotated), { value: PLAINTEXT, reencrypt: true });
    const resealed = sealStoredValue(PLAINTEXT, ROW_ID, rotated);
    assert.equal(parseEncryptedString(resealed)?.keyId, 'key-2025');
    assert.equal(sealStoredValue(PLAINTEXT, ROW_ID, encryption(false)), PLAINTEXT);
  });

  it('loads the keys with GoTrue’s checks, and one more: the encryption key is the listed key of its id', () => {
    const config = loadConfig({
      GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPT: 'true',
      GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY_ID: 'key-2024',
      GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY: KEY_BASE64URL,
      GOTRUE_SECURITY_DB_ENCRYPTION_DECRYPTION_KEYS: `old:${Buffer.alloc(32, 1).toString('base64url')}, key-2024:${KEY_BASE64URL}`,
    });
    assert.equal(config.dbEncryptionEncrypt, true);
    assert.deepEqual([...config.dbDecryptionKeys.keys()], ['old', 'key-2024']);
    const base = { GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPT: 'true' };
    assert.match(configError(base), /needs GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY_ID/);
    assert.match(configError({ ...base, GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY_ID: 'k' }), /needs GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY/);
    assert.match(
      configError({ ...base, GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY_ID: 'k', GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY: 'c2VjcmV0' }),
      /GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY must be 256 bits in unpadded base64url/,
    );
    assert.match(
      configError({ ...base, GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY_ID: 'k', GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY: KEY_BASE64URL }),
      /DECRYPTION_KEYS must also hold the encryption key, under its id "k"/,
    );
    assert.match(
      configError({
        ...base,
        GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY_ID: 'k',
        GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY: KEY_BASE64URL,
        GOTRUE_SECURITY_DB_ENCRYPTION_DECRYPTION_KEYS: `k:${Buffer.alloc(32, 2).toString('base64url')}`,
      }),
      /holds another key under "k" than GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPTION_KEY/,
    );
    const badMap = configError({ GOTRUE_SECURITY_DB_ENCRYPTION_DECRYPTION_KEYS: 'just-a-key' });
    assert.match(badMap, /must be a comma-separated list of id:key pairs/);
    const shortKey = configError({ GOTRUE_SECURITY_DB_ENCRYPTION_DECRYPTION_KEYS: 'k:c2VjcmV0' });
    assert.match(shortKey, /the key "k" must be 256 bits/);
    assert.equal(shortKey.includes('c2VjcmV0'), false, 'keys are never repeated in messages');
  });
});
