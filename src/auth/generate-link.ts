/**
 * POST /admin/generate_link (supabase-js `auth.admin.generateLink`): GoTrue's mail links without the
 * mail, for applications that send their own. The user is created or updated as the mail-sending flow
 * would, the token is stored, and the answer carries the link, the code and the hashed token. Nothing
 * is mailed, so neither the mail rate limit nor the per-user frequency applies (as in GoTrue).
 */
import { FoyerError } from '../errors.js';
import { randomSecret } from '../security/crypto.js';
import { insertAuditEntry } from '../store/audit.js';
import type { OneTimeTokenType } from '../store/one-time-tokens.js';
import { emailTaken, findUserById, findUserForPasswordLogin, lockUserByEmail, mergeUserMetadata, type UserRow } from '../store/users.js';
import type { AuthDeps, RequestMeta } from './deps.js';
import { emailExists, insertEmailUser, uniqueToEmailExists } from './email-user.js';
import { recordInvitation } from './invite.js';
import { createMailToken, verifyLink, type VerifyType } from './mail-links.js';
import { storedPasswordHash } from './password-storage.js';
import { resolveRedirect } from './redirect.js';
import { toPublicUser, type PublicUser } from './user-view.js';
import { checkPasswordStrength, normalizeEmail } from './validate.js';
import { newUserId } from './ids.js';

export const linkTypes = ['signup', 'invite', 'magiclink', 'recovery', 'email_change_current', 'email_change_new'] as const;
export type LinkType = (typeof linkTypes)[number];

export interface GenerateLinkInput {
  readonly type: string;
  readonly email: string;
  readonly newEmail?: string;
  readonly password?: string;
  readonly data?: Record<string, unknown>;
  readonly redirectTo?: string;
  readonly adminId?: unknown;
}

export type GeneratedLink = PublicUser & {
  readonly action_link: string;
  readonly email_otp: string;
  readonly hashed_token: string;
  readonly verification_type: LinkType;
  readonly redirect_to: string;
};

const userNotFound = () => new FoyerError('user_not_found', 'User with this email not found');

/** What a link type stores and how /verify is told to take it. */
interface TokenPlan {
  readonly tokenType: OneTimeTokenType;
  readonly verifyType: VerifyType;
  /** The address the code is hashed with. */
  readonly to: string;
}

export async function generateLink(deps: AuthDeps, input: GenerateLinkInput, meta: RequestMeta): Promise<GeneratedLink> {
  const { config } = deps;
  const email = normalizeEmail(input.email);
  if (!(linkTypes as readonly string[]).includes(input.type)) {
    throw new FoyerError('validation_failed', `Invalid email action link type requested: ${input.type}`);
  }
  const redirectTo = resolveRedirect(config, input.redirectTo);
  let type = input.type as LinkType;
  let password = input.password;
  const newEmail = type === 'email_change_current' || type === 'email_change_new' ? normalizeEmail(input.newEmail ?? '') : undefined;
  if (type === 'email_change_current' && !config.mailerSecureEmailChangeEnabled) {
    throw new FoyerError('validation_failed', 'Enable secure email change to generate link for current email');
  }
  // Only sign-ups look before the transaction: a new user's password is hashed outside it. The other
  // types find (or miss) the user under its lock.
  const known = type === 'signup' || type === 'magiclink' ? await findUserForPasswordLogin(deps.db, { email }, config.jwtAud) : undefined;
  if (!known && type === 'magiclink') {
    // GoTrue: a magic link for a new address is a sign-up link, with a password nobody knows.
    type = 'signup';
    password = randomSecret(48);
  }
  if (type === 'signup' && !known) {
    if (!password) throw new FoyerError('validation_failed', 'Signup requires a valid password');
    if (input.type === 'signup') checkPasswordStrength(password, config.passwordMinLength);
  }
  // bcrypt before the transaction: it takes a thread-pool slot for tens of milliseconds.
  const userIdIfNew = newUserId(config);
  const encryptedPassword = type === 'signup' && !known && password ? await storedPasswordHash(config, userIdIfNew, password) : '';

  const outcome = await deps.db
    .transaction(async (tx) => {
      const user = await lockUserByEmail(tx, email, config.jwtAud);
      let userId = user?.id;
      let plan: TokenPlan;
      switch (type) {
        case 'magiclink':
        case 'recovery': {
          if (!user) throw userNotFound();
          await insertAuditEntry(tx, { actorId: user.id, action: 'user_recovery_requested', logType: 'user', traits: {}, ip: meta.ip });
          await tx.query('update auth.users set recovery_sent_at = now() where id = $1', [user.id]);
          plan = { tokenType: 'recovery_token', verifyType: type, to: email };
          break;
        }
        case 'invite': {
          userId = await recordInvitation(deps, tx, user, { email, data: input.data, adminId: input.adminId }, meta);
          plan = { tokenType: 'confirmation_token', verifyType: 'invite', to: email };
          break;
        }
        case 'signup': {
          if (user?.email_confirmed_at) throw emailExists();
          if (user && input.data) await mergeUserMetadata(tx, user.id, JSON.stringify(input.data));
          userId ??= await insertEmailUser(deps, tx, { id: userIdIfNew, email, encryptedPassword, data: input.data });
          await tx.query('update auth.users set confirmation_sent_at = now() where id = $1', [userId]);
          plan = { tokenType: 'confirmation_token', verifyType: 'signup', to: email };
          break;
        }
        case 'email_change_current':
        case 'email_change_new': {
          if (!user) throw userNotFound();
          if (await emailTaken(tx, newEmail as string, config.jwtAud, user.id)) throw emailExists();
          await tx.query(
            `update auth.users set email_change = $2, email_change_sent_at = now(), email_change_confirm_status = 0, updated_at = now()
              where id = $1`,
            [user.id, newEmail as string],
          );
          plan =
            type === 'email_change_current'
              ? { tokenType: 'email_change_token_current', verifyType: 'email_change', to: email }
              : { tokenType: 'email_change_token_new', verifyType: 'email_change', to: newEmail as string };
          break;
        }
      }
      const token = await createMailToken(tx, { userId: userId as string, ...plan });
      return { userId: userId as string, token, verifyType: plan.verifyType };
    })
    .catch(uniqueToEmailExists);

  const user = (await findUserById(deps.db, outcome.userId)) as UserRow;
  return {
    ...toPublicUser(user),
    action_link: verifyLink(config, outcome.verifyType, outcome.token.hash, redirectTo),
    email_otp: outcome.token.otp,
    hashed_token: outcome.token.hash,
    verification_type: type,
    redirect_to: redirectTo,
  };
}
