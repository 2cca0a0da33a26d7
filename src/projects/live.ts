/**
 * Live dependencies: the AuthDeps a project's app is built with, whose `config` (and what is built
 * from it: CAPTCHA verifier, mailer, SMS sender or send-SMS hook) can be swapped while the app serves. Route code reads
 * `deps.config` per request, so a swap is in force from the next request on, without a restart.
 * The rate limiters are never swapped: new limits are set on the same counters (their store is a
 * server-wide setting), so saving a limit cannot hand any client a fresh allowance.
 */
import type { AuthDeps } from '../auth/deps.js';
import { projectSmsSender } from '../auth/hooks/send-sms.js';
import { withOverrides, type Config } from '../config/load.js';
import type { SettingKey } from '../config/settings.js';
import { preloadTemplates } from '../mail/custom-mail.js';
import { createMailer, type Mailer } from '../mail/mailer.js';
import { logTemplateProblem } from '../mail/template-cache.js';
import { createCaptchaVerifier } from '../security/captcha/verifier.js';
import type { SmsSender } from '../sms/sender.js';
import { isServerSetting } from './catalog.js';

/** How long a replaced mailer stays open for requests already holding it. */
const RETIRE_AFTER_MS = 30_000;

export type ConfigListener = (previous: Config, next: Config) => void;

export interface LiveDeps {
  readonly deps: AuthDeps;
  /** Puts `next` in force; server-wide values (keys, database, listener) keep their opening values. */
  apply(next: Config): Promise<void>;
  /** Calls `listener` after each apply() with the settings before and after; returns the unsubscribe. */
  onApply(listener: ConfigListener): () => void;
  /** Closes the limiters and the mailers (current and retired); not the database. */
  close(): Promise<void>;
}

const changed = (a: Config, b: Config, keys: readonly string[]) =>
  keys.some((key) => JSON.stringify(a[key as keyof Config]) !== JSON.stringify(b[key as keyof Config]));

const keysStarting = (config: Config, prefix: string) => Object.keys(config).filter((key) => key.startsWith(prefix));

export function makeLive(opened: AuthDeps): LiveDeps {
  const serverValues: Partial<Record<SettingKey, unknown>> = {};
  for (const key of Object.keys(opened.config) as SettingKey[]) if (isServerSetting(key)) serverValues[key] = opened.config[key];
  const state: { config: Config; captcha: AuthDeps['captcha']; mailer: Mailer; sms: SmsSender } = {
    config: opened.config,
    captcha: opened.captcha,
    mailer: opened.mailer,
    sms: opened.sms,
  };
  const retired = new Set<{ close(): void | Promise<void> }>();
  const retire = (component: { close(): void | Promise<void> }) => {
    retired.add(component);
    setTimeout(() => {
      if (!retired.delete(component)) return;
      void Promise.resolve(component.close()).catch(() => {});
    }, RETIRE_AFTER_MS).unref();
  };
  let applying: Promise<void> = Promise.resolve();
  const listeners = new Set<ConfigListener>();

  const deps: AuthDeps = {
    db: opened.db,
    keyring: opened.keyring,
    clientIp: opened.clientIp,
    rateLimits: opened.rateLimits,
    escalation: opened.escalation,
    abuse: opened.abuse,
    get config() {
      return state.config;
    },
    get captcha() {
      return state.captcha;
    },
    get mailer() {
      return state.mailer;
    },
    get sms() {
      return state.sms;
    },
  };

  const applyNow = async (candidate: Config) => {
    const next = withOverrides(candidate, serverValues as Partial<Config>);
    const previous = state.config;
    const mailer = changed(previous, next, keysStarting(next, 'smtp')) ? createMailer(next) : undefined;
    state.captcha = createCaptchaVerifier(next, { claimOnce: opened.rateLimits.claimOnce });
    // Holds nothing open: a request already holding the previous sender finishes with it.
    state.sms = projectSmsSender({ db: opened.db, config: next });
    // The store, its URL and key prefix are server-wide (serverValues above): only the limits change.
    opened.rateLimits.setLimits(next);
    if (mailer) {
      retire(state.mailer);
      state.mailer = mailer;
    }
    state.config = next;
    // A new template URL is fetched now rather than by the next mail; problems are logged, never thrown.
    if (changed(previous, next, keysStarting(next, 'mailerTemplate'))) void preloadTemplates(next).catch((error: unknown) => logTemplateProblem((error as Error).message));
    for (const listener of listeners) {
      try {
        listener(previous, next);
      } catch {
        // A listener's failure is its own; the settings are in force either way.
      }
    }
  };

  return {
    deps,
    apply(next) {
      const run = applying.then(() => applyNow(next));
      applying = run.catch(() => {});
      return run;
    },
    onApply(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      await applying;
      listeners.clear();
      const components = [...retired, opened.rateLimits, state.mailer];
      retired.clear();
      await Promise.all(components.map((component) => Promise.resolve(component.close()).catch(() => {})));
    },
  };
}
