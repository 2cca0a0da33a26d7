/**
 * POST /invite (admin): GoTrue's invitation. A new address gets a user without a password and an email
 * identity; an address whose user has not confirmed it yet is invited again; a confirmed one is refused
 * (`email_exists`). The invite mail carries a link and a code (`/verify` type `invite`) that confirm the
 * address and start a session, after which the person sets a password with PUT /user.
 */
import { randomUUID } from 'node:crypto';
import { FoyerError } from '../errors.js';
import { insertAuditEntry } from '../store/audit.js';
import { findUserById, insertUser, lockUserByEmail, NIL_UUID, upsertIdentity } from '../store/users.js';
import { isUuid } from './authenticate.js';
import type { AuthDeps, RequestMeta } from './deps.js';
import { issueMailToken } from './mail-links.js';
import { resolveRedirect } from './redirect.js';
import { toPublicUser, type PublicUser } from './user-view.js';
import { metadataJson, normalizeEmail } from './validate.js';

export interface InviteInput {
  readonly email: string;
  readonly data?: Record<string, unknown>;
  readonly redirectTo?: string;
  /** The administrator's `sub` claim, when the admin token has one (the service_role key has none). */
  readonly adminId?: unknown;
}

const emailExists = () => new FoyerError('email_exists', 'A user with this email address has already been registered');

export async function inviteUser(deps: AuthDeps, input: InviteInput, meta: RequestMeta): Promise<PublicUser> {
  const { config } = deps;
  const email = normalizeEmail(input.email);
  const redirectTo = resolveRedirect(config, input.redirectTo);
  const userId = await deps.db
    .transaction(async (tx) => {
      // Locked: two invitations of an invited address take turns, and the second mails a new token.
      const existing = await lockUserByEmail(tx, email, config.jwtAud);
      if (existing?.email_confirmed_at) throw emailExists();
      const id = existing?.id ?? randomUUID();
      if (!existing) {
        await insertUser(tx, {
          id,
          aud: config.jwtAud,
          role: config.jwtDefaultGroupName,
          email,
          phone: null,
          encryptedPassword: '',
          appMetadataJson: JSON.stringify({ provider: 'email', providers: ['email'] }),
          userMetadataJson: metadataJson(input.data),
          emailConfirmed: false,
          phoneConfirmed: false,
          isAnonymous: false,
        });
        await upsertIdentity(tx, {
          userId: id,
          provider: 'email',
          providerId: id,
          identityDataJson: JSON.stringify({ sub: id, email, email_verified: false, phone_verified: false }),
        });
      }
      await insertAuditEntry(tx, {
        actorId: typeof input.adminId === 'string' && isUuid(input.adminId) ? input.adminId : NIL_UUID,
        action: 'user_invited',
        logType: 'team',
        traits: { user_id: id, user_email: email },
        ip: meta.ip,
      });
      await tx.query('update auth.users set invited_at = now(), confirmation_sent_at = now() where id = $1', [id]);
      await issueMailToken(deps, tx, { userId: id, tokenType: 'confirmation_token', to: email, kind: 'invite', verifyType: 'invite', redirectTo });
      return id;
    })
    .catch((error: unknown) => {
      // A sign-up or another invitation inserted the address between the lock and the insert.
      if ((error as { code?: string }).code === '23505') throw emailExists();
      throw error;
    });
  const user = await findUserById(deps.db, userId);
  return toPublicUser(user!);
}
