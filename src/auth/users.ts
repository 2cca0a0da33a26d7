/** GET/PUT /user for the caller, and POST /logout. */
import { FoyerError } from '../errors.js';
import { insertAuditEntry } from '../store/audit.js';
import { deleteSessions, type LogoutScope } from '../store/sessions.js';
import {
  emailTaken,
  findUserById,
  lockUser,
  mergeUserMetadata,
  phoneTaken,
  setPassword,
  upsertIdentity,
} from '../store/users.js';
import type { Caller } from './authenticate.js';
import type { AuthDeps, RequestMeta } from './deps.js';
import { requestEmailChange } from './email-change.js';
import { requireAal2ForCredentialChange } from './mfa/credential-change.js';
import { storedPasswordHash, storedPasswordMatches } from './password-storage.js';
import type { PkceChallenge } from './mail-links.js';
import { promoteToPermanent } from './promotion.js';
import { resolveRedirect } from './redirect.js';
import { toPublicUser, type PublicUser } from './user-view.js';
import { checkPasswordStrength, normalizeEmail, normalizePhone } from './validate.js';

export interface UpdateUserInput {
  readonly email?: string;
  readonly phone?: string;
  readonly password?: string;
  readonly data?: Record<string, unknown>;
  readonly app_metadata?: Record<string, unknown>;
  /** Where the confirmation link leads after verification (checked against the allow-list). */
  readonly redirectTo?: string;
  readonly pkce?: PkceChallenge;
}

export async function updateUser(deps: AuthDeps, caller: Caller, input: UpdateUserInput, meta: RequestMeta): Promise<PublicUser> {
  const { config } = deps;
  const current = caller.user;
  if (input.app_metadata !== undefined) {
    throw new FoyerError('not_admin', 'Updating app_metadata requires admin privileges');
  }
  const email = input.email ? normalizeEmail(input.email) : undefined;
  const phone = input.phone ? normalizePhone(input.phone) : undefined;
  const password = input.password || undefined;
  await requireAal2ForCredentialChange(deps, caller, { email, phone, password });
  if (password !== undefined) {
    if (current.is_anonymous && !email && !phone) {
      throw new FoyerError('validation_failed', 'Updating password of an anonymous user without an email or phone is not allowed', {
        status: 422,
      });
    }
    checkPasswordStrength(password, config.passwordMinLength);
  }
  // GoTrue applies an anonymous user's new address at once under autoconfirm; everyone else confirms by mail.
  const emailNow = email !== undefined && email !== current.email && current.is_anonymous && config.mailerAutoconfirm;
  const emailByMail = email !== undefined && email !== current.email && !emailNow;
  if (phone !== undefined && phone !== current.phone) {
    if (!current.is_anonymous || !config.smsAutoconfirm) {
      throw new FoyerError('validation_failed', 'Changing the phone number needs SMS delivery, which is not configured');
    }
  }
  const encryptedPassword = password === undefined ? undefined : await storedPasswordHash(config, current.id, password);

  await deps.db.transaction(async (tx) => {
    const user = await lockUser(tx, current.id);
    if (!user) throw new FoyerError('user_not_found', 'User not found');
    if (input.data !== undefined) await mergeUserMetadata(tx, user.id, JSON.stringify(input.data));
    if (encryptedPassword !== undefined) {
      const { encrypted_password } = (await tx.query<{ encrypted_password: string | null }>(
        'select encrypted_password from auth.users where id = $1',
        [user.id],
      ))[0];
      if (await storedPasswordMatches(config, user.id, password as string, encrypted_password)) {
        throw new FoyerError('same_password', 'New password should be different from the old password.');
      }
      await setPassword(tx, user.id, encryptedPassword);
      // A new password ends every other session, as in GoTrue.
      await deleteSessions(tx, user.id, caller.sessionId, 'others');
    }
    if (emailByMail) {
      await requestEmailChange(deps, tx, user, email as string, resolveRedirect(config, input.redirectTo), input.pkce);
    }
    if (emailNow) {
      if (await emailTaken(tx, email, user.aud ?? config.jwtAud, user.id)) {
        throw new FoyerError('email_exists', 'A user with this email address has already been registered');
      }
      await tx.query(
        `update auth.users set email = $2, email_confirmed_at = now(), updated_at = now() where id = $1`,
        [user.id, email as string],
      );
      await upsertIdentity(tx, {
        userId: user.id,
        provider: 'email',
        providerId: user.id,
        identityDataJson: JSON.stringify({ sub: user.id, email, email_verified: true, phone_verified: false }),
      });
      await promoteToPermanent(tx, user.id, 'email', meta.ip);
    }
    if (phone !== undefined && phone !== user.phone) {
      if (await phoneTaken(tx, phone, user.aud ?? config.jwtAud, user.id)) {
        throw new FoyerError('phone_exists', 'A user with this phone number has already been registered');
      }
      await tx.query(`update auth.users set phone = $2, phone_confirmed_at = now(), updated_at = now() where id = $1`, [user.id, phone]);
      await upsertIdentity(tx, {
        userId: user.id,
        provider: 'phone',
        providerId: user.id,
        identityDataJson: JSON.stringify({ sub: user.id, phone, email_verified: false, phone_verified: true }),
      });
      await promoteToPermanent(tx, user.id, 'phone', meta.ip);
    }
  }).catch((error: unknown) => {
    const code = (error as { code?: string }).code;
    if (code === '23505') throw new FoyerError('email_exists', 'A user with this email address has already been registered');
    throw error;
  });

  const updated = await findUserById(deps.db, current.id);
  if (!updated) throw new FoyerError('user_not_found', 'User not found');
  return toPublicUser(updated);
}

export async function logout(deps: AuthDeps, caller: Caller, scope: LogoutScope, meta?: RequestMeta): Promise<void> {
  await deleteSessions(deps.db, caller.user.id, caller.sessionId, scope);
  await insertAuditEntry(deps.db, { actorId: caller.user.id, action: 'logout', logType: 'account', traits: { scope }, ip: meta?.ip ?? null });
}
