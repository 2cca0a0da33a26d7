/**
 * Sealing project secrets at rest: AES-256-GCM with a key derived (HKDF-SHA256) from the master key
 * (FOYER_MASTER_KEY, or the one embedded mode generates). A sealed value is
 * `v1.<iv>.<ciphertext>.<tag>` (base64url); the associated data binds it to its purpose (e.g.
 * `project:abc:jwt_secret`), so a sealed value copied into another column or project does not open.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

export interface SecretBox {
  seal(plaintext: string, context: string): string;
  /** Throws SecretBoxError when the value was sealed with another key or for another context. */
  open(sealed: string, context: string): string;
}

const PREFIX = 'v1';

export const isSealed = (value: string): boolean => value.startsWith(`${PREFIX}.`) && value.split('.').length === 4;

export function createSecretBox(masterKey: string): SecretBox {
  if (masterKey.length < 32) throw new SecretBoxError('the master key must be at least 32 characters long');
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(masterKey, 'utf8'), Buffer.from('foyer-secret-box'), Buffer.from('aes-256-gcm v1'), 32));
  return {
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [PREFIX, iv.toString('base64url'), ciphertext.toString('base64url'), tag.toString('base64url')].join('.');
    },
    open(sealed, context) {
      const parts = sealed.split('.');
      if (parts.length !== 4 || parts[0] !== PREFIX) throw new SecretBoxError('not a sealed value');
      const [, iv, ciphertext, tag] = parts.map((part) => Buffer.from(part, 'base64url'));
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretBoxError('the value does not open with this master key (a different FOYER_MASTER_KEY?)');
      }
    },
  };
}
