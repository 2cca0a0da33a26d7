/**
 * SAML SSO end to end with the real supabase-js: signInWithSSO → the test identity provider reads the
 * signed AuthnRequest → it answers with a signed (or encrypted) assertion posted to Foyer's ACS → the
 * redirect carries a PKCE code (exchangeCodeForSession) or the session (implicit flow). The user is an
 * SSO user of provider "sso:<id>" with the mapped attributes, amr sso/saml; an anonymous user's session
 * stays its own (SSO never links). On both engines.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { decodeJwt, versionHeaders } from '../helpers/project.js';
import { postToAcs } from '../helpers/saml-idp.js';
import { DOMAIN, SITE_URL, setUpSso, type SsoSetup } from './harness.js';

for (const engine of engines) {
  describe(`SAML sign-in through supabase-js (${engine})`, () => {
    let s: SsoSetup;
    before(async () => {
      s = await setUpSso(engine, { GOTRUE_SAML_ALLOW_ENCRYPTED_ASSERTIONS: 'true' });
    });
    after(async () => {
      await s?.close();
    });

    it('signs in with signInWithSSO (PKCE): a signed AuthnRequest, a signed assertion, a code, a session', async () => {
      const client = s.client('pkce');
      const { data, error } = await client.auth.signInWithSSO({ domain: DOMAIN, options: { redirectTo: `${SITE_URL}/welcome`, skipBrowserRedirect: true } });
      assert.equal(error, null);
      const request = s.idp.readRequest(data!.url, s.sp.certificatePem);
      assert.equal(request.signatureValid, true, 'the AuthnRequest is signed with the SP key');
      assert.equal(request.issuer, s.sp.entityId);
      assert.equal(request.acsUrl, s.sp.acsUrl);
      assert.equal(request.nameIdFormat, 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
      assert.match(request.id, /^id-[0-9a-f]{40}$/);

      const answer = await s.idp.answer(s.sp, {
        inResponseTo: request.id,
        nameId: 'employee-42',
        attributes: { mail: 'Ada@Example.com', displayName: 'Ada Lovelace', memberOf: ['admins', 'staff'], department: 'R&D' },
      });
      const acs = await postToAcs(s.sp.acsUrl, answer, request.relayState);
      assert.equal(acs.status, 302);
      const target = new URL(acs.location);
      assert.equal(`${target.origin}${target.pathname}`, `${SITE_URL}/welcome`);
      const code = target.searchParams.get('code');
      assert.ok(code, acs.location);

      const exchanged = await client.auth.exchangeCodeForSession(code);
      assert.equal(exchanged.error, null);
      const { session, user } = exchanged.data;
      assert.ok(session && user);
      assert.equal(user.email, 'ada@example.com');
      assert.equal(user.app_metadata.provider, `sso:${s.providerId}`);
      assert.deepEqual(user.app_metadata.providers, [`sso:${s.providerId}`]);
      assert.equal(user.user_metadata.name, 'Ada Lovelace');
      assert.equal(user.user_metadata.iss, s.idp.entityId);
      assert.equal(user.user_metadata.sub, 'employee-42');
      assert.deepEqual(user.user_metadata.custom_claims, { groups: ['admins', 'staff'], plan: 'free' });
      assert.ok(user.email_confirmed_at);
      const identity = user.identities?.find((candidate) => candidate.provider === `sso:${s.providerId}`);
      assert.equal(identity?.id !== undefined, true);
      const claims = decodeJwt(session.access_token);
      assert.deepEqual((claims.amr as { method: string }[]).map((entry) => entry.method), ['sso/saml']);

      const [row] = await s.t.project.deps.db.query<{ is_sso_user: boolean }>('select is_sso_user from auth.users where id = $1', [user.id]);
      assert.equal(row.is_sso_user, true);

      // The same person again: the same user, the identity refreshed.
      const again = await s.client('pkce').auth.signInWithSSO({ providerId: s.providerId, options: { redirectTo: `${SITE_URL}/welcome` } });
      const second = s.idp.readRequest(again.data!.url, s.sp.certificatePem);
      const acs2 = await postToAcs(s.sp.acsUrl, await s.idp.answer(s.sp, { inResponseTo: second.id, nameId: 'employee-42', attributes: { mail: 'ada@example.com', displayName: 'Ada L.' } }), second.relayState);
      assert.equal(acs2.status, 302);
      assert.ok(new URL(acs2.location).searchParams.get('code'));
      const [count] = await s.t.project.deps.db.query<{ n: number }>(`select count(*)::int as n from auth.users where email = 'ada@example.com'`);
      assert.equal(count.n, 1);
    });

    it('implicit flow: the session arrives in the fragment; the response signed instead of the assertion', async () => {
      const client = s.client('implicit');
      const { data } = await client.auth.signInWithSSO({ domain: 'EXAMPLE.com', options: { redirectTo: `${SITE_URL}/done` } });
      const request = s.idp.readRequest(data!.url, s.sp.certificatePem);
      const answer = await s.idp.answer(s.sp, { inResponseTo: request.id, nameId: 'grace@example.com', nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', sign: 'response' });
      const acs = await postToAcs(s.sp.acsUrl, answer, request.relayState);
      assert.equal(acs.status, 302);
      const fragment = new URLSearchParams(new URL(acs.location).hash.slice(1));
      const accessToken = fragment.get('access_token');
      assert.ok(accessToken && fragment.get('refresh_token'), acs.location);
      const { data: got } = await client.auth.getUser(accessToken);
      assert.equal(got.user?.email, 'grace@example.com');
    });

    it("an SSO user's address, phone and password belong to the identity provider: updateUser refuses them (user_sso_managed), metadata still changes", async () => {
      const client = s.client('implicit');
      const { data } = await client.auth.signInWithSSO({ domain: DOMAIN, options: { redirectTo: SITE_URL } });
      const request = s.idp.readRequest(data!.url, s.sp.certificatePem);
      const answer = await s.idp.answer(s.sp, { inResponseTo: request.id, nameId: 'managed-1', attributes: { mail: 'managed@example.com' } });
      const acs = await postToAcs(s.sp.acsUrl, answer, request.relayState);
      const fragment = new URLSearchParams(new URL(acs.location).hash.slice(1));
      const accessToken = fragment.get('access_token');
      const refreshToken = fragment.get('refresh_token');
      assert.ok(accessToken && refreshToken, acs.location);
      await client.auth.setSession({ access_token: accessToken, refresh_token: refreshToken });

      for (const change of [{ password: 'a-long-new-password-1' }, { email: 'other@example.com' }, { phone: '+15550100200' }, { password: 'x' }]) {
        const { error } = await client.auth.updateUser(change);
        assert.equal(error?.status, 422, JSON.stringify(change));
        assert.equal(error?.code, 'user_sso_managed', JSON.stringify(change));
      }
      const same = await client.auth.updateUser({ email: 'managed@example.com', data: { theme: 'dark' } });
      assert.equal(same.error, null, 'its own address again is no change');
      assert.equal(same.data.user?.user_metadata.theme, 'dark');
      const [row] = await s.t.project.deps.db.query<{ email: string; encrypted_password: string | null; email_change: string | null; phone: string | null }>(
        'select email, encrypted_password, email_change, phone from auth.users where id = $1',
        [same.data.user!.id],
      );
      assert.equal(row.email, 'managed@example.com');
      assert.ok(!row.encrypted_password, 'no password was set');
      assert.ok(!row.email_change && !row.phone, 'no change is pending');
    });

    it('accepts an encrypted assertion, opened with the SP key', async () => {
      const { data } = await s.client('pkce').auth.signInWithSSO({ domain: DOMAIN, options: { redirectTo: SITE_URL } });
      const request = s.idp.readRequest(data!.url, s.sp.certificatePem);
      const metadata = await s.t.app.inject({ method: 'GET', url: '/auth/v1/sso/saml/metadata' });
      assert.match(metadata.body, /<KeyDescriptor use="encryption">/);
      const answer = await s.idp.answer(s.sp, { inResponseTo: request.id, nameId: 'enc-1', attributes: { mail: 'enc@example.com' }, encryptFor: s.sp.certificatePem });
      assert.match(Buffer.from(answer, 'base64').toString(), /EncryptedAssertion/);
      const acs = await postToAcs(s.sp.acsUrl, answer, request.relayState);
      assert.equal(acs.status, 302, acs.location);
      assert.ok(new URL(acs.location).searchParams.get('code'), acs.location);
    });

    it('an IdP-initiated answer (no RelayState) signs in too, once', async () => {
      const answer = await s.idp.answer(s.sp, { nameId: 'idp-initiated', attributes: { mail: 'idp@example.com' } });
      const acs = await postToAcs(s.sp.acsUrl, answer, '');
      assert.equal(acs.status, 302);
      assert.ok(new URLSearchParams(new URL(acs.location).hash.slice(1)).get('access_token'), acs.location);
      assert.equal(new URL(acs.location).origin, SITE_URL);
    });

    it("an anonymous user's SSO sign-in is a separate user: SSO never links, the anonymous user stays as it was", async () => {
      const client = s.client('pkce');
      const anonymous = await client.auth.signInAnonymously();
      assert.equal(anonymous.error, null);
      const anonymousId = anonymous.data.user!.id;
      const { data } = await client.auth.signInWithSSO({ domain: DOMAIN, options: { redirectTo: SITE_URL } });
      const request = s.idp.readRequest(data!.url, s.sp.certificatePem);
      const acs = await postToAcs(s.sp.acsUrl, await s.idp.answer(s.sp, { inResponseTo: request.id, nameId: 'converted', attributes: { mail: 'anon@example.com' } }), request.relayState);
      const exchanged = await client.auth.exchangeCodeForSession(new URL(acs.location).searchParams.get('code')!);
      assert.equal(exchanged.error, null);
      assert.notEqual(exchanged.data.user!.id, anonymousId);
      assert.equal(exchanged.data.user!.is_anonymous, false);
      const [row] = await s.t.project.deps.db.query<{ is_anonymous: boolean; identities: number }>(
        'select u.is_anonymous, (select count(*)::int from auth.identities i where i.user_id = u.id) as identities from auth.users u where u.id = $1',
        [anonymousId],
      );
      assert.deepEqual(row, { is_anonymous: true, identities: 0 });
    });

    it('GET /settings says saml_enabled; the metadata names the entity id and ACS', async () => {
      const settings = await s.t.app.inject({ method: 'GET', url: '/auth/v1/settings', headers: versionHeaders });
      assert.equal((settings.json() as { saml_enabled: boolean }).saml_enabled, true);
      const metadata = await s.t.app.inject({ method: 'GET', url: '/auth/v1/sso/saml/metadata?download=true' });
      assert.equal(metadata.statusCode, 200);
      assert.match(String(metadata.headers['content-type']), /application\/xml/);
      assert.equal(metadata.headers['content-disposition'], 'attachment; filename="metadata.xml"');
      assert.ok(metadata.body.includes(`entityID="${s.sp.entityId}"`));
      assert.ok(metadata.body.includes(`Location="${s.sp.acsUrl}"`));
      const validUntil = /validUntil="([^"]+)"/.exec(metadata.body)?.[1] ?? '';
      assert.ok(Date.parse(validUntil) > Date.now() + 4 * 365 * 24 * 3600 * 1000);
    });
  });
}
