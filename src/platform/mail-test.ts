/**
 * The console's mail template check: a project's mail of one kind rendered with its settings in force
 * (custom subject and template, or the default) and sample data, shown as a preview and, when asked,
 * sent to an address an administrator typed through the project's mailer (SMTP or the outbox). The
 * sample link carries no real token: following it fails verification.
 */
import type { AuthDeps } from '../auth/deps.js';
import { verifyLink, type VerifyType } from '../auth/mail-links.js';
import { normalizeEmail } from '../auth/validate.js';
import { FoyerError } from '../errors.js';
import { customiseMail, customParts, isCustomised } from '../mail/custom-mail.js';
import { renderMail, renderReauthenticationMail, type MailContent, type MailKind } from '../mail/templates.js';
import { invalid } from './errors.js';

const KINDS: Record<string, { kind: MailKind; type: VerifyType | undefined }> = {
  confirmation: { kind: 'confirmation', type: 'signup' },
  invite: { kind: 'invite', type: 'invite' },
  recovery: { kind: 'recovery', type: 'recovery' },
  magic_link: { kind: 'magiclink', type: 'magiclink' },
  email_change: { kind: 'email_change', type: 'email_change' },
  reauthentication: { kind: 'reauthentication', type: undefined },
};

export interface MailTestResult {
  readonly ok: boolean;
  /** Whether the mail was sent, and how (`null`: a preview only). */
  readonly via: AuthDeps['mailer']['mode'] | null;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  /** Whether the project's custom subject or template shaped it. */
  readonly customised: boolean;
  readonly detail: string;
}

const SAMPLE_TOKEN = '123456';
const SAMPLE_HASH = 'sample-token-hash';

export async function testMail(deps: AuthDeps, input: { kind: unknown; email: unknown; send: unknown }): Promise<MailTestResult> {
  const entry = typeof input.kind === 'string' ? KINDS[input.kind] : undefined;
  if (!entry) throw invalid(`kind must be one of ${Object.keys(KINDS).join(', ')}`);
  const send = input.send === true;
  let email = 'user@example.com';
  if (send || (typeof input.email === 'string' && input.email !== '')) {
    if (typeof input.email !== 'string') throw invalid('email is required to send the test mail');
    try {
      email = normalizeEmail(input.email);
    } catch (error) {
      if (error instanceof FoyerError) throw invalid(`email: ${error.message}`);
      throw error;
    }
  }
  const { config } = deps;
  const redirectTo = config.siteUrl;
  const url = entry.type ? verifyLink(config, entry.type, SAMPLE_HASH, redirectTo) : '';
  const newEmail = entry.kind === 'email_change' ? `new-${email}` : undefined;
  const fallback: MailContent = entry.type ? renderMail(entry.kind as Exclude<MailKind, 'reauthentication'>, { url, otp: SAMPLE_TOKEN, newEmail }) : renderReauthenticationMail(SAMPLE_TOKEN);
  const customised = isCustomised(config, entry.kind);
  const sample = { name: 'Sample User' };
  const content = customised
    ? await customiseMail(config, entry.kind, entry.type
      ? { SiteURL: config.siteUrl, ConfirmationURL: url, Email: email, NewEmail: newEmail, SendingTo: newEmail, Token: SAMPLE_TOKEN, TokenHash: SAMPLE_HASH, Data: sample, RedirectTo: redirectTo }
      : { SiteURL: config.siteUrl, Email: email, Token: SAMPLE_TOKEN, Data: sample }, fallback)
    : fallback;
  const usedDefault = customised && content === fallback;
  const parts = customParts(config, entry.kind);
  const custom = parts.subject && parts.template ? 'the custom subject and template' : parts.template ? 'the custom template' : 'the custom subject with the default body';
  const shape = !customised ? 'the default mail' : usedDefault ? 'the default mail: the template could not be fetched or rendered (see the server log)' : custom;
  if (!send) return { ok: !usedDefault, via: null, ...content, customised, detail: `Preview of ${shape}.` };
  await deps.db.transaction((tx) => deps.mailer.send(tx, { kind: entry.kind, to: email, ...content }));
  const where = deps.mailer.mode === 'smtp' ? 'the SMTP server accepted it' : 'it waits in the mail outbox (no SMTP server is set)';
  return { ok: !usedDefault, via: deps.mailer.mode, ...content, customised, detail: `Sent ${shape} to ${email}: ${where}.` };
}
