/**
 * Fetched mail templates (GOTRUE_MAILER_TEMPLATES_<KIND>), cached as GoTrue caches them: a template is
 * used for GOTRUE_MAILER_TEMPLATE_MAX_AGE, a failed fetch is retried after
 * GOTRUE_MAILER_TEMPLATE_RETRY_INTERVAL, and a failure keeps the template fetched before it (or, with
 * none, the default mail). Unlike GoTrue, only the first fetch of a URL is waited for: a stale or
 * failed template is refreshed in the background, so a mail never waits on the template server again,
 * and the first fetch waits at most FOYER_MAILER_TEMPLATE_TIMEOUT. One cache per process, by URL
 * (GoTrue has one per process too); projects with the same URL share its fetch.
 */
import { compileTemplate, TemplateSyntaxError, type CompiledTemplate } from './go-template.js';

export interface TemplateFetchSettings {
  readonly maxSizeBytes: number;
  readonly maxAgeSeconds: number;
  readonly retryIntervalSeconds: number;
  readonly timeoutSeconds: number;
}

interface Entry {
  /** The template in use; undefined until a fetch succeeds (the default mail is sent meanwhile). */
  template: CompiledTemplate | undefined;
  fetchedAtMs: number;
  checkedAtMs: number;
  loading: Promise<void> | undefined;
}

/** Why a template could not be used: the URL, the reason, and whether it was its syntax. */
export class TemplateLoadError extends Error {
  constructor(
    message: string,
    readonly syntax: boolean,
  ) {
    super(message);
  }
}

export type TemplateLog = (message: string) => void;

let log: TemplateLog = (message) => process.stderr.write(`${JSON.stringify({ level: 40, time: Date.now(), msg: message })}\n`);

/** Where template problems are logged (the app's logger). */
export function setTemplateLog(sink: TemplateLog): void {
  log = sink;
}

/** Logs a template problem found outside a mail (a setting saved from the console). */
export const logTemplateProblem = (message: string): void => log(`${message}; the default mail is sent until it is fixed`);

const entries = new Map<string, Entry>();

/** Reads the body, refusing it once it passes `maxSizeBytes` (GoTrue reads up to the cap). */
async function readCapped(response: Response, maxSizeBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxSizeBytes) throw new Error(`it is larger than GOTRUE_MAILER_TEMPLATE_MAX_SIZE (${maxSizeBytes} bytes)`);
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxSizeBytes) {
      await reader.cancel().catch(() => {});
      throw new Error(`it is larger than GOTRUE_MAILER_TEMPLATE_MAX_SIZE (${maxSizeBytes} bytes)`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Fetches and compiles the template at `url`; throws TemplateLoadError saying why it cannot be used. */
export async function fetchTemplate(url: string, settings: TemplateFetchSettings): Promise<CompiledTemplate> {
  let source: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(settings.timeoutSeconds * 1000), redirect: 'follow' });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {});
      throw new Error(`GET answered ${response.status}`);
    }
    source = await readCapped(response, settings.maxSizeBytes);
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    const reason = timedOut ? `no answer within ${settings.timeoutSeconds}s` : `${(error as Error).message}${cause ? ` (${cause})` : ''}`;
    throw new TemplateLoadError(`${url} could not be fetched: ${reason}`, false);
  }
  try {
    return compileTemplate(source);
  } catch (error) {
    if (error instanceof TemplateSyntaxError) throw new TemplateLoadError(`${url}: ${error.message}`, true);
    throw error;
  }
}

function refresh(entry: Entry, url: string, settings: TemplateFetchSettings, variable: string): Promise<void> {
  entry.loading ??= fetchTemplate(url, settings)
    .then((template) => {
      entry.template = template;
      entry.fetchedAtMs = Date.now();
    })
    .catch((error: unknown) => {
      const kept = entry.template ? 'the template fetched before stays in use' : 'the default mail is sent';
      log(`${variable}: ${(error as Error).message}; ${kept} (retried after GOTRUE_MAILER_TEMPLATE_RETRY_INTERVAL)`);
    })
    .finally(() => {
      entry.checkedAtMs = Date.now();
      entry.loading = undefined;
    });
  return entry.loading;
}

/**
 * The template for `url`, or undefined when none could be fetched yet (send the default mail).
 * `variable` names the setting in logs.
 */
export async function cachedTemplate(url: string, settings: TemplateFetchSettings, variable: string): Promise<CompiledTemplate | undefined> {
  const key = `${settings.maxSizeBytes} ${url}`;
  let entry = entries.get(key);
  if (!entry) {
    entry = { template: undefined, fetchedAtMs: 0, checkedAtMs: 0, loading: undefined };
    entries.set(key, entry);
    await refresh(entry, url, settings, variable);
    return entry.template;
  }
  const now = Date.now();
  const fresh = entry.template !== undefined && now - entry.fetchedAtMs < settings.maxAgeSeconds * 1000;
  if (!fresh && now - entry.checkedAtMs >= settings.retryIntervalSeconds * 1000) void refresh(entry, url, settings, variable);
  return entry.template;
}

/**
 * Fetches `url` now (at start, or when a project's setting changes) and caches it. A template whose
 * syntax is refused throws (the caller stops the start); an unreachable one is logged and the default
 * mail is sent until a fetch succeeds.
 */
export async function preloadTemplate(url: string, settings: TemplateFetchSettings, variable: string): Promise<void> {
  let template: CompiledTemplate;
  try {
    template = await fetchTemplate(url, settings);
  } catch (error) {
    if (error instanceof TemplateLoadError && error.syntax) throw error;
    log(`${variable}: ${(error as Error).message}; the default mail is sent until it can be fetched`);
    // Known to be failing: mails send the default without waiting, and it is retried in the background.
    entries.set(`${settings.maxSizeBytes} ${url}`, { template: undefined, fetchedAtMs: 0, checkedAtMs: Date.now(), loading: undefined });
    return;
  }
  const now = Date.now();
  entries.set(`${settings.maxSizeBytes} ${url}`, { template, fetchedAtMs: now, checkedAtMs: now, loading: undefined });
}
