/** GET/PUT /user for the caller, and POST /logout. */
import { FoyerError } from '../errors.js';
import { insertAuditEntry } from '../store/audit.js';
import { upsertIdentity } from '../store/identities.js';
import { clearReauthenticationToken } from '../store/reauthentication.js';
import { deleteSessions, type LogoutScope } from '../store/sessions.js';
import {
  emailTaken,
  findUserById,
  lockUser,
  mergeUserMetadata,
  setPassword,
} from '../store/users.js';
import type { Caller } from './authenticate.js';
import type { AuthDeps, RequestMeta } from './deps.js';
import { requestEmailChange } from './email-change.js';
import { storedPasswordHash, storedPasswordMatches } from './password-storage.js';
import type { PkceChallenge } from './mail-links.js';
import { changePhone } from './phone/change.js';
import { phoneChannel } from './phone/channel.js';
import { promoteToPermanent } from './promotion.js';
import { resolveRedirect } from './redirect.js';
import { checkCredentialChange } from './step-up/credential-change.js';
import { verifyReauthenticationNonce } from './step-up/nonce.js';
import { toPublicUser, type PublicUser } from './user-view.js';
import { checkPasswordStrength, normalizeEmail, normalizePhone } from './validate.js';

export interface UpdateUserInput {
  readonly email?: string;
  readonly phone?: string;
  /** How the phone change's code goes: sms (default) or whatsapp. */
  readonly channel?: string;
  readonly password?: string;
  /** Asked for by GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_CURRENT_PASSWORD. */
  readonly currentPassword?: string;
  /** The code GET /reauthenticate mailed (GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION). */
  readonly nonce?: string;
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
  const channel = phone === undefined ? 'sms' : phoneChannel(deps, input.channel);
  const password = input.password || undefined;
  // An SSO user's address, phone and password belong to the identity provider (GoTrue's rule, nonce included).
  if (
    current.is_sso_user &&
    (password !== undefined || (email !== undefined && email !== current.email) || (phone !== undefined && phone !== current.phone) || input.nonce)
  ) {
    throw new FoyerError('user_sso_managed', 'Updating email, phone, password of a SSO account only possible via SSO', { status: 422 });
  }
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
  const credentials = {
    password: password !== undefined,
    email: email !== undefined && email !== current.email,
    phone: phone !== undefined && phone !== current.phone,
  };
  const stepUp = await checkCredentialChange(deps, caller, credentials, input.nonce || undefined);
  const encryptedPassword = password === undefined ? undefined : await storedPasswordHash(config, current.id, password);

  await deps.db.transaction(async (tx) => {
    const user = await lockUser(tx, current.id);
    if (!user) throw new FoyerError('user_not_found', 'User not found');
    if (input.data !== undefined) await mergeUserMetadata(tx, user.id, JSON.stringify(input.data));
    if (encryptedPassword !== undefined) {
      if (stepUp.nonce !== undefined) await verifyReauthenticationNonce(deps, tx, user, stepUp.nonce);
      const { encrypted_password } = (await tx.query<{ encrypted_password: string | null }>(
        'select encrypted_password from auth.users where id = $1',
        [user.id],
      ))[0];
      if (stepUp.currentPasswordRequired && encrypted_password) {
        if (!input.currentPassword) {
          throw new FoyerError('current_password_required', 'Current password required when setting new password.');
        }
        if (!(await storedPasswordMatches(config, user.id, input.currentPassword, encrypted_password))) {
          throw new FoyerError('current_password_invalid', 'Current password required when setting new password.');
        }
      }
      if (await storedPasswordMatches(config, user.id, password as string, encrypted_password)) {
        throw new FoyerError('same_password', 'New password should be different from the old password.');
      }
      await setPassword(tx, user.id, encryptedPassword);
      // A new password spends the nonce that allowed it and voids any other, as in GoTrue.
      await clearReauthenticationToken(tx, user.id);
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
    if (phone !== undefined && phone !== user.phone) await changePhone(deps, tx, user, { phone, channel }, meta);
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
