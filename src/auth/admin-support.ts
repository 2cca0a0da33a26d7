/**
 * Foyer's support actions on one user, for the console (admin API, service_role): a stuck conversion —
 * an anonymous user who asked for an address (PUT /user {email}) and never confirmed it — is mailed
 * again or confirmed by the administrator; a magic link, recovery or invitation is sent to a user's
 * address; and when the user stopped being anonymous, how.
 */
import { FoyerError } from '../errors.js';
import { insertAuditEntry } from '../store/audit.js';
import type { Queryable } from '../store/db.js';
import { deleteOneTimeTokens } from '../store/one-time-tokens.js';
import { findUserById, lockUser, NIL_UUID, type UserRow } from '../store/users.js';
import { isUuid } from './authenticate.js';
import type { AuthDeps, RequestMeta } from './deps.js';
import { inviteUser } from './invite.js';
import { issueMailToken } from './mail-links.js';
import { sendMagicLink, sendPasswordRecovery } from './otp.js';
import { completeEmailChange } from './email-change.js';
import { resolveRedirect } from './redirect.js';
import { toPublicUser, type PublicUser } from './user-view.js';

const notFound = () => new FoyerError('user_not_found', 'User not found');

async function lockedUser(tx: Queryable, id: string): Promise<UserRow> {
  if (!isUuid(id)) throw notFound();
  const user = await lockUser(tx, id);
  if (!user || user.deleted_at) throw notFound();
  return user;
}

function pendingAddress(user: UserRow): string {
  if (!user.new_email) throw new FoyerError('validation_failed', 'This user has no address awaiting confirmation');
  return user.new_email;
}

const audit = (tx: Queryable, userId: string, action: string, traits: Record<string, unknown>, meta: RequestMeta) =>
  insertAuditEntry(tx, { actorId: NIL_UUID, action, logType: 'user', traits: { user_id: userId, ...traits }, ip: meta.ip });

/**
 * Mails the pending address a new confirmation link (the previous one stops working). An administrator
 * acting on a support request is not held to the per-user resend interval; the project's mail budget
 * (GOTRUE_RATE_LIMIT_EMAIL_SENT) still applies.
 */
export async function resendPendingEmail(deps: AuthDeps, id: string, meta: RequestMeta, redirectTo?: string): Promise<PublicUser> {
  const target = resolveRedirect(deps.config, redirectTo);
  await deps.db.transaction(async (tx) => {
    const user = await lockedUser(tx, id);
    const address = pendingAddress(user);
    await tx.query('update auth.users set email_change_sent_at = now() where id = $1', [user.id]);
    await issueMailToken(deps, tx, {
      userId: user.id, tokenType: 'email_change_token_new', to: address, kind: 'email_change', verifyType: 'email_change', redirectTo: target, newEmail: address,
    });
    await audit(tx, user.id, 'pending_email_resent', { email: address }, meta);
  });
  return toPublicUser((await findUserById(deps.db, id))!);
}

/** Confirms the pending address as if its link had been followed: an anonymous user becomes permanent (method "admin"). */
export async function confirmPendingEmail(deps: AuthDeps, id: string, meta: RequestMeta): Promise<PublicUser> {
  await deps.db.transaction(async (tx) => {
    const user = await lockedUser(tx, id);
    const address = pendingAddress(user);
    // Refused (email_exists) before anything changes; the mailed links stop working with the change.
    await completeEmailChange(deps, tx, { user, address, method: 'admin', ip: meta.ip });
    await deleteOneTimeTokens(tx, user.id, ['email_change_token_new', 'email_change_token_current']);
    await audit(tx, user.id, 'pending_email_confirmed', { email: address }, meta);
  });
  return toPublicUser((await findUserById(deps.db, id))!);
}

export const userMailTypes = ['magiclink', 'recovery', 'invite'] as const;
export type UserMailType = (typeof userMailTypes)[number];

/** Sends a user's address a magic link, a password recovery or (not yet accepted) an invitation again. */
export async function sendUserMail(deps: AuthDeps, id: string, type: UserMailType, meta: RequestMeta, redirectTo?: string): Promise<{ sent_to: string }> {
  if (!isUuid(id)) throw notFound();
  const user = await findUserById(deps.db, id);
  if (!user || user.deleted_at) throw notFound();
  if (!user.email) throw new FoyerError('validation_failed', 'This user has no email address to send to');
  switch (type) {
    case 'magiclink':
      await sendMagicLink(deps, { email: user.email, createUser: false, redirectTo });
      break;
    case 'recovery':
      await sendPasswordRecovery(deps, user.email, redirectTo);
      break;
    case 'invite':
      await inviteUser(deps, { email: user.email, redirectTo }, meta);
      break;
  }
  return { sent_to: user.email };
}

export interface Conversion {
  readonly converted_at: string | null;
  /** email, phone, oauth, id_token, admin or merge; null while anonymous or if never anonymous. */
  readonly method: string | null;
}

/** When and how the user stopped being anonymous, from the audit log (null for a user never anonymous). */
export async function readConversion(deps: AuthDeps, id: string): Promise<Conversion> {
  if (!isUuid(id)) throw notFound();
  const rows = await deps.db.query<{ created_at: string; method: string | null }>(
    `select a.created_at, coalesce(a.payload -> 'traits' ->> 'method', case when a.payload ->> 'action' = 'user_merged' then 'merge' end) as method
       from auth.audit_log_entries a
      where a.payload ->> 'actor_id' = $1 and a.payload ->> 'action' in ('user_converted', 'user_merged')
      order by a.created_at desc limit 1`,
    [id],
  );
  return rows[0] ? { converted_at: new Date(rows[0].created_at).toISOString(), method: rows[0].method } : { converted_at: null, method: null };
}
