/**
 * Every provider of the catalogue against its local stand-in (test/helpers/provider-fakes.ts), through
 * the real supabase-js behind an /auth/v1-stripping gateway, on both engines: a sign-in
 * (signInWithOAuth → provider → /callback → exchangeCodeForSession) recording the identity_data GoTrue
 * records, and an anonymous user's link (linkIdentity) keeping its id. Then the attacks on the flow:
 * a forged state, a replayed callback and code, a wrong PKCE verifier, an identity of another user.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Provider } from '@supabase/supabase-js';
import { engines } from '../helpers/engines.js';
import { fixture, fixtures } from '../helpers/provider-fixtures.js';
import { APP_REDIRECT, assertIdentityData, browse, client, landingError, newAccount, startProviderBench, type ProviderBench } from '../helpers/provider-harness.js';
import { versionHeaders } from '../helpers/project.js';

for (const engine of engines) {
  describe(`every OAuth provider GoTrue ships, through supabase-js (${engine})`, () => {
    let bench: ProviderBench;
    before(async () => {
      bench = await startProviderBench(engine);
    });
    after(() => bench.close());

    it('lists every provider under `external` in /settings', async () => {
      const settings = (await (await fetch(`${bench.origin}/auth/v1/settings`, { headers: { apikey: bench.t.anonKey } })).json()) as { external: Record<string, boolean> };
      for (const { name } of fixtures) assert.equal(settings.external[name], true, name);
      assert.equal(settings.external.apple, true);
    });

    for (const provider of fixtures) {
      it(`${provider.name}: signs in and records GoTrue's identity_data`, async () => {
        const supabase = client(bench);
        const account = newAccount();
        bench.fakes.queue(provider, account);
        const started = await supabase.auth.signInWithOAuth({
          provider: provider.name as Provider,
          options: { skipBrowserRedirect: true, redirectTo: APP_REDIRECT, queryParams: provider.authorizeQuery },
        });
        assert.equal(started.error, null);
        const landing = await browse(bench, started.data.url as string);
        assert.equal(`${landing.origin}${landing.pathname}`, APP_REDIRECT, landing.href);
        const code = landing.searchParams.get('code');
        assert.ok(code, landing.href);
        const session = await supabase.auth.exchangeCodeForSession(code);
        assert.equal(session.error, null);
        const user = session.data.user;
        assert.ok(user);
        assert.equal(user.email, account.email);
        assert.equal(user.app_metadata.provider, provider.name);
        assert.equal(user.identities?.length, 1);
        const identity = user.identities?.[0];
        assert.equal(identity?.provider, provider.name);
        assertIdentityData(identity?.identity_data ?? {}, provider, account, bench.fakes.baseUrl(provider));
        assert.ok(session.data.session?.provider_token, 'the provider access token is handed over');
      });

      it(`${provider.name}: an anonymous user links it and stays the same user`, async () => {
        const supabase = client(bench);
        const anonymous = await supabase.auth.signInAnonymously();
        assert.equal(anonymous.error, null);
        const userId = anonymous.data.user?.id;
        const account = newAccount();
        bench.fakes.queue(provider, account);
        const linking = await supabase.auth.linkIdentity({
          provider: provider.name as Provider,
          options: { skipBrowserRedirect: true, redirectTo: APP_REDIRECT, queryParams: provider.authorizeQuery },
        });
        assert.equal(linking.error, null);
        const landing = await browse(bench, linking.data.url as string);
        const code = landing.searchParams.get('code');
        assert.ok(code, landing.href);
        const session = await supabase.auth.exchangeCodeForSession(code);
        assert.equal(session.error, null);
        assert.equal(session.data.user?.id, userId);
        assert.equal(session.data.user?.is_anonymous, false);
        assert.equal(session.data.user?.email, account.email);
        assert.deepEqual(session.data.user?.identities?.map((entry) => entry.provider), [provider.name]);
      });
    }

    it('refuses a callback whose state belongs to no flow', async () => {
      const supabase = client(bench);
      bench.fakes.queue(fixture('discord'), newAccount());
      const started = await supabase.auth.signInWithOAuth({ provider: 'discord', options: { skipBrowserRedirect: true, redirectTo: APP_REDIRECT } });
      const toProvider = await fetch(started.data.url as string, { redirect: 'manual' });
      const atProvider = await fetch(toProvider.headers.get('location') as string, { redirect: 'manual' });
      const callback = new URL(atProvider.headers.get('location') as string);
      callback.searchParams.set('state', randomUUID());
      const forged = await fetch(callback, { redirect: 'manual' });
      assert.equal(forged.status, 303);
      assert.equal(landingError(new URL(forged.headers.get('location') as string)).code, 'bad_oauth_state');
    });

    it('takes a callback once: a replayed callback and a replayed code are refused', async () => {
      const supabase = client(bench);
      bench.fakes.queue(fixture('gitlab'), newAccount());
      const started = await supabase.auth.signInWithOAuth({ provider: 'gitlab', options: { skipBrowserRedirect: true, redirectTo: APP_REDIRECT } });
      const toProvider = await fetch(started.data.url as string, { redirect: 'manual' });
      const atProvider = await fetch(toProvider.headers.get('location') as string, { redirect: 'manual' });
      const callback = atProvider.headers.get('location') as string;
      const first = await fetch(callback, { redirect: 'manual' });
      const code = new URL(first.headers.get('location') as string).searchParams.get('code') as string;
      assert.ok(code);
      const replayed = await fetch(callback, { redirect: 'manual' });
      assert.equal(landingError(new URL(replayed.headers.get('location') as string)).code, 'bad_oauth_state');
      assert.equal((await supabase.auth.exchangeCodeForSession(code)).error, null);
      const again = await supabase.auth.exchangeCodeForSession(code);
      assert.ok(again.error, 'the auth code works once');
    });

    it('refuses the code exchange with another PKCE verifier', async () => {
      const supabase = client(bench);
      bench.fakes.queue(fixture('x'), newAccount());
      const started = await supabase.auth.signInWithOAuth({ provider: 'x' as Provider, options: { skipBrowserRedirect: true, redirectTo: APP_REDIRECT } });
      const landing = await browse(bench, started.data.url as string);
      const response = await fetch(`${bench.origin}/auth/v1/token?grant_type=pkce`, {
        method: 'POST',
        headers: { ...versionHeaders, apikey: bench.t.anonKey },
        body: JSON.stringify({ auth_code: landing.searchParams.get('code'), code_verifier: 'another-verifier-that-is-long-enough-to-be-valid-0123' }),
      });
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { code: string }).code, 'bad_code_verifier');
    });

    it('refuses to link an identity that belongs to another user, and the anonymous session lives on', async () => {
      const account = newAccount();
      const owner = client(bench);
      bench.fakes.queue(fixture('twitch'), account);
      const signIn = await owner.auth.signInWithOAuth({ provider: 'twitch', options: { skipBrowserRedirect: true, redirectTo: APP_REDIRECT } });
      const ownerLanding = await browse(bench, signIn.data.url as string);
      assert.equal((await owner.auth.exchangeCodeForSession(ownerLanding.searchParams.get('code') as string)).error, null);

      const supabase = client(bench);
      const anonymous = await supabase.auth.signInAnonymously();
      bench.fakes.queue(fixture('twitch'), account);
      const linking = await supabase.auth.linkIdentity({ provider: 'twitch', options: { skipBrowserRedirect: true, redirectTo: APP_REDIRECT } });
      const landing = await browse(bench, linking.data.url as string);
      assert.equal(landingError(landing).code, 'identity_already_exists');
      const still = await supabase.auth.getUser(anonymous.data.session?.access_token);
      assert.equal(still.error, null);
      assert.equal(still.data.user?.id, anonymous.data.user?.id);
      assert.equal(still.data.user?.is_anonymous, true);
      assert.deepEqual(still.data.user?.identities ?? [], []);
    });
  });
}
