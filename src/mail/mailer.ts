/**
 * Mail delivery: SMTP through nodemailer when GOTRUE_SMTP_HOST is set, otherwise the outbox table
 * (auth.foyer_mail_outbox) that the admin API shows, so the embedded quick start can finish every flow.
 */
import type { Transporter } from 'nodemailer';
import type { Queryable } from '../store/db.js';
import { insertOutboxMail } from '../store/outbox.js';
import type { MailContent, MailKind } from './templates.js';

export interface OutgoingMail extends MailContent {
  readonly kind: MailKind;
  readonly to: string;
}

export interface Mailer {
  readonly mode: 'smtp' | 'outbox';
  /** `tx` is the caller's transaction: an outbox mail commits or rolls back with the change it announces. */
  send(tx: Queryable, mail: OutgoingMail): Promise<void>;
  close(): void;
}

export interface SmtpSettings {
  readonly smtpHost: string | undefined;
  readonly smtpPort: number;
  readonly smtpUser: string | undefined;
  readonly smtpPass: string | undefined;
  readonly smtpAdminEmail: string;
  readonly smtpSenderName: string | undefined;
}

export function createMailer(settings: SmtpSettings): Mailer {
  if (!settings.smtpHost) {
    return { mode: 'outbox', send: (tx, mail) => insertOutboxMail(tx, mail), close: () => {} };
  }
  // nodemailer is loaded with the first mail: a server that keeps its mail in the outbox never loads it.
  let transport: Promise<Transporter> | undefined;
  const openTransport = async (): Promise<Transporter> => {
    const { default: nodemailer } = await import('nodemailer');
    return nodemailer.createTransport({
      host: settings.smtpHost,
      port: settings.smtpPort,
      secure: settings.smtpPort === 465,
      auth: settings.smtpUser ? { user: settings.smtpUser, pass: settings.smtpPass ?? '' } : undefined,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
  };
  const from = settings.smtpSenderName ? { name: settings.smtpSenderName, address: settings.smtpAdminEmail } : settings.smtpAdminEmail;
  return {
    mode: 'smtp',
    async send(_tx, mail) {
      transport ??= openTransport();
      // Sent inside the caller's transaction: if delivery fails, the change it announces rolls back too.
      await (await transport).sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
    },
    close: () => void transport?.then((open) => open.close(), () => undefined),
  };
}
