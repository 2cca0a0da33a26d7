/**
 * Passkeys in a real browser: Debian's Chromium (playwright-core) with a virtual platform authenticator
 * (the DevTools protocol's WebAuthn domain: CTAP2, internal transport, resident keys, user verification),
 * on a page served from Foyer's own origin that loads supabase-js's browser build and uses its passkey
 * API unchanged: sign up, register a passkey, sign out, sign in with the passkey, GET /user.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { passkeyEnv } from '../helpers/passkeys.js';
import { decodeJwt, type TestProject } from '../helpers/project.js';
import { startWebAuthnBrowser, type WebAuthnBrowser } from '../helpers/webauthn-browser.js';

interface PageOutcome {
  readonly signUpError: string | null;
  readonly userId: string | undefined;
  readonly registered: { id: string; friendly_name?: string } | null;
  readonly registerError: string | null;
  readonly listed: number;
  readonly afterSignOut: string | null;
  readonly signIn: { access_token: string; user_id: string } | null;
  readonly signInError: string | null;
  readonly email: string | undefined;
}

for (const engine of engines) {
  describe(`passkeys in Chromium with supabase-js (${engine})`, () => {
    let harness: WebAuthnBrowser;
    let t: TestProject;
    let origin: string;

    before(async () => {
      harness = await startWebAuthnBrowser(engine, 'passkey-test', (pageOrigin) => ({ ...passkeyEnv, GOTRUE_WEBAUTHN_RP_ORIGINS: pageOrigin }));
      ({ project: t, origin } = harness);
    });
    after(() => harness?.close());

    it('registers a passkey, signs out, signs in with it and reads the user', { timeout: 45_000 }, async () => {
      // A platform authenticator holding discoverable credentials, as a phone or laptop does.
      const { context, page, cdp, authenticatorId } = await harness.openPage({ transport: 'internal', hasResidentKey: true });

      const outcome = await page.evaluate(
        async ({ url, anonKey }): Promise<PageOutcome> => {
          const { createClient } = (window as unknown as { supabase: typeof import('@supabase/supabase-js') }).supabase;
          const client = createClient(url, anonKey, {
            auth: { experimental: { passkey: true }, persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
          });
          const auth = client.auth as typeof client.auth & Record<string, (...args: unknown[]) => Promise<{ data: unknown; error: { message: string } | null }>>;
          const signedUp = await client.auth.signUp({ email: 'chromium@example.com', password: 'a-Strong-passw0rd' });
          const registered = await auth.registerPasskey();
          const listed = await (client.auth as unknown as { passkey: { list: () => Promise<{ data: unknown[] | null }> } }).passkey.list();
          const signedOut = await client.auth.signOut();
          const signedIn = await auth.signInWithPasskey();
          const session = (signedIn.data as { session?: { access_token: string; user: { id: string } } } | null)?.session;
          const user = await client.auth.getUser();
          return {
            signUpError: signedUp.error?.message ?? null,
            userId: signedUp.data.user?.id,
            registered: registered.data as PageOutcome['registered'],
            registerError: registered.error?.message ?? null,
            listed: listed.data?.length ?? -1,
            afterSignOut: signedOut.error?.message ?? null,
            signIn: session ? { access_token: session.access_token, user_id: session.user.id } : null,
            signInError: signedIn.error?.message ?? null,
            email: user.data.user?.email,
          };
        },
        { url: origin, anonKey: t.anonKey },
      );

      assert.equal(outcome.signUpError, null);
      assert.equal(outcome.registerError, null);
      assert.equal(outcome.registered?.friendly_name, 'Passkey');
      assert.equal(outcome.listed, 1);
      assert.equal(outcome.afterSignOut, null);
      assert.equal(outcome.signInError, null);
      assert.equal(outcome.signIn?.user_id, outcome.userId);
      assert.equal(outcome.email, 'chromium@example.com');
      const claims = decodeJwt(outcome.signIn!.access_token);
      assert.deepEqual((claims.amr as { method: string }[]).map((entry) => entry.method), ['passkey']);
      assert.equal(claims.aal, 'aal1');

      // The authenticator holds a discoverable credential for Foyer's RP id and user handle; Foyer stored it.
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      assert.equal(credentials.length, 1);
      assert.equal(credentials[0].rpId, 'localhost');
      assert.equal(credentials[0].isResidentCredential, true);
      assert.equal(Buffer.from(credentials[0].userHandle ?? '', 'base64').toString(), outcome.userId);
      const [row] = await t.database.db.query<{ id: string; credential_id: string; sign_count: number; last_used_at: string | null }>(
        `select id, encode(credential_id, 'hex') as credential_id, sign_count::int as sign_count, last_used_at
           from auth.webauthn_credentials where user_id = $1`,
        [outcome.userId ?? null],
      );
      assert.equal(row.id, outcome.registered?.id);
      assert.equal(row.credential_id, Buffer.from(credentials[0].credentialId, 'base64').toString('hex'));
      assert.ok(row.last_used_at, 'the sign-in was recorded');
      assert.equal(row.sign_count, credentials[0].signCount);
      await context.close();
    });
  });
}
