/** POST /otp (and /magiclink), /recover and /resend: the mail-sending entry points. */
import { FoyerError } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { findUserIdByPendingEmail, lockUser, lockUserByEmail, type UserRow } from '../store/users.js';
import type { AuthDeps } from './deps.js';
import { insertEmailUser } from './email-user.js';
import { assertMailFrequency, issueMailToken, type PkceChallenge } from './mail-links.js';
import { resolveRedirect } from './redirect.js';
import { sendConfirmation } from './signup.js';
import { normalizeEmail } from './validate.js';

export interface OtpInput {
  readonly email: string;
  readonly createUser: boolean;
  readonly data?: Record<string, unknown>;
  readonly redirectTo?: string;
  readonly pkce?: PkceChallenge;
}

const lockedUserByEmail = (deps: AuthDeps, tx: Queryable, email: string): Promise<UserRow | undefined> => lockUserByEmail(tx, email, deps.config.jwtAud);

async function sendRecovery(
  deps: AuthDeps,
  tx: Queryable,
  user: UserRow,
  kind: 'recovery' | 'magiclink',
  redirectTo: string,
  pkce: PkceChallenge | undefined,
) {
  assertMailFrequency(deps.config, user.recovery_sent_at);
  await tx.query('update auth.users set recovery_sent_at = now() where id = $1', [user.id]);
  await issueMailToken(deps, tx, {
    userId: user.id, tokenType: 'recovery_token', to: user.email as string, kind, verifyType: kind, redirectTo, pkce,
  });
}

/** A magic link (or, for a new or unconfirmed address, a sign-up confirmation). */
export async function sendMagicLink(deps: AuthDeps, input: OtpInput): Promise<void> {
  const { config } = deps;
  if (!config.emailEnabled) throw new FoyerError('email_provider_disabled', 'Email logins are disabled');
  if (!config.magicLinkEnabled) throw new FoyerError('email_provider_disabled', 'Login with magic link is disabled');
  const email = normalizeEmail(input.email);
  const redirectTo = resolveRedirect(config, input.redirectTo);
  await deps.db.transaction(async (tx) => {
    const user = await lockedUserByEmail(deps, tx, email);
    if (!user) {
      if (!input.createUser) throw new FoyerError('otp_disabled', 'Signups not allowed for otp');
      if (config.disableSignup) throw new FoyerError('signup_disabled', 'Signups not allowed for this instance');
      const id = await insertEmailUser(deps, tx, { email, encryptedPassword: '', data: input.data });
      await sendConfirmation(deps, tx, id, email, redirectTo, input.pkce);
      return;
    }
    if (!user.email_confirmed_at) {
      assertMailFrequency(config, user.confirmation_sent_at);
      await sendConfirmation(deps, tx, user.id, email, redirectTo, input.pkce);
      return;
    }
    await sendRecovery(deps, tx, user, 'magiclink', redirectTo, input.pkce);
  });
}

/** Always succeeds for the caller, so it cannot be used to learn which addresses have accounts. */
export async function sendPasswordRecovery(
  deps: AuthDeps,
  rawEmail: string,
  redirectTo?: string,
  pkce?: PkceChallenge,
): Promise<void> {
  const email = normalizeEmail(rawEmail);
  await deps.db.transaction(async (tx) => {
    const user = await lockedUserByEmail(deps, tx, email);
    if (user) await sendRecovery(deps, tx, user, 'recovery', resolveRedirect(deps.config, redirectTo), pkce);
  });
}

export async function resend(deps: AuthDeps, input: { type: 'signup' | 'email_change'; email: string; redirectTo?: string }): Promise<void> {
  const email = normalizeEmail(input.email);
  const redirectTo = resolveRedirect(deps.config, input.redirectTo);
  await deps.db.transaction(async (tx) => {
    if (input.type === 'signup') {
      const user = await lockedUserByEmail(deps, tx, email);
      if (!user || user.email_confirmed_at) return;
      assertMailFrequency(deps.config, user.confirmation_sent_at);
      await sendConfirmation(deps, tx, user.id, email, redirectTo);
      return;
    }
    const pendingId = await findUserIdByPendingEmail(tx, email, deps.config.jwtAud);
    const user = pendingId ? await lockUser(tx, pendingId) : undefined;
    if (!user) return;
    assertMailFrequency(deps.config, user.email_change_sent_at);
    await tx.query('update auth.users set email_change_sent_at = now() where id = $1', [user.id]);
    await issueMailToken(deps, tx, {
      userId: user.id, tokenType: 'email_change_token_new', to: email, kind: 'email_change', verifyType: 'email_change', redirectTo, newEmail: email,
    });
  });
}
