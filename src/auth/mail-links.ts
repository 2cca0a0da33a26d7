/** Mailed tokens and links: a 6-digit code, its SHA-224 hash (GoTrue's token_hash) and the link. */
import { createHash, randomInt } from 'node:crypto';
import type { Config } from '../config/load.js';
import { FoyerError } from '../errors.js';
import type { LinkMailKind } from '../mail/templates.js';
import { customiseMail, isCustomised } from '../mail/custom-mail.js';
import { renderMail } from '../mail/templates.js';
import { findUserById } from '../store/users.js';
import type { Queryable } from '../store/db.js';
import { insertMailFlowState, type CodeChallengeMethod } from '../store/flow-state.js';
import { saveOneTimeToken, type OneTimeTokenType } from '../store/one-time-tokens.js';
import type { AuthDeps } from './deps.js';
import { sendEmailHookEnabled, sendMailThroughHook } from './hooks/send-email.js';

/** GoTrue's token_hash: lower-case hex SHA-224 of the address followed by the code. */
export const tokenHash = (emailOrPhone: string, otp: string): string =>
  createHash('sha224').update(emailOrPhone + otp).digest('hex');

export const newOtp = (): string => String(randomInt(0, 1_000_000)).padStart(6, '0');

export type VerifyType = 'signup' | 'invite' | 'recovery' | 'magiclink' | 'email_change';

const pathSetting: Record<VerifyType, keyof Config> = {
  signup: 'mailerUrlPathConfirmation',
  invite: 'mailerUrlPathInvite',
  recovery: 'mailerUrlPathRecovery',
  magiclink: 'mailerUrlPathRecovery',
  email_change: 'mailerUrlPathEmailChange',
};

/** `<API_EXTERNAL_URL resolved with the path>?token=<hash>&type=<type>&redirect_to=<url>`. */
export function verifyLink(config: Config, type: VerifyType, hash: string, redirectTo: string): string {
  const apiBase = config.apiExternalUrl.endsWith('/') ? config.apiExternalUrl : `${config.apiExternalUrl}/`;
  const url = new URL(String(config[pathSetting[type]]), apiBase);
  url.searchParams.set('token', hash);
  url.searchParams.set('type', type);
  url.searchParams.set('redirect_to', redirectTo);
  return url.toString();
}

/** GoTrue's per-user mail frequency: one mail of a kind per GOTRUE_SMTP_MAX_FREQUENCY. */
export function assertMailFrequency(config: Config, lastSentAt: string | null): void {
  if (!lastSentAt) return;
  const waitSeconds = Math.ceil(config.smtpMaxFrequencySeconds - (Date.now() - Date.parse(lastSentAt)) / 1000);
  if (waitSeconds > 0) {
    throw new FoyerError('over_email_send_rate_limit', `For security purposes, you can only request this after ${waitSeconds} seconds.`);
  }
}

/** GOTRUE_RATE_LIMIT_EMAIL_SENT caps mail for the whole project; over it, the change the mail announces rolls back. */
export async function spendMailBudget(deps: AuthDeps, tx: Queryable): Promise<void> {
  const budget = await deps.rateLimits.consumeWithin(tx, 'email_sent', 'global');
  if (!budget.allowed) throw new FoyerError('over_email_send_rate_limit', 'Email rate limit exceeded');
}

export async function sendTokenMail(
  deps: AuthDeps,
  tx: Queryable,
  mail: { userId: string; kind: LinkMailKind; to: string; type: VerifyType; hash: string; otp: string; redirectTo: string; newEmail?: string },
): Promise<void> {
  await spendMailBudget(deps, tx);
  // GoTrue's send-email hook replaces the mail: the hook gets the code, its hash and the redirect.
  if (sendEmailHookEnabled(deps)) {
    await sendMailThroughHook(deps, tx, { userId: mail.userId, actionType: mail.type, token: mail.otp, tokenHash: mail.hash, redirectTo: mail.redirectTo });
    return;
  }
  const config = deps.config;
  const url = verifyLink(config, mail.type, mail.hash, mail.redirectTo);
  let content = renderMail(mail.kind, { url, otp: mail.otp, newEmail: mail.newEmail });
  if (isCustomised(config, mail.kind)) {
    // GoTrue's template fields: the user's current address and metadata, the link, code and its hash.
    const user = await findUserById(tx, mail.userId);
    content = await customiseMail(config, mail.kind, {
      SiteURL: config.siteUrl,
      ConfirmationURL: url,
      Email: user?.email ?? mail.to,
      NewEmail: mail.newEmail,
      SendingTo: mail.kind === 'email_change' ? mail.to : undefined,
      Token: mail.otp,
      TokenHash: mail.hash,
      Data: user?.user_metadata ?? {},
      RedirectTo: mail.redirectTo,
    }, content);
  }
  await deps.mailer.send(tx, { kind: mail.kind, to: mail.to, ...content });
}

/** A PKCE challenge sent with a request that mails a link (supabase-js flowType 'pkce'). */
export interface PkceChallenge {
  readonly codeChallenge: string;
  readonly method: CodeChallengeMethod;
}

/** Both fields or neither; 43–128 characters; s256 or plain (GoTrue's rules). */
export function parsePkceChallenge(codeChallenge: string | null | undefined, method: string | null | undefined): PkceChallenge | undefined {
  if (!codeChallenge && !method) return undefined;
  if (!codeChallenge || !method) {
    throw new FoyerError('validation_failed', 'PKCE flow requires code_challenge_method and code_challenge');
  }
  const normalized = method.toLowerCase();
  if (normalized !== 's256' && normalized !== 'plain') {
    throw new FoyerError('validation_failed', `code challenge method not supported: ${method}`);
  }
  if (codeChallenge.length < 43 || codeChallenge.length > 128 || !/^[A-Za-z0-9._~-]+$/.test(codeChallenge)) {
    throw new FoyerError('validation_failed', 'code challenge has to be between 43 and 128 characters');
  }
  return { codeChallenge, method: normalized };
}

/** PKCE mail tokens carry GoTrue's prefix, so verification knows to answer with an auth code. */
export const PKCE_PREFIX = 'pkce_';

export interface MailTokenRequest {
  readonly userId: string;
  readonly tokenType: OneTimeTokenType;
  /** The address the mail goes to (and that the code is hashed with). */
  readonly to: string;
  readonly kind: LinkMailKind;
  readonly verifyType: VerifyType;
  readonly redirectTo: string;
  readonly newEmail?: string;
  readonly pkce?: PkceChallenge;
}

export interface MailToken {
  /** The code a person types. */
  readonly otp: string;
  /** What the link carries as `token` (GoTrue's token_hash, with the PKCE prefix when a flow started). */
  readonly hash: string;
}

/** Stores a new token (code + hash, as GoTrue stores it) and starts its PKCE flow if any; sends nothing. */
export async function createMailToken(tx: Queryable, request: Omit<MailTokenRequest, 'kind' | 'redirectTo' | 'newEmail'>): Promise<MailToken> {
  const otp = newOtp();
  const hash = (request.pkce ? PKCE_PREFIX : '') + tokenHash(request.to, otp);
  await saveOneTimeToken(tx, { userId: request.userId, type: request.tokenType, hash, relatesTo: request.to });
  if (request.pkce) {
    await insertMailFlowState(tx, {
      userId: request.userId,
      codeChallenge: request.pkce.codeChallenge,
      codeChallengeMethod: request.pkce.method,
      authenticationMethod: request.verifyType,
    });
  }
  return { otp, hash };
}

/** Issues a mailed token (createMailToken) and sends it. */
export async function issueMailToken(deps: AuthDeps, tx: Queryable, request: MailTokenRequest): Promise<void> {
  const { otp, hash } = await createMailToken(tx, request);
  await sendTokenMail(deps, tx, {
    userId: request.userId,
    kind: request.kind,
    to: request.to,
    type: request.verifyType,
    hash,
    otp,
    redirectTo: request.redirectTo,
    newEmail: request.newEmail,
  });
}
