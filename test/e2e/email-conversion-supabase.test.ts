/**
 * Issue acceptance, end to end with the real client and a real SMTP server: an anonymous visitor fills
 * a cart under RLS, adds email + password, follows the mailed link, and keeps its id and its rows.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { decodeJwt, type TestProject } from '../helpers/project.js';
import { makeClient } from '../helpers/server.js';
import { startMailingProject, verifyLinkOf, type MailingProject, type SmtpServer } from '../helpers/smtp.js';

const cartSql = `
  create table public.cart_items (
    id bigint generated always as identity primary key,
    user_id uuid not null references auth.users (id),
    product text not null
  );
  alter table public.cart_items enable row level security;
  grant select, insert, update, delete on public.cart_items to authenticated;
  create policy "Users can manage their cart" on cart_items for all to authenticated
    using (user_id = auth.uid()) with check (user_id = auth.uid());`;

for (const engine of engines) {
  describe(`anonymous → permanent with supabase-js and real mail (${engine})`, () => {
    let t: TestProject;
    let smtp: SmtpServer;
    let url: string;
    let mailing: MailingProject;
    before(async () => {
      mailing = await startMailingProject(engine, { GOTRUE_SMTP_SENDER_NAME: 'Foyer Test' });
      ({ t, smtp, url } = mailing);
      await t.database.db.execScript(cartSql);
    });
    after(() => mailing.close());

    /** Runs SQL as PostgREST would for the holder of `accessToken`: role authenticated, claims set. */
    const asUser = <T>(accessToken: string, text: string, params: string[] = []) =>
      t.database.db.transaction(async (tx) => {
        await tx.query(`select set_config('request.jwt.claims', $1, true)`, [JSON.stringify(decodeJwt(accessToken))]);
        await tx.query('set local role authenticated');
        return tx.query<T>(text, params);
      });

    it('keeps the user id and the cart rows through email confirmation', async () => {
      const supabase = makeClient(url, t.anonKey);
      const { data: signedIn, error } = await supabase.auth.signInAnonymously({ options: { data: { source: 'e2e' } } });
      assert.equal(error, null);
      const anonymousId = signedIn.user?.id as string;
      const firstToken = signedIn.session?.access_token as string;
      assert.equal(signedIn.user?.is_anonymous, true);

      await asUser(firstToken, `insert into cart_items (user_id, product) values (auth.uid(), 'tea'), (auth.uid(), 'cups')`);

      const email = `visitor-${anonymousId.slice(0, 8)}@example.com`;
      const updated = await supabase.auth.updateUser({ email, password: 'securepassword123' }, { emailRedirectTo: 'http://app.test/welcome' });
      assert.equal(updated.error, null);
      assert.equal(updated.data.user?.new_email, email);
      assert.equal(updated.data.user?.is_anonymous, true);

      assert.equal(smtp.mails.length, 1, 'exactly one mail');
      assert.deepEqual(smtp.mails[0].to, [email]);
      assert.match(smtp.mails[0].raw, /Subject: Confirm Email Change/);
      assert.match(smtp.mails[0].raw, /From: "?Foyer Test"? <auth@foyer\.test>/);
      const link = verifyLinkOf(smtp.mails[0].raw);

      const followed = await fetch(`${url}/auth/v1/verify${link.search}`, { redirect: 'manual' });
      assert.equal(followed.status, 303);
      const landing = new URL(followed.headers.get('location') as string);
      assert.equal(`${landing.origin}${landing.pathname}`, 'http://app.test/welcome');
      const fragment = new URLSearchParams(landing.hash.slice(1));
      const session = await supabase.auth.setSession({
        access_token: fragment.get('access_token') as string,
        refresh_token: fragment.get('refresh_token') as string,
      });
      assert.equal(session.error, null);

      const { data: me } = await supabase.auth.getUser();
      assert.equal(me.user?.id, anonymousId);
      assert.equal(me.user?.is_anonymous, false);
      assert.equal(me.user?.email, email);
      assert.equal(me.user?.identities?.length, 1);
      assert.equal(me.user?.identities?.[0].provider, 'email');

      const refreshed = await supabase.auth.refreshSession();
      assert.equal(refreshed.error, null);
      assert.equal(decodeJwt(refreshed.data.session?.access_token as string).is_anonymous, false);

      const passwordClient = makeClient(url, t.anonKey);
      const login = await passwordClient.auth.signInWithPassword({ email, password: 'securepassword123' });
      assert.equal(login.error, null);
      assert.equal(login.data.user?.id, anonymousId);

      const cart = await asUser<{ product: string }>(login.data.session?.access_token as string, 'select product from cart_items order by id');
      assert.deepEqual(cart.map((row) => row.product), ['tea', 'cups']);
    });

    it('completes the same conversion with PKCE: the link yields a code only the holder of the verifier can exchange', async () => {
      // supabase-js 2.109 drops its stored code verifier when updateUser saves the returned user, so the
      // app side of the PKCE exchange is done here by hand, exactly as the client would send it.
      const supabase = makeClient(url, t.anonKey);
      const { data: signedIn } = await supabase.auth.signInAnonymously();
      const anonymousId = signedIn.user?.id as string;
      const email = `pkce-${anonymousId.slice(0, 8)}@example.com`;
      const verifier = randomBytes(48).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const api = (path: string, init: RequestInit) =>
        fetch(`${url}/auth/v1${path}`, {
          ...init,
          headers: { 'content-type': 'application/json', 'x-supabase-api-version': '2024-01-01', apikey: t.anonKey, ...init.headers },
        });
      const before = smtp.mails.length;
      const updated = await api('/user?redirect_to=http%3A%2F%2Fapp.test%2Fdone', {
        method: 'PUT',
        headers: { authorization: `Bearer ${signedIn.session?.access_token}` },
        body: JSON.stringify({ email, code_challenge: challenge, code_challenge_method: 's256' }),
      });
      assert.equal(updated.status, 200, await updated.clone().text());
      assert.equal(smtp.mails.length, before + 1);
      const link = verifyLinkOf(smtp.mails[before].raw);
      assert.match(link.searchParams.get('token') ?? '', /^pkce_[0-9a-f]{56}$/);

      const followed = await fetch(`${url}/auth/v1/verify${link.search}`, { redirect: 'manual' });
      assert.equal(followed.status, 303);
      const landing = new URL(followed.headers.get('location') as string);
      assert.equal(`${landing.origin}${landing.pathname}`, 'http://app.test/done');
      const code = landing.searchParams.get('code') as string;
      assert.ok(code, landing.toString());
      assert.equal(landing.hash, '', 'no tokens in the URL of a PKCE flow');

      const exchange = (codeVerifier: string) =>
        api('/token?grant_type=pkce', { method: 'POST', body: JSON.stringify({ auth_code: code, code_verifier: codeVerifier }) });
      const stranger = await exchange(randomBytes(48).toString('base64url'));
      assert.equal(stranger.status, 400);
      assert.equal(((await stranger.json()) as { code: string }).code, 'bad_code_verifier');

      const exchanged = await exchange(verifier);
      assert.equal(exchanged.status, 200);
      const session = (await exchanged.json()) as { access_token: string; user: { id: string; is_anonymous: boolean } };
      assert.equal(session.user.id, anonymousId);
      assert.equal(session.user.is_anonymous, false);
      assert.equal(decodeJwt(session.access_token).is_anonymous, false);
      const replay = await exchange(verifier);
      assert.equal(replay.status, 404, 'a code is exchanged once');
    });
  });
}
