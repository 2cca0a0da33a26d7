/**
 * Custom mail subjects and templates (GoTrue's GOTRUE_MAILER_SUBJECTS_<KIND> and
 * GOTRUE_MAILER_TEMPLATES_<KIND>), spread into settingsSchema, and how fetched templates are cached
 * (docs/email-templates.md). A subject is a template too: one outside the supported part of Go's
 * template language stops the start, naming the variable and the construct.
 */
import { compileTemplate, TemplateSyntaxError } from '../mail/go-template.js';
import { ConfigError, parseDurationSeconds, parseInteger } from './parse.js';
import { isBlank } from './parse-protection.js';
import { setting, type Setting } from './setting.js';

/** GoTrue's template kinds, as its variables spell them. */
export const MAIL_TEMPLATE_KINDS = ['INVITE', 'CONFIRMATION', 'RECOVERY', 'EMAIL_CHANGE', 'MAGIC_LINK', 'REAUTHENTICATION'] as const;
export type MailTemplateKind = (typeof MAIL_TEMPLATE_KINDS)[number];

const words = (kind: string) => kind.toLowerCase().replace(/_/g, ' ');

/** A subject that compiles, else a ConfigError naming the variable and what it may not use. */
export function parseSubject(variable: string, raw: string | undefined): string | undefined {
  if (isBlank(raw)) return undefined;
  try {
    compileTemplate(raw);
  } catch (error) {
    if (error instanceof TemplateSyntaxError) throw new ConfigError(`${variable}: ${error.message}`);
    throw error;
  }
  return raw;
}

/** An http(s) URL, or a path GoTrue puts after GOTRUE_SITE_URL (anything not starting with "http"). */
export function parseTemplateUrl(variable: string, raw: string | undefined): string | undefined {
  if (isBlank(raw)) return undefined;
  const value = raw.trim();
  if (!value.startsWith('http') && !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) return value;
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    // Refused below.
  }
  throw new ConfigError(`${variable} must be an http(s) URL of the template, or a path on GOTRUE_SITE_URL, got ${JSON.stringify(raw)}`);
}

type Key<P extends string, K extends MailTemplateKind> = `${P}${K}`;

function perKind<P extends string, T>(prefix: P, make: (kind: MailTemplateKind) => Setting<T>): Record<Key<P, MailTemplateKind>, Setting<T>> {
  const out: Record<string, Setting<T>> = {};
  for (const kind of MAIL_TEMPLATE_KINDS) out[`${prefix}${kind}`] = make(kind);
  return out as Record<Key<P, MailTemplateKind>, Setting<T>>;
}

const subjects = perKind('mailerSubject_', (kind) =>
  setting<string | undefined>({
    env: [`GOTRUE_MAILER_SUBJECTS_${kind}`],
    doc: `Subject of ${words(kind)} mails: a Go template with GoTrue's fields ({{ .Token }}, {{ .Email }}, {{ .Data.<key> }}…).`,
    defaultText: "(GoTrue's default subject)",
    read: (raw, name) => parseSubject(name, raw),
  }),
);

const templates = perKind('mailerTemplate_', (kind) =>
  setting<string | undefined>({
    env: [`GOTRUE_MAILER_TEMPLATES_${kind}`],
    doc: `URL of the HTML template of ${words(kind)} mails (Go html/template syntax, fetched and cached; a path is read from GOTRUE_SITE_URL). Unreachable or invalid: the default mail.`,
    defaultText: '(the default mail)',
    read: (raw, name) => parseTemplateUrl(name, raw),
  }),
);

export const mailTemplateSettings = {
  ...subjects,
  ...templates,
  mailerTemplateMaxSizeBytes: setting({
    env: ['GOTRUE_MAILER_TEMPLATE_MAX_SIZE'],
    doc: 'Largest template Foyer reads, in bytes; a larger one is not used (the default mail is sent).',
    defaultText: '1000000',
    read: (raw, name) => (isBlank(raw) ? 1_000_000 : parseInteger(name, raw, 1)),
  }),
  mailerTemplateMaxAgeSeconds: setting({
    env: ['GOTRUE_MAILER_TEMPLATE_MAX_AGE'],
    doc: 'How long a fetched template is used before it is fetched again (Go duration); a mail never waits for that refresh.',
    defaultText: '10m',
    read: (raw, name) => (isBlank(raw) ? 600 : parseDurationSeconds(name, raw)),
  }),
  mailerTemplateRetryIntervalSeconds: setting({
    env: ['GOTRUE_MAILER_TEMPLATE_RETRY_INTERVAL'],
    doc: 'Time between two attempts to fetch a template that failed (Go duration).',
    defaultText: '10s',
    read: (raw, name) => (isBlank(raw) ? 10 : parseDurationSeconds(name, raw)),
  }),
  mailerTemplateTimeoutSeconds: setting({
    env: ['FOYER_MAILER_TEMPLATE_TIMEOUT'],
    doc: "How long a template fetch may take (Go duration; GoTrue's fixed 10s); a slower server means the default mail.",
    defaultText: '10s',
    read: (raw, name) => {
      const seconds = isBlank(raw) ? 10 : parseDurationSeconds(name, raw);
      if (seconds <= 0) throw new ConfigError(`${name} must be longer than 0, got ${JSON.stringify(raw)}`);
      return seconds;
    },
  }),
};

/** The subject and template URL settings of a kind, by GoTrue's kind name. */
export const subjectKey = (kind: MailTemplateKind) => `mailerSubject_${kind}` as const;
export const templateKey = (kind: MailTemplateKind) => `mailerTemplate_${kind}` as const;
