/** Mailed tokens and links: a 6-digit code, its SHA-224 hash (GoTrue's token_hash) and the link. */
import { createHash, randomInt } from 'node:crypto';
import type { Config } from '../config/load.js';
import { FoyerError } from '../errors.js';
import type { MailKind } from '../mail/templates.js';
import { renderMail } from '../mail/templates.js';
import type { Queryable } from '../store/db.js';
import type { AuthDeps } from './deps.js';

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

export async function sendTokenMail(
  deps: AuthDeps,
  tx: Queryable,
  mail: { kind: MailKind; to: string; type: VerifyType; hash: string; otp: string; redirectTo: string; newEmail?: string },
): Promise<void> {
  const url = verifyLink(deps.config, mail.type, mail.hash, mail.redirectTo);
  const content = renderMail(mail.kind, { url, otp: mail.otp, newEmail: mail.newEmail });
  await deps.mailer.send(tx, { kind: mail.kind, to: mail.to, ...content });
}
