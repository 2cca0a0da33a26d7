/**
 * The built-in CAPTCHA end to end in a real browser (Debian's Chromium, playwright-core): a page with the
 * ALTCHA widget (the `altcha` package, unchanged) and supabase-js's browser build signs in anonymously
 * with no challenge while calm, and, while a sign-up spike is forced (FOYER_SECURITY_CAPTCHA_ANONYMOUS=spike),
 * with the token the widget produced by solving Foyer's challenge in the page's workers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { altchaEnv } from '../helpers/altcha.js';
import { engines } from '../helpers/engines.js';
import { seedMany } from '../helpers/ops.js';
import { createTestProject, type TestProject } from '../helpers/project.js';

const CHROMIUM = process.env.FOYER_TEST_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '../..');
const SUPABASE_UMD = readFileSync(resolve(ROOT, 'node_modules/@supabase/supabase-js/dist/umd/supabase.js'));
const ALTCHA_WIDGET = readFileSync(resolve(ROOT, 'node_modules/altcha/dist/main/altcha.umd.cjs'));

/** The app's page: the widget fetches Foyer's challenge; its payload is supabase-js's captchaToken. */
const PAGE = (anonKey: string) => `<!doctype html><meta charset="utf-8"><title>altcha</title>
<script src="/altcha-test/supabase.js"></script>
<script src="/altcha-test/altcha.js"></script>
<altcha-widget id="captcha" challenge="/auth/v1/captcha/challenge" auto="off"></altcha-widget>
<script>
  const client = supabase.createClient(location.origin, ${JSON.stringify(anonKey)}, { auth: { persistSession: false } });
  window.signIn = async (captchaToken) => {
    const { data, error } = await client.auth.signInAnonymously(captchaToken ? { options: { captchaToken } } : undefined);
    return error ? { error: error.code ?? error.message } : { anonymous: data.user.is_anonymous };
  };
  window.needsChallenge = async () => {
    const settings = await (await fetch('/auth/v1/settings')).json();
    return settings.foyer_protections.anonymous_sign_ins.required;
  };
  window.solve = () => new Promise((done, fail) => {
    const widget = document.getElementById('captcha');
    widget.addEventListener('verified', (event) => done(event.detail.payload), { once: true });
    widget.addEventListener('statechange', (event) => { if (event.detail.state === 'error') fail(new Error('the widget failed')); });
    widget.verify();
  });
</script>`;

for (const engine of engines) {
  describe(`the ALTCHA widget and supabase-js in Chromium (${engine})`, () => {
    let t: TestProject;
    let server: Server;
    let browser: Browser;
    let page: Page;
    let origin: string;

    before(async () => {
      let app: TestProject['app'] | undefined;
      let html = '';
      server = createServer((req, res) => {
        if (req.url === '/altcha-test/') return res.writeHead(200, { 'content-type': 'text/html' }).end(html);
        if (req.url === '/altcha-test/supabase.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(SUPABASE_UMD);
        if (req.url === '/altcha-test/altcha.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(ALTCHA_WIDGET);
        if (!app) return res.writeHead(503).end();
        app.routing(req, res);
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      // localhost is a secure context: the widget needs Web Crypto.
      origin = `http://localhost:${(server.address() as AddressInfo).port}`;
      t = await createTestProject(
        engine,
        altchaEnv({ FOYER_SECURITY_CAPTCHA_ANONYMOUS: 'spike', FOYER_ANONYMOUS_SPIKE_MIN_SIGNUPS: '20', FOYER_ANONYMOUS_SPIKE_CHECK_INTERVAL: '1s' }),
      );
      app = t.app;
      html = PAGE(t.anonKey);
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'] });
      page = await browser.newPage();
      page.setDefaultTimeout(30_000);
      await page.goto(`${origin}/altcha-test/`);
    });
    after(async () => {
      await browser?.close();
      server?.closeAllConnections();
      await new Promise<void>((done) => server?.close(() => done()));
      await t?.close();
    });

    it('signs in anonymously without a challenge while calm', { timeout: 60_000 }, async () => {
      assert.equal(await page.evaluate(() => (window as unknown as { needsChallenge(): Promise<boolean> }).needsChallenge()), false);
      assert.deepEqual(await page.evaluate(() => (window as unknown as { signIn(token?: string): Promise<unknown> }).signIn()), { anonymous: true });
    });

    it('while a spike is forced: refused without a token, signed in with the widget’s solution', { timeout: 90_000 }, async () => {
      // A spike: 40 anonymous sign-ups in the last hour against a minimum of 20 and no baseline.
      await seedMany(t.database.db, 40);
      const deadline = Date.now() + 10_000;
      while (!(await page.evaluate(() => (window as unknown as { needsChallenge(): Promise<boolean> }).needsChallenge()))) {
        assert.ok(Date.now() < deadline, 'escalation did not turn on');
        await new Promise((done) => setTimeout(done, 200));
      }
      assert.deepEqual(await page.evaluate(() => (window as unknown as { signIn(token?: string): Promise<unknown> }).signIn()), { error: 'captcha_failed' });
      const token = await page.evaluate(() => (window as unknown as { solve(): Promise<string> }).solve());
      const payload = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
      // Solved in the page: Foyer's own challenge at a raised difficulty (41 sign-ups in the hour against a
      // threshold of 20: over twice, so twice the configured 200).
      assert.equal(payload.challenge.parameters.data.difficulty, 400);
      assert.deepEqual(await page.evaluate((captchaToken) => (window as unknown as { signIn(token?: string): Promise<unknown> }).signIn(captchaToken), token), {
        anonymous: true,
      });
      // The same solution a second time: used up.
      assert.deepEqual(await page.evaluate((captchaToken) => (window as unknown as { signIn(token?: string): Promise<unknown> }).signIn(captchaToken), token), {
        error: 'captcha_failed',
      });
    });
  });
}
