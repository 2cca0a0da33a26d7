/**
 * A project's custom subjects and templates (GOTRUE_MAILER_SUBJECTS_* and GOTRUE_MAILER_TEMPLATES_*)
 * applied to a mail, with the fields GoTrue gives its templates. What GoTrue does, Foyer does: a
 * custom subject alone keeps the default body; a template that cannot be fetched (and was never
 * fetched before) means the default mail, subject included.
 */
import { ConfigError, type Config } from '../config/load.js';
import { MAIL_TEMPLATE_KINDS, subjectKey, templateKey, type MailTemplateKind } from '../config/mail-template-settings.js';
import { compileTemplate, type CompiledTemplate } from './go-template.js';
import { cachedTemplate, preloadTemplate, type TemplateFetchSettings } from './template-cache.js';
import type { MailContent, MailKind } from './templates.js';

/** The fields of GoTrue's mail templates (absent ones write nothing, as in html/template). */
export interface MailTemplateData {
  readonly SiteURL: string;
  readonly Email: string;
  readonly Token: string;
  readonly Data: Readonly<Record<string, unknown>>;
  readonly ConfirmationURL?: string;
  readonly TokenHash?: string;
  readonly RedirectTo?: string;
  readonly NewEmail?: string;
  readonly SendingTo?: string;
}

const KIND_OF: Record<MailKind, MailTemplateKind> = {
  invite: 'INVITE',
  confirmation: 'CONFIRMATION',
  recovery: 'RECOVERY',
  email_change: 'EMAIL_CHANGE',
  magiclink: 'MAGIC_LINK',
  reauthentication: 'REAUTHENTICATION',
};

export const fetchSettings = (config: Config): TemplateFetchSettings => ({
  maxSizeBytes: config.mailerTemplateMaxSizeBytes,
  maxAgeSeconds: config.mailerTemplateMaxAgeSeconds,
  retryIntervalSeconds: config.mailerTemplateRetryIntervalSeconds,
  timeoutSeconds: config.mailerTemplateTimeoutSeconds,
});

/** GoTrue reads a template URL not starting with "http" as a path on the site URL. */
export const templateUrl = (config: Config, setting: string): string => (setting.startsWith('http') ? setting : config.siteUrl + setting);

/** Which parts of `kind` the project sets. */
export const customParts = (config: Config, kind: MailKind): { subject: boolean; template: boolean } => ({
  subject: config[subjectKey(KIND_OF[kind])] !== undefined,
  template: config[templateKey(KIND_OF[kind])] !== undefined,
});

/** Whether `kind` has a custom subject or template (and so needs the user's fields). */
export const isCustomised = (config: Config, kind: MailKind): boolean =>
  config[subjectKey(KIND_OF[kind])] !== undefined || config[templateKey(KIND_OF[kind])] !== undefined;

const subjects = new Map<string, CompiledTemplate>();

/** Subjects were checked when the settings were read; compiled once each. */
function subjectTemplate(source: string): CompiledTemplate {
  let compiled = subjects.get(source);
  if (!compiled) {
    compiled = compileTemplate(source);
    if (subjects.size > 1000) subjects.clear();
    subjects.set(source, compiled);
  }
  return compiled;
}

/** A plain-text part for an HTML template: links keep their address, tags go, entities are read. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<a\b[^>]*?href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, (_all, href: string, label: string) => `${label} (${href})`)
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|h[1-6]|li|tr)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&(#\d+|#x[0-9a-f]+|amp|lt|gt|quot|apos|nbsp);/gi, (entity, name: string) => {
      const lower = name.toLowerCase();
      if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
      if (lower.startsWith('#')) return String.fromCodePoint(Number(lower.slice(1)));
      return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' } as Record<string, string>)[lower] ?? entity;
    })
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
    .concat('\n');
}

/** `fallback` (Foyer's default mail) with the project's custom subject and template applied. */
export async function customiseMail(config: Config, kind: MailKind, data: MailTemplateData, fallback: MailContent): Promise<MailContent> {
  const gotrueKind = KIND_OF[kind];
  const subject = config[subjectKey(gotrueKind)];
  const url = config[templateKey(gotrueKind)];
  const fields = data as unknown as Readonly<Record<string, unknown>>;
  let body: CompiledTemplate | undefined;
  if (url !== undefined) {
    body = await cachedTemplate(templateUrl(config, url), fetchSettings(config), `GOTRUE_MAILER_TEMPLATES_${gotrueKind}`);
    // GoTrue: no template fetched, so its default subject and body.
    if (!body) return fallback;
  }
  const html = body ? body.render(fields) : fallback.html;
  return {
    subject: subject !== undefined ? subjectTemplate(subject).render(fields) : fallback.subject,
    html,
    text: body ? htmlToText(html) : fallback.text,
  };
}

/**
 * Fetches every template `config` names, so mails do not wait for them. A template whose syntax is
 * refused throws (TemplateLoadError, naming the variable); an unreachable one is logged.
 */
export async function preloadTemplates(config: Config): Promise<void> {
  const settings = fetchSettings(config);
  await Promise.all(
    MAIL_TEMPLATE_KINDS.map(async (kind) => {
      const url = config[templateKey(kind)];
      if (url === undefined) return;
      const variable = `GOTRUE_MAILER_TEMPLATES_${kind}`;
      try {
        await preloadTemplate(templateUrl(config, url), settings, variable);
      } catch (error) {
        throw new ConfigError(`${variable}: ${(error as Error).message}`);
      }
    }),
  );
}
