/**
 * The console's browser test harness: an up-to-date console build, the system Chromium driven by
 * playwright-core (a fresh profile each run), screenshots under test-artifacts/console, and the
 * supabase-js calls the test makes against a project.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { it, type TestContext } from 'node:test';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { makeClient } from '../helpers/server.js';

export const ROOT = resolve(import.meta.dirname, '../..');
const CONSOLE = join(ROOT, 'console');
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');
export const CHROMIUM = process.env.FOYER_TEST_CHROMIUM ?? '/usr/bin/chromium';

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('exit', (code) => done({ code, output }));
  });
}

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** Builds console/dist unless it is newer than every source file (`npm install` builds it too). */
export async function ensureConsoleBuilt(): Promise<void> {
  const built = join(CONSOLE, 'dist', 'index.html');
  const sources = Math.max(newestMtime(join(CONSOLE, 'src')), newestMtime(join(CONSOLE, 'index.html')), newestMtime(join(CONSOLE, 'vite.config.ts')));
  if (existsSync(built) && statSync(built).mtimeMs > sources) return;
  const { code, output } = await run([join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'console/vite.config.ts', '--logLevel', 'warn']);
  if (code !== 0) throw new Error(`vite build of the console failed:\n${output}`);
}

/** tsc on the console's own tsconfigs (the root tsconfig does not cover console/: DOM and JSX). */
export async function typecheckConsole(): Promise<string[]> {
  const failures: string[] = [];
  for (const project of ['console/tsconfig.json', 'console/tsconfig.node.json']) {
    const { code, output } = await run([join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project]);
    if (code !== 0) failures.push(`${project}:\n${output}`);
  }
  return failures;
}

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught exceptions in the page (a console bug, whatever the test checks). */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'foyer-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
    colorScheme: 'light',
    reducedMotion: 'reduce',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(String(error.stack ?? error)));
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    context,
    page,
    pageErrors,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A screenshot, test-artifacts/console/<name>.png: the whole page, or with `at` the window scrolled to
 * that element (long pages such as the settings are unreadable whole).
 */
export async function screenshot(page: Page, name: string, options: { at?: Locator } = {}): Promise<string> {
  const path = join(ARTIFACTS, `${name}.png`);
  // Charts and fonts settle after the data: wait for the network to go quiet first.
  await page.waitForLoadState('networkidle').catch(() => {});
  // No tooltip or hover state left by the last click.
  await page.mouse.move(0, 0);
  if (options.at) {
    await options.at.evaluate((element) => element.scrollIntoView({ block: 'center' }));
    await page.screenshot({ path });
  } else {
    // Sticky header and navigation: a full-page capture must start at the top.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path, fullPage: true });
  }
  return path;
}

/** A project as the test uses it: read from the console's keys page. */
export interface ProjectKeys {
  readonly ref: string;
  readonly apiUrl: string;
  readonly anonKey: string;
  readonly serviceRoleKey: string;
}

export interface SignInResult {
  readonly ok: boolean;
  readonly code: string | undefined;
  readonly status: number | undefined;
  readonly userId: string | undefined;
}

/** One anonymous sign-in with supabase-js, as an app would make it. */
export async function signInAnonymously(url: string, anonKey: string, captchaToken?: string): Promise<SignInResult> {
  const client = makeClient(url, anonKey);
  const { data, error } = await client.auth.signInAnonymously(captchaToken ? { options: { captchaToken } } : undefined);
  return {
    ok: !error && Boolean(data.user),
    code: error?.code,
    status: error?.status,
    userId: data.user?.id,
  };
}

/** The admin API of a project, with its service_role key (what the console's numbers must match). */
export async function adminFetch(apiUrl: string, serviceRoleKey: string, path: string, init: { method?: string; body?: unknown } = {}) {
  const response = await fetch(`${apiUrl.replace(/\/$/, '')}/auth/v1/admin/${path}`, {
    method: init.method ?? 'GET',
    headers: {
      apikey: serviceRoleKey,
      authorization: `Bearer ${serviceRoleKey}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** How many users the project's database holds, anonymous or permanent (X-Total-Count of the admin list). */
export async function countUsers(apiUrl: string, serviceRoleKey: string, anonymous: boolean): Promise<number> {
  const { status, headers } = await adminFetch(apiUrl, serviceRoleKey, `users?per_page=1&is_anonymous=${anonymous}`);
  if (status !== 200) throw new Error(`GET admin/users answered ${status}`);
  return Number(headers.get('x-total-count'));
}

/** Retries `check` for up to `ms` (settings reach other processes within a second; here it is one process). */
export async function eventually<T>(check: () => Promise<T>, accept: (value: T) => boolean, ms = 1000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((done) => setTimeout(done, 100));
  }
}

/**
 * `it` for steps that build on each other in one browser session: after a failure the rest are skipped
 * (they would only repeat it), and the failure saves FAILED-<step>.png and reports the page's URL,
 * its alerts and the end of the server's output.
 */
export function stepRunner(page: () => Page, serverOutput: () => string) {
  let broken: string | undefined;
  return (name: string, fn: (t: TestContext) => Promise<void>) =>
    it(name, async (t) => {
      if (broken) return t.skip(`the earlier step "${broken}" failed`);
      try {
        await fn(t);
      } catch (error) {
        broken = name;
        const current = page();
        await screenshot(current, `FAILED-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(() => {});
        const alerts = await current.getByRole('alert').allInnerTexts().catch(() => []);
        (error as Error).message +=
          `\n  page: ${current.url()}\n  alerts: ${JSON.stringify(alerts)}\n  server output (end):\n${serverOutput().slice(-3000)}`;
        throw error;
      }
    });
}
