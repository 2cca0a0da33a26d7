/**
 * A page for WebAuthn in a real browser: a Foyer test project and a page that loads supabase-js's
 * browser build, served from one origin on `localhost` (WebAuthn needs a domain, not an IP address, and
 * the relying party's origin must be the page's), and Debian's Chromium with a virtual authenticator
 * from the DevTools protocol's WebAuthn domain.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import type { EngineName } from './engines.js';
import { createTestProject, type TestProject } from './project.js';

const CHROMIUM = process.env.FOYER_TEST_CHROMIUM ?? '/usr/bin/chromium';
const SUPABASE_UMD = readFileSync(resolve(import.meta.dirname, '../../node_modules/@supabase/supabase-js/dist/umd/supabase.js'));

export interface WebAuthnBrowser {
  readonly project: TestProject;
  /** `http://localhost:<port>`: the page's origin and the API's. */
  readonly origin: string;
  /** A fresh browser context with `authenticator` attached, on the test page. */
  openPage(authenticator: VirtualAuthenticatorOptions): Promise<AuthenticatorPage>;
  close(): Promise<void>;
}

export interface AuthenticatorPage {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly cdp: CDPSession;
  readonly authenticatorId: string;
}

/** The DevTools protocol's VirtualAuthenticatorOptions (presence is always simulated). */
export interface VirtualAuthenticatorOptions {
  readonly transport: 'usb' | 'internal';
  readonly hasResidentKey: boolean;
}

/**
 * Serves the test page at `/<name>/` and the project's API beside it; `env(origin)` is the project's
 * environment (the relying party's origins and API_EXTERNAL_URL need the origin, known once listening).
 */
export async function startWebAuthnBrowser(engine: EngineName, name: string, env: (origin: string) => Record<string, string>): Promise<WebAuthnBrowser> {
  const page = `<!doctype html><meta charset="utf-8"><title>${name}</title><script src="/${name}/supabase.js"></script><p>ready</p>`;
  let app: TestProject['app'] | undefined;
  const server: Server = createServer((req, res) => {
    if (req.url === `/${name}/`) return res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    if (req.url === `/${name}/supabase.js`) return res.writeHead(200, { 'content-type': 'text/javascript' }).end(SUPABASE_UMD);
    if (!app) return res.writeHead(503).end();
    app.routing(req, res);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  let project: TestProject | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
    await project?.close();
  };
  try {
    project = await createTestProject(engine, { ...env(origin), API_EXTERNAL_URL: `${origin}/auth/v1` });
    app = project.app;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'] });
  } catch (error) {
    await close();
    throw error;
  }
  const opened = browser;
  return {
    project,
    origin,
    close,
    async openPage(authenticator) {
      const context = await opened.newContext();
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable', { enableUI: false });
      const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: { protocol: 'ctap2', ...authenticator, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
      });
      // The test's transpiler names a page function's inner functions with a helper the page lacks.
      await page.addInitScript('window.__name = (fn) => fn');
      await page.goto(`${origin}/${name}/`);
      return { context, page, cdp, authenticatorId };
    },
  };
}
