/** Default mail templates (text + HTML), GoTrue's subjects and wording, readable without HTML. */

/** Mails that carry a verification link (and the same token as a code). */
export type LinkMailKind = 'confirmation' | 'invite' | 'magiclink' | 'recovery' | 'email_change';
export type MailKind = LinkMailKind | 'reauthentication';

export interface MailContent {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface TemplateInput {
  /** The link to follow. */
  readonly url: string;
  /** The same token as a code to type in, for clients that verify OTPs. */
  readonly otp: string;
  /** Email change: the address being confirmed. */
  readonly newEmail?: string;
}

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const templates: Record<LinkMailKind, { subject: string; heading: string; lead: (input: TemplateInput) => string; action: string }> = {
  confirmation: { subject: 'Confirm Your Email', heading: 'Confirm your email', lead: () => 'Follow this link to confirm your email:', action: 'Confirm your email address' },
  invite: { subject: 'You have been invited', heading: 'You have been invited', lead: () => 'You have been invited to create a user. Follow this link to accept the invite:', action: 'Accept the invite' },
  magiclink: { subject: 'Your Magic Link', heading: 'Magic Link', lead: () => 'Follow this link to sign in:', action: 'Sign in' },
  recovery: { subject: 'Reset Your Password', heading: 'Reset password', lead: () => 'Follow this link to reset the password for your user:', action: 'Reset password' },
  email_change: {
    subject: 'Confirm Email Change',
    heading: 'Confirm email change',
    lead: (input) => `Follow this link to confirm the update of your email to ${input.newEmail ?? 'the new address'}:`,
    action: 'Change email',
  },
};

export function renderMail(kind: LinkMailKind, input: TemplateInput): MailContent {
  const template = templates[kind];
  const lead = template.lead(input);
  const text = `${template.heading}\n\n${lead}\n${input.url}\n\nOr enter this code: ${input.otp}\n\nIf you did not ask for this, ignore this mail.\n`;
  const html =
    `<h2>${escapeHtml(template.heading)}</h2>\n<p>${escapeHtml(lead)}</p>\n` +
    `<p><a href="${escapeHtml(input.url)}">${escapeHtml(template.action)}</a></p>\n` +
    `<p>Or enter this code: <strong>${escapeHtml(input.otp)}</strong></p>\n` +
    `<p style="color:#666">If you did not ask for this, ignore this mail.</p>\n`;
  return { subject: template.subject, text, html };
}

/**
 * The reauthentication mail (GET /reauthenticate): a code and no link, with GoTrue's default subject
 * ("{{ .Token }} is your verification code") and its default body's wording.
 */
export function renderReauthenticationMail(otp: string): MailContent {
  const heading = 'Your verification code';
  const lead = 'Use the code below to verify your identity. It expires shortly.';
  return {
    subject: `${otp} is your verification code`,
    text: `${heading}\n\n${lead}\n${otp}\n`,
    html: `<h2>${heading}</h2>\n\n<p>${lead}</p>\n<p>${escapeHtml(otp)}</p>\n`,
  };
}
