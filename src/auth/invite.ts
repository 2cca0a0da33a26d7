/**
 * POST /invite (admin): GoTrue's invitation. A new address gets a user without a password and an email
 * identity; an address whose user has not confirmed it yet is invited again; a confirmed one is refused
 * (`email_exists`). The invite mail carries a link and a code (`/verify` type `invite`) that confirm the
 * address and start a session, after which the person sets a password with PUT /user.
 */
import { insertAuditEntry } from '../store/audit.js';
import type { Queryable } from '../store/db.js';
import { findUserById, lockUserByEmail, NIL_UUID, type UserRow } from '../store/users.js';
import { isUuid } from './authenticate.js';
import type { AuthDeps, RequestMeta } from './deps.js';
import { emailExists, insertEmailUser, uniqueToEmailExists } from './email-user.js';
import { issueMailToken } from './mail-links.js';
import { resolveRedirect } from './redirect.js';
import { toPublicUser, type PublicUser } from './user-view.js';
import { normalizeEmail } from './validate.js';

export interface InviteInput {
  readonly email: string;
  readonly data?: Record<string, unknown>;
  readonly redirectTo?: string;
  /** The administrator's `sub` claim, when the admin token has one (the service_role key has none). */
  readonly adminId?: unknown;
}

/**
 * The invitation's writes, in the caller's transaction, for `existing` (the address's user, locked) or a
 * new user: refuses a confirmed address, audits `user_invited` and marks the user invited. Returns the
 * user's id; the caller issues the token (mailed by POST /invite, answered by generate_link).
 */
export async function recordInvitation(
  deps: AuthDeps,
  tx: Queryable,
  existing: UserRow | undefined,
  input: { email: string; data?: Record<string, unknown>; adminId?: unknown },
  meta: RequestMeta,
): Promise<string> {
  if (existing?.email_confirmed_at) throw emailExists();
  const id = existing?.id ?? (await insertEmailUser(deps, tx, { email: input.email, encryptedPassword: '', data: input.data }, meta.ip));
  await insertAuditEntry(tx, {
    actorId: typeof input.adminId === 'string' && isUuid(input.adminId) ? input.adminId : NIL_UUID,
    action: 'user_invited',
    logType: 'team',
    traits: { user_id: id, user_email: input.email },
    ip: meta.ip,
  });
  await tx.query('update auth.users set invited_at = now(), confirmation_sent_at = now() where id = $1', [id]);
  return id;
}

export async function inviteUser(deps: AuthDeps, input: InviteInput, meta: RequestMeta): Promise<PublicUser> {
  const { config } = deps;
  const email = normalizeEmail(input.email);
  const redirectTo = resolveRedirect(config, input.redirectTo);
  const userId = await deps.db
    .transaction(async (tx) => {
      // Locked: two invitations of an invited address take turns, and the second mails a new token.
      const existing = await lockUserByEmail(tx, email, config.jwtAud);
      const id = await recordInvitation(deps, tx, existing, { email, data: input.data, adminId: input.adminId }, meta);
      await issueMailToken(deps, tx, { userId: id, tokenType: 'confirmation_token', to: email, kind: 'invite', verifyType: 'invite', redirectTo });
      return id;
    })
    // A sign-up or another invitation inserted the address between the lock and the insert: that one won.
    .catch(uniqueToEmailExists);
  const user = await findUserById(deps.db, userId);
  return toPublicUser(user!);
}
