/**
 * The before-user-created hook: it sees every user about to be written (sign-ups of every kind,
 * invites, users made by the admin API, first OAuth sign-ins) and refuses one by answering an `error`
 * object, whose http_code and message become the answer. createUser is the one way the auth layer
 * writes a new user: the hook is asked first, inside the same transaction, so a refusal leaves nothing.
 */
import type { Queryable } from '../../store/db.js';
import { insertUser, type NewUser } from '../../store/users.js';
import type { PublicUser } from '../user-view.js';
import { hookEnabled, hookMetadata, invokeHook, type HookDeps } from './invoke.js';

/** The user as GoTrue's hook receives it (GoTrue's models.User JSON); nothing is stored yet. */
export function draftUser(user: NewUser): PublicUser {
  const now = new Date().toISOString();
  return {
    id: user.id,
    aud: user.aud,
    role: user.role,
    email: user.email ?? '',
    email_confirmed_at: user.emailConfirmed ? now : undefined,
    phone: user.phone ?? '',
    phone_confirmed_at: user.phoneConfirmed ? now : undefined,
    confirmed_at: user.emailConfirmed || user.phoneConfirmed ? now : undefined,
    app_metadata: JSON.parse(user.appMetadataJson) as Record<string, unknown>,
    user_metadata: JSON.parse(user.userMetadataJson) as Record<string, unknown>,
    identities: [],
    created_at: now,
    updated_at: now,
    is_anonymous: user.isAnonymous,
  };
}

/** Asks the hook (when on) whether `user` may be created; its refusal throws. */
export async function vetNewUser(deps: HookDeps, user: NewUser, ip: string | null, tx?: Queryable): Promise<void> {
  await invokeHook(deps, 'before_user_created', { metadata: hookMetadata('before_user_created', ip), user: draftUser(user) }, { tx });
}

/** Writes a new user, after the before-user-created hook allowed it when the hook is on. */
export async function createUser(deps: HookDeps, tx: Queryable, user: NewUser, ip: string | null): Promise<void> {
  if (hookEnabled(deps.config, 'before_user_created')) await vetNewUser(deps, user, ip, tx);
  await insertUser(tx, user);
}
