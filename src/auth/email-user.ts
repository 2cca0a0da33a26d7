/** Users of an email address: a new one as sign-ups by mail make it, and the `email_exists` refusal. */
import { FoyerError } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { upsertIdentity } from '../store/identities.js';
import { createUser } from './hooks/before-user-created.js';
import type { AuthDeps } from './deps.js';
import { metadataJson } from './validate.js';
import { newUserId } from './ids.js';

export const emailExists = () => new FoyerError('email_exists', 'A user with this email address has already been registered');

/** Maps a unique violation (another request took the address first) to `email_exists`; rethrows the rest. */
export function uniqueToEmailExists(error: unknown): never {
  if ((error as { code?: string }).code === '23505') throw emailExists();
  throw error;
}

/**
 * Inserts the user and its email identity; returns the new id (`id` when given: a stored password hash
 * may be encrypted for it). `encryptedPassword` is '' for none.
 */
export async function insertEmailUser(
  deps: Pick<AuthDeps, 'config' | 'db'>,
  tx: Queryable,
  user: { id?: string; email: string; encryptedPassword: string; data: Record<string, unknown> | undefined },
  ip: string | null = null,
): Promise<string> {
  const id = user.id ?? newUserId(deps.config);
  const { email } = user;
  await createUser(deps, tx, {
    id,
    aud: deps.config.jwtAud,
    role: deps.config.jwtDefaultGroupName,
    email,
    phone: null,
    encryptedPassword: user.encryptedPassword,
    appMetadataJson: JSON.stringify({ provider: 'email', providers: ['email'] }),
    userMetadataJson: metadataJson(user.data),
    emailConfirmed: false,
    phoneConfirmed: false,
    isAnonymous: false,
  }, ip);
  await upsertIdentity(tx, {
    userId: id,
    provider: 'email',
    providerId: id,
    identityDataJson: JSON.stringify({ sub: id, email, email_verified: false, phone_verified: false }),
  });
  return id;
}
