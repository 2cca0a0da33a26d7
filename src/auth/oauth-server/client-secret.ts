/**
 * Client secrets as GoTrue makes and stores them: 32 random bytes, base64url without padding; stored as
 * base64url(SHA-256(secret)), so a secret is shown once and a database read gives nothing to sign in with.
 * Checked in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const newClientSecret = (): string => randomBytes(32).toString('base64url');

export const hashClientSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('base64url');

export function clientSecretMatches(secret: string, storedHash: string | null): boolean {
  if (!storedHash) return false;
  const expected = Buffer.from(storedHash, 'base64url');
  const actual = createHash('sha256').update(secret, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
