/**
 * Password hashes as GoTrue stores them in auth.users.encrypted_password: bcrypt, and with GoTrue's
 * database encryption on (GOTRUE_SECURITY_DB_ENCRYPTION_ENCRYPT) that hash encrypted for the user's
 * row (src/security/encrypted-string.ts). Hashes GoTrue encrypted are read with the decryption keys.
 */
import { dbEncryptionOf } from '../config/db-encryption-settings.js';
import type { Config } from '../config/load.js';
import { DecryptionError, openStoredValue, parseEncryptedString, sealStoredValue } from '../security/encrypted-string.js';
import { hashPassword, verifyPassword } from '../security/password.js';

type EncryptionSettings = Pick<Config, 'dbEncryptionEncrypt' | 'dbEncryptionKeyId' | 'dbEncryptionKey' | 'dbDecryptionKeys'>;

/** The value to store for `password` as the password of user `userId`. */
export async function storedPasswordHash(config: EncryptionSettings, userId: string, password: string): Promise<string> {
  return sealStoredValue(await hashPassword(password), userId, dbEncryptionOf(config));
}

/**
 * Whether `password` is the one stored for user `userId`. A hash encrypted under a key Foyer is not
 * given is a server error (as in GoTrue), never a wrong password.
 */
export async function storedPasswordMatches(config: EncryptionSettings, userId: string, password: string, stored: string | null): Promise<boolean> {
  if (!stored || !parseEncryptedString(stored)) return verifyPassword(password, stored);
  let hash: string;
  try {
    hash = openStoredValue(stored, userId, dbEncryptionOf(config)).value;
  } catch (error) {
    if (error instanceof DecryptionError) throw new Error(`auth.users ${userId}: the password hash cannot be read: ${error.message}`, { cause: error });
    throw error;
  }
  return verifyPassword(password, hash);
}
