/**
 * WebAuthn MFA factors in a real browser: Debian's Chromium (playwright-core) with a virtual security
 * key (the DevTools protocol's WebAuthn domain: CTAP2 over USB, user verification), on a page served
 * from Foyer's own origin that loads supabase-js's browser build and uses its MFA API unchanged: sign in
 * with a password (aal1), enrol a webauthn factor, challenge and verify it (aal2), sign out, sign in
 * again (aal1, aal2 next), and pass the factor with the key again (aal2).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { mfaWebAuthnEnv } from '../helpers/mfa-webauthn.js';
import { decodeJwt, type TestProject } from '../helpers/project.js';
import { startWebAuthnBrowser, type WebAuthnBrowser } from '../helpers/webauthn-browser.js';

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
    let harness: WebAuthnBrowser;
    let t: TestProject;
    let origin: string;

    before(async () => {
      harness = await startWebAuthnBrowser(engine, 'mfa-test', (pageOrigin) => ({
        ...mfaWebAuthnEnv,
        GOTRUE_MAILER_AUTOCONFIRM: 'true',
        GOTRUE_WEBAUTHN_RP_ORIGINS: pageOrigin,
      }));
      ({ project: t, origin } = harness);
    });
    after(() => harness?.close());

    it('enrols a security key as a second factor, reaches aal2, and passes it again after signing in anew', { timeout: 60_000 }, async () => {
      // A roaming security key (USB) without discoverable credentials: a second factor, not a passkey.
      const { context, page, cdp, authenticatorId } = await harness.openPage({ transport: 'usb', hasResidentKey: false });

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
