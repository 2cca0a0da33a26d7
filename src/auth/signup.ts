/** Sign-up with email or phone and a password (the non-anonymous branch of POST /signup). */
import { FoyerError } from '../errors.js';
import { newRefreshToken } from '../security/crypto.js';
import type { Queryable } from '../store/db.js';
import { insertAuditEntry } from '../store/audit.js';
import { startSession } from '../store/sessions.js';
import { lockUserByPhone } from '../store/phone-users.js';
import { upsertIdentity } from '../store/identities.js';
import { emailTaken, findUserById } from '../store/users.js';
import { storedPasswordHash } from './password-storage.js';
import type { AuthDeps, RequestMeta } from './deps.js';
import { issueMailToken, type PkceChallenge } from './mail-links.js';
import { phoneChannel } from './phone/channel.js';
import { sendPhoneCode } from './phone/send-code.js';
import { resolveRedirect } from './redirect.js';
import { createUser } from './hooks/before-user-created.js';
import { sessionResponse, withTokenHook, type SessionResponse } from './tokens.js';
import { toPublicUser, type PublicUser } from './user-view.js';
import { checkPasswordStrength, metadataJson, normalizeEmail, normalizePhone } from './validate.js';
import { newSessionId, newUserId } from './ids.js';

export interface PasswordSignUpInput {
  readonly email?: string;
  readonly phone?: string;
  readonly password?: string;
  readonly data?: Record<string, unknown>;
  /** A phone sign-up's confirmation code: sms (default) or whatsapp. */
  readonly channel?: string;
  readonly redirectTo?: string;
  readonly pkce?: PkceChallenge;
}

/** A session when the address is confirmed at once (autoconfirm), otherwise the bare user. */
export async function signUpWithPassword(
  deps: AuthDeps,
  input: PasswordSignUpInput,
  meta: RequestMeta,
): Promise<SessionResponse | PublicUser> {
  const { config } = deps;
  const byEmail = Boolean(input.email);
  // GoTrue's order: sign-ups turned off, then the password, then the provider, then the address.
  if (config.disableSignup) throw new FoyerError('signup_disabled', 'Signups not allowed for this instance');
  if (!input.password) throw new FoyerError('validation_failed', 'Signup requires a valid password');
  checkPasswordStrength(input.password, config.passwordMinLength);
  if (input.email && input.phone) {
    throw new FoyerError('validation_failed', 'Only an email address or phone number should be provided on signup.');
  }
  const channel = byEmail ? 'sms' : phoneChannel(deps, input.channel);
  // A phone sign-up answers with a session or a code to type, never a link: no PKCE (GoTrue's rule).
  if (!byEmail && input.pkce) throw new FoyerError('validation_failed', 'PKCE not supported for phone signups');
  // GoTrue answers 400 here (422 only for the password grant).
  if (byEmail && !config.emailEnabled) throw new FoyerError('email_provider_disabled', 'Email signups are disabled', { status: 400 });
  if (!byEmail && !config.phoneEnabled) throw new FoyerError('phone_provider_disabled', 'Phone signups are disabled', { status: 400 });
  const email = byEmail ? normalizeEmail(input.email as string) : null;
  const phone = byEmail ? null : normalizePhone(input.phone as string);
  const provider = byEmail ? 'email' : 'phone';
  const confirmed = byEmail ? config.mailerAutoconfirm : config.smsAutoconfirm;
  const userId = newUserId(config);
  const encryptedPassword = await storedPasswordHash(config, userId, input.password);

  const session = await deps.db.transaction(async (tx) => {
    if (phone) {
      const existing = await lockUserByPhone(tx, phone, config.jwtAud);
      if (existing?.phone_confirmed_at) return 'taken' as const;
      if (existing) {
        // Signed up before but never confirmed: GoTrue sends a new code and leaves the user as it is.
        if (!confirmed) {
          await sendPhoneCode(deps, tx, { userId: existing.id, lastSentAt: existing.confirmation_sent_at, phone, kind: 'confirmation', channel, ip: meta.ip });
        }
        return 'taken' as const;
      }
    } else if (await emailTaken(tx, email as string, config.jwtAud, null)) {
      return 'taken' as const;
    }
    await createUser(deps, tx, {
      id: userId,
      aud: config.jwtAud,
      role: config.jwtDefaultGroupName,
      email,
      phone,
      encryptedPassword,
      appMetadataJson: JSON.stringify({ provider, providers: [provider] }),
      userMetadataJson: metadataJson(input.data),
      emailConfirmed: byEmail && confirmed,
      phoneConfirmed: !byEmail && confirmed,
      isAnonymous: false,
    }, meta.ip);
    await insertAuditEntry(tx, { actorId: userId, action: 'user_signedup', logType: 'team', traits: { provider }, ip: meta.ip });
    await upsertIdentity(tx, {
      userId,
      provider,
      providerId: userId,
      identityDataJson: JSON.stringify(
        email
          ? { sub: userId, email, email_verified: confirmed, phone_verified: false }
          : { sub: userId, phone, email_verified: false, phone_verified: confirmed },
      ),
    });
    if (!confirmed) {
      if (email) await sendConfirmation(deps, tx, userId, email, resolveRedirect(config, input.redirectTo), input.pkce);
      else await sendPhoneCode(deps, tx, { userId, lastSentAt: null, phone: phone as string, kind: 'confirmation', channel, ip: meta.ip });
      return undefined;
    }
    const sessionId = newSessionId();
    const refreshToken = newRefreshToken();
    const user = await startSession(tx, { userId, sessionId, refreshToken, authenticationMethod: 'password', ...meta });
    const amr = [{ method: 'password', timestamp: Math.floor(Date.now() / 1000) }];
    return withTokenHook(deps, tx, { user: user!, sessionId, aal: 'aal1', amr, refreshToken }, { ip: meta.ip });
  }).catch((error: unknown) => {
    // Two sign-ups of one address at once: the unique index decides, the loser is told what a taken address gets.
    if ((error as { code?: string }).code === '23505') return 'taken' as const;
    throw error;
  });

  if (session === 'taken') {
    // With autoconfirm the caller would get a session, so GoTrue says so; otherwise it answers as if a
    // confirmation mail went out, so sign-up cannot be used to learn which addresses have accounts.
    if (confirmed) throw new FoyerError('user_already_exists', 'User already registered');
    return disguisedUser(config, email, phone, provider);
  }

  if (!session) {
    const user = await findUserById(deps.db, userId);
    return toPublicUser(user!);
  }
  return sessionResponse(deps, session);
}

/** Mails a sign-up confirmation link and code to `email` (also used by /otp, /resend and OAuth sign-ups). */
export async function sendConfirmation(
  deps: AuthDeps,
  tx: Queryable,
  userId: string,
  email: string,
  redirectTo: string,
  pkce?: PkceChallenge,
): Promise<void> {
  await tx.query('update auth.users set confirmation_sent_at = now() where id = $1', [userId]);
  await issueMailToken(deps, tx, {
    userId, tokenType: 'confirmation_token', to: email, kind: 'confirmation', verifyType: 'signup', redirectTo, pkce,
  });
}

/** What a sign-up of an address that already has an account answers when confirmation is required. */
function disguisedUser(config: AuthDeps['config'], email: string | null, phone: string | null, provider: string): PublicUser {
  const now = new Date().toISOString();
  return {
    // Made as a real new user's would be: the answer must not tell that the address is taken.
    id: newUserId(config),
    aud: config.jwtAud,
    role: config.jwtDefaultGroupName,
    email: email ?? '',
    phone: phone ?? '',
    confirmation_sent_at: now,
    app_metadata: { provider, providers: [provider] },
    user_metadata: {},
    identities: [],
    created_at: now,
    updated_at: now,
    is_anonymous: false,
  };
}
