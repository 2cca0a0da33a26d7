/**
 * WebAuthn MFA factors in a real browser: Debian's Chromium (playwright-core) with a virtual security
 * key (the DevTools protocol's WebAuthn domain: CTAP2 over USB, user verification), on a page served
 * from Foyer's own origin that loads supabase-js's browser build and uses its MFA API unchanged: sign in
 * with a password (aal1), enrol a webauthn factor, challenge and verify it (aal2), sign out, sign in
 * again (aal1, aal2 next), and pass the factor with the key again (aal2).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { engines } from '../helpers/engines.js';
import { mfaWebAuthnEnv } from '../helpers/mfa-webauthn.js';
import { createTestProject, decodeJwt, type TestProject } from '../helpers/project.js';

const CHROMIUM = process.env.FOYER_TEST_CHROMIUM ?? '/usr/bin/chromium';
const SUPABASE_UMD = readFileSync(resolve(import.meta.dirname, '../../node_modules/@supabase/supabase-js/dist/umd/supabase.js'));
const PAGE = `<!doctype html><meta charset="utf-8"><title>mfa</title><script src="/mfa-test/supabase.js"></script><p>ready</p>`;

interface Level {
  readonly currentLevel: string | null;
  readonly nextLevel: string | null;
}

interface PageOutcome {
  readonly errors: Record<string, string | null>;
  readonly userId: string | undefined;
  readonly factorId: string | undefined;
  readonly challengeType: string | undefined;
  readonly levels: Record<string, Level | null>;
  readonly verifiedToken: string | undefined;
  readonly authenticatedToken: string | undefined;
  readonly factors: { factor_type: string; status: string; friendly_name?: string }[];
}

for (const engine of engines) {
  describe(`WebAuthn MFA in Chromium with supabase-js (${engine})`, () => {
    let t: TestProject;
    let server: Server;
    let browser: Browser;
    let origin: string;

    before(async () => {
      // The page and the API on one origin: WebAuthn needs a domain (localhost), not an IP address.
      let app: TestProject['app'] | undefined;
      server = createServer((req, res) => {
        if (req.url === '/mfa-test/') return res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
        if (req.url === '/mfa-test/supabase.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(SUPABASE_UMD);
        if (!app) return res.writeHead(503).end();
        app.routing(req, res);
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      origin = `http://localhost:${(server.address() as AddressInfo).port}`;
      t = await createTestProject(engine, {
        ...mfaWebAuthnEnv,
        GOTRUE_MAILER_AUTOCONFIRM: 'true',
        GOTRUE_WEBAUTHN_RP_ORIGINS: origin,
        API_EXTERNAL_URL: `${origin}/auth/v1`,
      });
      app = t.app;
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'] });
    });
    after(async () => {
      await browser?.close();
      server?.closeAllConnections();
      await new Promise<void>((done) => server?.close(() => done()));
      await t?.close();
    });

    it('enrols a security key as a second factor, reaches aal2, and passes it again after signing in anew', { timeout: 60_000 }, async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable', { enableUI: false });
      const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: false, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
      });
      // The test's transpiler names the page function's inner functions with a helper the page lacks.
      await page.addInitScript('window.__name = (fn) => fn');
      await page.goto(`${origin}/mfa-test/`);

      const outcome = await page.evaluate(
        async ({ url, anonKey }): Promise<PageOutcome> => {
          const { createClient } = (window as unknown as { supabase: typeof import('@supabase/supabase-js') }).supabase;
          const client = createClient(url, anonKey, { auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false } });
          const credentials = { email: 'mfa-chromium@example.com', password: 'a-Strong-passw0rd' };
          const errors: Record<string, string | null> = {};
          const levels: Record<string, Level | null> = {};
          const level = async (name: string) => {
            const { data, error } = await client.auth.mfa.getAuthenticatorAssuranceLevel();
            errors[`level ${name}`] = error?.message ?? null;
            levels[name] = data ? { currentLevel: data.currentLevel, nextLevel: data.nextLevel } : null;
          };

          const signedUp = await client.auth.signUp(credentials);
          errors.signUp = signedUp.error?.message ?? null;
          await level('signedUp');
          const enrolled = await client.auth.mfa.enroll({ factorType: 'webauthn', friendlyName: 'usb key' });
          errors.enroll = enrolled.error?.message ?? null;
          const factorId = enrolled.data?.id;
          // What an app passes (the page's host and origin); the relying party is Foyer's configured one.
          const webauthn = { rpId: window.location.hostname, rpOrigins: [window.location.origin] };
          const challenged = await client.auth.mfa.webauthn.challenge({ factorId: factorId as string, webauthn });
          errors.challenge = challenged.error?.message ?? null;
          const verified = challenged.data
            ? await client.auth.mfa.webauthn.verify({
                factorId: factorId as string,
                challengeId: challenged.data.challengeId,
                webauthn: challenged.data.webauthn as never,
              })
            : null;
          errors.verify = verified?.error?.message ?? null;
          await level('verified');

          errors.signOut = (await client.auth.signOut()).error?.message ?? null;
          errors.signIn = (await client.auth.signInWithPassword(credentials)).error?.message ?? null;
          await level('signedIn');
          const authenticated = await client.auth.mfa.webauthn.authenticate({ factorId: factorId as string });
          errors.authenticate = authenticated.error?.message ?? null;
          await level('authenticated');
          const factors = await client.auth.mfa.listFactors();
          return {
            errors,
            userId: signedUp.data.user?.id,
            factorId,
            challengeType: challenged.data?.webauthn.type,
            levels,
            verifiedToken: (verified?.data as { access_token?: string } | null)?.access_token,
            authenticatedToken: (authenticated.data as { access_token?: string } | null)?.access_token,
            factors: (factors.data?.all ?? []) as PageOutcome['factors'],
          };
        },
        { url: origin, anonKey: t.anonKey },
      );

      for (const [step, error] of Object.entries(outcome.errors)) assert.equal(error, null, `${step}: ${error}`);
      assert.equal(outcome.challengeType, 'create');
      assert.deepEqual(outcome.levels.signedUp, { currentLevel: 'aal1', nextLevel: 'aal1' });
      assert.deepEqual(outcome.levels.verified, { currentLevel: 'aal2', nextLevel: 'aal2' });
      assert.deepEqual(outcome.levels.signedIn, { currentLevel: 'aal1', nextLevel: 'aal2' });
      assert.deepEqual(outcome.levels.authenticated, { currentLevel: 'aal2', nextLevel: 'aal2' });
      assert.deepEqual(outcome.factors.map((factor) => [factor.factor_type, factor.status, factor.friendly_name]), [['webauthn', 'verified', 'usb key']]);
      for (const token of [outcome.verifiedToken, outcome.authenticatedToken]) {
        assert.deepEqual((decodeJwt(token as string).amr as { method: string }[]).map((entry) => entry.method), ['mfa/webauthn', 'password']);
      }

      // The key holds the credential for Foyer's RP id; the factor stored it (GoTrue's JSON) and its counter.
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      assert.equal(credentials.length, 1);
      assert.equal(credentials[0].rpId, 'localhost');
      const [row] = await t.database.db.query<{ credential: { id: string; authenticator: { signCount: number } } }>(
        'select web_authn_credential as credential from auth.mfa_factors where id = $1',
        [outcome.factorId ?? null],
      );
      assert.equal(Buffer.from(row.credential.id, 'base64').toString('base64'), Buffer.from(credentials[0].credentialId, 'base64').toString('base64'));
      assert.equal(row.credential.authenticator.signCount, credentials[0].signCount);
      await context.close();
    });
  });
}
