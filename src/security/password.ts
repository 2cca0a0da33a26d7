/** bcrypt, as GoTrue stores it (cost 10), hashed on libuv's thread pool, never on the event loop. */
import { hash, verify } from '@node-rs/bcrypt';

const BCRYPT_COST = 10;

/** bcrypt reads at most 72 bytes; GoTrue refuses longer passwords instead of silently truncating. */
export const MAX_PASSWORD_BYTES = 72;

export const hashPassword = (password: string): Promise<string> => hash(password, BCRYPT_COST);

/** False for an empty or non-bcrypt hash (anonymous and OAuth-only users have ''). */
export async function verifyPassword(password: string, encrypted: string | null): Promise<boolean> {
  if (!encrypted || !encrypted.startsWith('$2')) return false;
  try {
    return await verify(password, encrypted);
  } catch {
    return false;
  }
}

// A real hash to compare against when the user does not exist, so timing does not reveal that.
const decoyHash = hash('foyer-decoy-password', BCRYPT_COST);
export const burnPasswordCheck = async (password: string): Promise<void> => {
  await verify(password, await decoyHash).catch(() => false);
};
