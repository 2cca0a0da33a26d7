/**
 * The rest of linking with a real OpenID Connect provider: POST /token?grant_type=id_token with
 * link_identity, DELETE /user/identities/{id}, GET /settings, and GOTRUE_SECURITY_MANUAL_LINKING_ENABLED off.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import {
  bearer,
  fragment,
  getUser,
  idTokenFor,
  linkThroughProvider,
  linkUrl,
  newAccount,
  startHarness,
  stopHarness,
  type Harness,
} from '../helpers/oauth-harness.js';
import { decodeJwt, signUpAnonymously, versionHeaders } from '../helpers/project.js';

for (const engine of engines) {
  describe(`Identities: id_token linking, unlinking, settings (${engine})`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(engine, { GOTRUE_SECURITY_MANUAL_LINKING_ENABLED: 'true', GOTRUE_URI_ALLOW_LIST: 'http://localhost:3000/**' });
    });
    after(() => stopHarness(h));

    it('POST /token?grant_type=id_token with link_identity links to the Bearer user (nonce checked)', async () => {
      const anon = await signUpAnonymously(h.t.app);
      const account = newAccount(h);
      const rawNonce = randomBytes(16).toString('hex');
      const idToken = await idTokenFor(h, account, rawNonce);
      const grant = (payload: Record<string, unknown>, token = anon.access_token) =>
        h.t.app.inject({ method: 'POST', url: '/auth/v1/token?grant_type=id_token', headers: bearer(token), payload });

      const badNonce = await grant({ provider: 'oidc', id_token: idToken, nonce: 'not-the-nonce', link_identity: true });
      assert.equal(badNonce.statusCode, 400);
      assert.match(badNonce.json().message, /Nonces mismatch/);
      const noNonce = await grant({ provider: 'oidc', id_token: idToken, link_identity: true });
      assert.equal(noNonce.statusCode, 400);
      const forged = await grant({ provider: 'oidc', id_token: `${idToken.slice(0, -4)}AAAA`, nonce: rawNonce, link_identity: true });
      assert.equal(forged.statusCode, 400);
      assert.match(forged.json().message, /^Bad ID token/);
      assert.equal((await getUser(h, anon.access_token)).body.is_anonymous, true, 'failed attempts change nothing');

      const linked = await grant({ provider: 'oidc', id_token: idToken, nonce: rawNonce, link_identity: true });
      assert.equal(linked.statusCode, 200, linked.body);
      const session = linked.json();
      assert.equal(session.user.id, anon.user.id);
      assert.equal(session.user.is_anonymous, false);
      assert.equal(session.user.identities.length, 1);
      assert.equal(decodeJwt(session.access_token).is_anonymous, false);

      const again = await grant({ provider: 'oidc', id_token: idToken, nonce: rawNonce, link_identity: true }, session.access_token);
      assert.equal(again.statusCode, 422);
      assert.equal(again.json().code, 'identity_already_exists');
      const unknown = await grant({ provider: 'github', id_token: idToken, link_identity: true });
      assert.equal(unknown.statusCode, 400);
    });

    it('DELETE /user/identities/{id}: never the last one, only one’s own; the address and providers follow', async () => {
      const anon = await signUpAnonymously(h.t.app);
      const del = (token: string, id: string) =>
        h.t.app.inject({ method: 'DELETE', url: `/auth/v1/user/identities/${id}`, headers: bearer(token), payload: {} });
      const single = await del(anon.access_token, crypto.randomUUID());
      assert.equal(single.statusCode, 422);
      assert.equal(single.json().code, 'single_identity_not_deletable');
      const badId = await del(anon.access_token, 'nope');
      assert.equal(badId.statusCode, 404);
      assert.equal(badId.json().code, 'validation_failed');

      // A permanent email user links the provider (its own address stays), then unlinks it.
      const email = `owner-${randomBytes(4).toString('hex')}@example.com`;
      await h.t.app.inject({
        method: 'POST',
        url: '/auth/v1/admin/users',
        headers: { ...versionHeaders, authorization: `Bearer ${h.t.serviceRoleKey}` },
        payload: { email, password: 'owner-password', email_confirm: true },
      });
      const login = await h.t.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=password',
        headers: versionHeaders,
        payload: { email, password: 'owner-password' },
      });
      assert.equal(login.statusCode, 200, login.body);
      const linked = await linkThroughProvider(h, login.json().access_token, newAccount(h));
      const token = fragment(linked.location).get('access_token') as string;
      const user = (await getUser(h, token)).body;
      assert.equal(user.email, email, 'a user with an address keeps it');
      assert.deepEqual(user.app_metadata.providers, ['email', 'oidc']);
      const oidcIdentity = user.identities.find((identity: { provider: string }) => identity.provider === 'oidc');

      const foreign = await del(token, crypto.randomUUID());
      assert.equal(foreign.statusCode, 422);
      assert.equal(foreign.json().code, 'identity_not_found');
      const removed = await del(token, oidcIdentity.identity_id);
      assert.equal(removed.statusCode, 200, removed.body);
      assert.deepEqual(removed.json(), {});
      const after = (await getUser(h, token)).body;
      assert.equal(after.identities.length, 1);
      assert.equal(after.email, email);
      assert.deepEqual(after.app_metadata.providers, ['email']);
      assert.equal(after.app_metadata.provider, 'email');
      const last = await del(token, after.identities[0].identity_id);
      assert.equal(last.json().code, 'single_identity_not_deletable');
    });

    it('reports the enabled providers in GET /settings', async () => {
      const settings = (await h.t.app.inject({ method: 'GET', url: '/auth/v1/settings' })).json();
      assert.equal(settings.external.oidc, true);
      assert.equal(settings.external.google, false);
      assert.equal(settings.external.github, false);
    });
  });

  describe(`OAuth linking with manual linking off (${engine})`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(engine, {});
    });
    after(() => stopHarness(h));

    it('answers 404 manual_linking_disabled on /user/identities/*, but id_token linking still works', async () => {
      const anon = await signUpAnonymously(h.t.app);
      const response = await linkUrl(h, anon.access_token);
      assert.equal(response.status, 404);
      assert.equal(((await response.json()) as { code: string }).code, 'manual_linking_disabled');
      const unlink = await h.t.app.inject({
        method: 'DELETE',
        url: `/auth/v1/user/identities/${crypto.randomUUID()}`,
        headers: bearer(anon.access_token),
        payload: {},
      });
      assert.equal(unlink.statusCode, 404);
      assert.equal(unlink.json().code, 'manual_linking_disabled');
      const count = await h.t.database.db.query<{ n: number }>('select count(*)::int as n from auth.flow_state');
      assert.equal(count[0].n, 0);

      const rawNonce = randomBytes(16).toString('hex');
      const idToken = await idTokenFor(h, newAccount(h), rawNonce);
      const linked = await h.t.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=id_token',
        headers: bearer(anon.access_token),
        payload: { provider: 'oidc', id_token: idToken, nonce: rawNonce, link_identity: true },
      });
      assert.equal(linked.statusCode, 200, linked.body);
      assert.equal(linked.json().user.id, anon.user.id);
      assert.equal(linked.json().user.is_anonymous, false);
    });
  });
}
