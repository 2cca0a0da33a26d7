/** Whether the configured SMTP server answers and accepts the credentials (`foyer doctor`). */
import type { SmtpSettings } from './mailer.js';

export async function verifySmtp(settings: SmtpSettings, timeoutMs = 5000): Promise<{ ok: true } | { ok: false; error: string }> {
  if (!settings.smtpHost) return { ok: false, error: 'GOTRUE_SMTP_HOST is not set' };
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: settings.smtpHost,
    port: settings.smtpPort,
    secure: settings.smtpPort === 465,
    auth: settings.smtpUser ? { user: settings.smtpUser, pass: settings.smtpPass ?? '' } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  try {
    await transport.verify();
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  } finally {
    transport.close();
  }
}
