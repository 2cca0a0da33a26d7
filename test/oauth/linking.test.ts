/**
 * OAuth linking against a real OpenID Connect provider (oidc-provider on 127.0.0.1) and Foyer as a real
 * listening server the provider redirects to: /user/identities/authorize → provider login and consent →
 * /callback → implicit tokens or ?code= and POST /token?grant_type=pkce; conflicts, races and state rules.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import {
  APP_REDIRECT,
  SITE_URL,
  bearer,
  completeAtProvider,
  fragment,
  getUser,
  linkThroughProvider,
  linkUrl,
  newAccount,
  pkcePair,
  refresh,
  startHarness,
  stopHarness,
  type Harness,
} from '../helpers/oauth-harness.js';
import { decodeJwt, signUpAnonymously, versionHeaders } from '../helpers/project.js';

for (const engine of engines) {
  describe(`OAuth linking with a real OpenID Connect provider (${engine})`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(engine, { GOTRUE_SECURITY_MANUAL_LINKING_ENABLED: 'true', GOTRUE_URI_ALLOW_LIST: 'http://localhost:3000/**' });
    });
    after(() => stopHarness(h));

    it('links a verified provider account to an anonymous user: same id, permanent, one identity', async () => {
      const anon = await signUpAnonymously(h.t.app, { cart: 'kept' });
      const account = newAccount(h);
      const { status, location } = await linkThroughProvider(h, anon.access_token, account);
      assert.equal(status, 302);
      assert.equal(`${location.origin}${location.pathname}`, APP_REDIRECT, 'the allowed redirect_to is honoured');
      const tokens = fragment(location);
      assert.equal(tokens.get('token_type'), 'bearer');
      assert.ok(tokens.get('provider_token'), 'the provider access token is handed over');
      const accessToken = tokens.get('access_token') as string;
      const claims = decodeJwt(accessToken);
      assert.equal(claims.sub, anon.user.id);
      assert.equal(claims.is_anonymous, false);
      assert.equal(claims.email, `${account}@example.com`);
      assert.deepEqual((claims.amr as { method: string }[]).map((entry) => entry.method), ['oauth']);

      const { body: user } = await getUser(h, accessToken);
      assert.equal(user.id, anon.user.id);
      assert.equal(user.is_anonymous, false);
      assert.equal(user.email, `${account}@example.com`);
      assert.ok(user.email_confirmed_at);
      assert.deepEqual(user.user_metadata.cart, 'kept');
      assert.equal(user.user_metadata.email_verified, true);
      assert.deepEqual(user.app_metadata, { provider: 'oidc', providers: ['oidc'] });
      assert.equal(user.identities.length, 1);
      assert.equal(user.identities[0].provider, 'oidc');
      assert.equal(user.identities[0].id, account);
      assert.equal(user.identities[0].identity_data.email, `${account}@example.com`);
      assert.equal(user.identities[0].identity_data.iss, h.idp.issuer);

      // The anonymous session lives on; its next refresh already says permanent.
      const refreshed = await refresh(h, anon.refresh_token);
      assert.equal(decodeJwt(refreshed.access_token).is_anonymous, false);
      assert.equal(refreshed.user.id, anon.user.id);

      const audit = await h.t.database.db.query<{ action: string; traits: Record<string, unknown> }>(
        `select payload->>'action' as action, payload->'traits' as traits from auth.audit_log_entries
          where payload->>'actor_id' = $1 order by created_at`,
        [anon.user.id],
      );
      const linked = audit.find((entry) => entry.action === 'identity_linked');
      assert.ok(linked, JSON.stringify(audit));
      assert.equal(linked.traits.provider, 'oidc');
      assert.equal(linked.traits.provider_id, account);
      assert.ok(audit.some((entry) => entry.action === 'user_converted'));
    });

    it('refuses to link a provider account that another user already has, and keeps that user’s session', async () => {
      const first = await signUpAnonymously(h.t.app);
      const account = newAccount(h);
      assert.equal((await linkThroughProvider(h, first.access_token, account)).status, 302);

      const second = await signUpAnonymously(h.t.app);
      const { status, location } = await linkThroughProvider(h, second.access_token, account);
      assert.equal(status, 302);
      assert.equal(`${location.origin}${location.pathname}`, APP_REDIRECT);
      assert.equal(location.searchParams.get('error_code'), 'identity_already_exists');
      assert.equal(location.searchParams.get('error_description'), 'Identity is already linked to another user');
      assert.equal(location.searchParams.get('error'), 'server_error');
      assert.equal(fragment(location).get('error_code'), 'identity_already_exists');

      const still = await getUser(h, second.access_token);
      assert.equal(still.status, 200);
      assert.equal(still.body.is_anonymous, true);
      assert.deepEqual(still.body.identities, []);
      assert.equal(decodeJwt((await refresh(h, second.refresh_token)).access_token).is_anonymous, true);

      // The same user linking the same account again: "already linked".
      const again = await linkThroughProvider(h, (await refresh(h, first.refresh_token)).access_token, account);
      assert.equal(again.location.searchParams.get('error_description'), 'Identity is already linked');
    });

    it('takes no address that another user owns: email_exists, nothing linked', async () => {
      const account = newAccount(h);
      const created = await h.t.app.inject({
        method: 'POST',
        url: '/auth/v1/admin/users',
        headers: { ...versionHeaders, authorization: `Bearer ${h.t.serviceRoleKey}` },
        payload: { email: `${account}@example.com`, password: 'owner-password', email_confirm: true },
      });
      assert.equal(created.statusCode, 200, created.body);
      const anon = await signUpAnonymously(h.t.app);
      const { location } = await linkThroughProvider(h, anon.access_token, account);
      assert.equal(location.searchParams.get('error_code'), 'email_exists');
      assert.equal(location.searchParams.get('error'), 'invalid_request');
      const user = await getUser(h, anon.access_token);
      assert.equal(user.body.is_anonymous, true);
      assert.deepEqual(user.body.identities, []);
    });

    it('two anonymous users linking the same address at once: exactly one wins, the other gets email_exists', async () => {
      const email = `shared-${randomBytes(4).toString('hex')}@example.com`;
      const users = [await signUpAnonymously(h.t.app), await signUpAnonymously(h.t.app)];
      // Both go through the provider first (two provider accounts with one address), then hit /callback together.
      const callbacks = [];
      for (const user of users) {
        const response = await linkUrl(h, user.access_token);
        const { url } = (await response.json()) as { url: string };
        callbacks.push(await h.idp.authorize(url, newAccount(h, { email })));
      }
      const results = await Promise.all(
        callbacks.map(async (callback) => new URL((await fetch(callback, { redirect: 'manual' })).headers.get('location') as string)),
      );
      const codes = results.map((location) => location.searchParams.get('error_code')).sort();
      assert.deepEqual(codes, ['email_exists', null], JSON.stringify(results.map(String)));
      const states = await Promise.all(users.map((user) => getUser(h, user.access_token)));
      assert.deepEqual(states.map((state) => state.status), [200, 200], 'both keep their sessions');
      assert.deepEqual(states.map((state) => state.body.is_anonymous).sort(), [false, true]);
      const owners = await h.t.database.db.query<{ n: number }>('select count(*)::int as n from auth.users where email = $1', [email]);
      assert.equal(owners[0].n, 1);
    });

    it('with an unverified provider email: linked, confirmation mailed, still anonymous, email_not_confirmed (GoTrue)', async () => {
      const account = newAccount(h, { email_verified: false });
      const anon = await signUpAnonymously(h.t.app);
      const { location } = await linkThroughProvider(h, anon.access_token, account);
      assert.equal(location.searchParams.get('error_code'), 'email_not_confirmed');
      assert.match(location.searchParams.get('error_description') as string, /^Unverified email with oidc/);
      const user = await getUser(h, anon.access_token);
      assert.equal(user.body.is_anonymous, true);
      assert.equal(user.body.email, `${account}@example.com`);
      assert.equal(user.body.email_confirmed_at, undefined);
      assert.equal(user.body.identities.length, 1);
      const mail = await h.t.database.db.query<{ n: number }>(
        `select count(*)::int as n from auth.foyer_mail_outbox where lower(recipient) = $1 and kind = 'confirmation'`,
        [`${account}@example.com`],
      );
      assert.equal(mail[0].n, 1);
    });

    it('PKCE: ?code= then grant_type=pkce gives the session; a wrong verifier, a replay and an old code are refused', async () => {
      const anon = await signUpAnonymously(h.t.app);
      const account = newAccount(h);
      const { verifier, challenge } = pkcePair();
      const { status, location } = await linkThroughProvider(h, anon.access_token, account, {
        code_challenge: challenge,
        code_challenge_method: 's256',
      });
      assert.equal(status, 302);
      assert.equal(location.hash, '', 'no tokens in the URL with PKCE');
      const code = location.searchParams.get('code') as string;
      assert.match(code, /^[0-9a-f-]{36}$/);

      const exchange = (authCode: string, codeVerifier: string) =>
        h.t.app.inject({
          method: 'POST',
          url: '/auth/v1/token?grant_type=pkce',
          headers: versionHeaders,
          payload: { auth_code: authCode, code_verifier: codeVerifier },
        });
      const wrong = await exchange(code, pkcePair().verifier);
      assert.equal(wrong.statusCode, 400);
      assert.equal(wrong.json().code, 'bad_code_verifier');

      const good = await exchange(code, verifier);
      assert.equal(good.statusCode, 200, good.body);
      const session = good.json();
      assert.equal(session.user.id, anon.user.id);
      assert.equal(session.user.is_anonymous, false);
      assert.equal(decodeJwt(session.access_token).is_anonymous, false);
      assert.ok(session.provider_token);
      const left = await h.t.database.db.query<{ n: number }>('select count(*)::int as n from auth.flow_state where auth_code = $1', [code]);
      assert.equal(left[0].n, 0, 'the flow is deleted once exchanged');

      const replay = await exchange(code, verifier);
      assert.equal(replay.statusCode, 404);
      assert.equal(replay.json().code, 'flow_state_not_found');
      assert.equal((await exchange(randomBytes(16).toString('hex'), verifier)).json().code, 'flow_state_not_found');
      const empty = await exchange('', verifier);
      assert.equal(empty.statusCode, 400);
      assert.equal(empty.json().code, 'validation_failed');

      // A code older than 300 s.
      const other = await signUpAnonymously(h.t.app);
      const pair = pkcePair();
      const late = await linkThroughProvider(h, other.access_token, newAccount(h), { code_challenge: pair.challenge, code_challenge_method: 'S256' });
      const lateCode = late.location.searchParams.get('code') as string;
      await h.t.database.db.query(`update auth.flow_state set created_at = now() - interval '301 seconds' where auth_code = $1`, [lateCode]);
      const expired = await exchange(lateCode, pair.verifier);
      assert.equal(expired.statusCode, 422);
      assert.equal(expired.json().code, 'flow_state_expired');
    });

    it('answers a forged, replayed, expired or missing state with a 303 to SITE_URL carrying bad_oauth_state', async () => {
      const expectBadState = (response: Response, code = 'bad_oauth_state') => {
        assert.equal(response.status, 303);
        const location = new URL(response.headers.get('location') as string);
        assert.equal(`${location.origin}${location.pathname}`, `${SITE_URL}/`);
        assert.equal(location.searchParams.get('error'), 'invalid_request');
        assert.equal(location.searchParams.get('error_code'), code);
        assert.ok(location.searchParams.get('error_description'));
      };
      expectBadState(await fetch(`${h.api}/callback?state=${crypto.randomUUID()}&code=forged`, { redirect: 'manual' }));
      expectBadState(await fetch(`${h.api}/callback?state=not-a-uuid&code=forged`, { redirect: 'manual' }));
      expectBadState(await fetch(`${h.api}/callback?code=forged`, { redirect: 'manual' }), 'bad_oauth_callback');
      expectBadState(
        await fetch(`${h.api}/callback`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ state: crypto.randomUUID(), code: 'forged' }),
        }),
      );

      // Replayed: the provider's callback URL used twice.
      const anon = await signUpAnonymously(h.t.app);
      const first = await linkThroughProvider(h, anon.access_token, newAccount(h));
      assert.equal(first.status, 302);
      expectBadState(await fetch(first.callback, { redirect: 'manual' }));

      // The provider's own error (the user cancelled) reaches the app as it came; the flow is over.
      const cancelled = await signUpAnonymously(h.t.app);
      const cancelUrl = new URL(((await (await linkUrl(h, cancelled.access_token)).json()) as { url: string }).url);
      const cancelState = cancelUrl.searchParams.get('state') as string;
      const cancel = await fetch(`${h.api}/callback?state=${cancelState}&error=access_denied&error_description=User+cancelled`, {
        redirect: 'manual',
      });
      assert.equal(cancel.status, 302);
      const cancelLocation = new URL(cancel.headers.get('location') as string);
      assert.equal(`${cancelLocation.origin}${cancelLocation.pathname}`, APP_REDIRECT);
      assert.equal(cancelLocation.searchParams.get('error'), 'access_denied');
      assert.equal(cancelLocation.searchParams.get('error_description'), 'User cancelled');
      expectBadState(await fetch(`${h.api}/callback?state=${cancelState}&code=late`, { redirect: 'manual' }));

      // Expired: the provider answered after more than 300 s.
      const slow = await signUpAnonymously(h.t.app);
      const response = await linkUrl(h, slow.access_token);
      const { url } = (await response.json()) as { url: string };
      const state = new URL(url).searchParams.get('state') as string;
      await h.t.database.db.query(`update auth.flow_state set created_at = now() - interval '301 seconds' where id = $1`, [state]);
      const callback = await h.idp.authorize(url, newAccount(h));
      expectBadState(await fetch(callback, { redirect: 'manual' }));
      assert.equal((await getUser(h, slow.access_token)).body.is_anonymous, true);
    });

    it('checks the request: provider, PKCE parameters, redirect_to outside the allow-list, and 302 without skip_http_redirect', async () => {
      const anon = await signUpAnonymously(h.t.app);
      const unknown = await linkUrl(h, anon.access_token, { provider: 'myspace' });
      assert.equal(unknown.status, 400);
      const body = (await unknown.json()) as { code: string; message: string };
      assert.equal(body.code, 'validation_failed');
      assert.match(body.message, /^Unsupported provider: /);
      const disabled = await linkUrl(h, anon.access_token, { provider: 'google' });
      assert.equal(disabled.status, 400);
      assert.equal(((await linkUrl(h, anon.access_token, { code_challenge: 'short', code_challenge_method: 's256' })).status), 400);
      assert.equal((await linkUrl(h, anon.access_token, { code_challenge: pkcePair().challenge })).status, 400);
      const noAuth = await fetch(`${h.api}/user/identities/authorize?provider=oidc`, { headers: versionHeaders });
      assert.equal(noAuth.status, 401);

      const redirect = await fetch(`${h.api}/user/identities/authorize?provider=oidc&prompt=login`, {
        headers: bearer(anon.access_token),
        redirect: 'manual',
      });
      assert.equal(redirect.status, 302);
      const providerUrl = new URL(redirect.headers.get('location') as string);
      assert.equal(providerUrl.origin, h.idp.issuer);
      assert.equal(providerUrl.searchParams.get('prompt'), 'login', 'extra parameters reach the provider');
      assert.equal(providerUrl.searchParams.get('code_challenge_method'), 'S256', 'Foyer uses PKCE towards the provider');
      assert.ok(providerUrl.searchParams.get('nonce'));
      assert.equal(providerUrl.searchParams.get('redirect_uri'), `${h.api}/callback`);

      // redirect_to outside SITE_URL and the allow-list: the flow ends at SITE_URL.
      const foreign = await linkThroughProvider(h, anon.access_token, newAccount(h), { redirect_to: 'https://evil.example/steal' });
      assert.equal(foreign.location.origin, SITE_URL);
    });

    it('GET /authorize signs up (no linking target) and signs in the same identity again', async () => {
      const account = newAccount(h);
      const start = async () => {
        const response = await fetch(`${h.api}/authorize?provider=oidc&redirect_to=${encodeURIComponent(APP_REDIRECT)}`, { redirect: 'manual' });
        assert.equal(response.status, 302);
        return completeAtProvider(h, response.headers.get('location') as string, account);
      };
      const first = fragment((await start()).location);
      const claims = decodeJwt(first.get('access_token') as string);
      assert.equal(claims.is_anonymous, false);
      assert.equal(claims.email, `${account}@example.com`);
      const second = fragment((await start()).location);
      assert.equal(decodeJwt(second.get('access_token') as string).sub, claims.sub);
    });
  });
}
