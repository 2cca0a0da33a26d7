/**
 * Answers the ACS must refuse — unsigned, signed by another key, replayed, for another audience, expired,
 * wrapped (XML signature wrapping), for another request, encrypted while encryption is off, relayed
 * twice, garbage — each a 303 to the site URL with GoTrue's error parameters, never a session and never
 * a 500. And POST /sso for an unknown domain or a disabled provider, and with SAML off. Both engines.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { createTestProject, versionHeaders } from '../helpers/project.js';
import { idpKey, postToAcs } from '../helpers/saml-idp.js';
import { DOMAIN, SITE_URL, redirectError, setUpSso, startSignIn, type SsoSetup } from './harness.js';

function assertRefused(acs: { status: number; location: string }, code: string, description?: RegExp): void {
  assert.equal(acs.status, 303, acs.location);
  const url = new URL(acs.location);
  assert.equal(url.origin, SITE_URL);
  assert.equal(url.hash, '', 'no session in the fragment');
  assert.equal(url.searchParams.get('code'), null);
  const error = redirectError(acs.location);
  assert.equal(error.code, code, acs.location);
  assert.ok(error.error, 'an OAuth error name');
  if (description) assert.match(error.description ?? '', description);
}

for (const engine of engines) {
  describe(`SAML ACS refusals (${engine})`, () => {
    let s: SsoSetup;
    before(async () => {
      s = await setUpSso(engine);
    });
    after(async () => {
      await s?.close();
    });

    const users = async () => (await s.t.project.deps.db.query<{ n: number }>('select count(*)::int as n from auth.users'))[0].n;

    it('an unsigned response', async () => {
      const { relayState, requestId } = await startSignIn(s);
      const acs = await postToAcs(s.sp.acsUrl, await s.idp.answer(s.sp, { inResponseTo: requestId, sign: 'none' }), relayState);
      assertRefused(acs, 'validation_failed', /SAML Assertion is not valid: Invalid signature/);
    });

    it('a response signed by another key', async () => {
      const { relayState, requestId } = await startSignIn(s);
      const acs = await postToAcs(s.sp.acsUrl, await s.idp.answer(s.sp, { inResponseTo: requestId, signingKey: idpKey('evil.test') }), relayState);
      assertRefused(acs, 'validation_failed', /Invalid signature/);
    });

    it('a replayed assertion: accepted once, refused after (a new RelayState does not help)', async () => {
      const before = await users();
      const answer = await s.idp.answer(s.sp, { nameId: 'replayed', attributes: { mail: 'replay@example.com' } });
      const first = await postToAcs(s.sp.acsUrl, answer, '');
      assert.equal(first.status, 302, first.location);
      const second = await postToAcs(s.sp.acsUrl, answer, '');
      assertRefused(second, 'validation_failed', /already been used/);
      assert.equal(await users(), before + 1);
    });

    it('a relay state answered twice', async () => {
      const { relayState, requestId } = await startSignIn(s);
      const ok = await postToAcs(s.sp.acsUrl, await s.idp.answer(s.sp, { inResponseTo: requestId, nameId: 'twice', attributes: { mail: 'twice@example.com' } }), relayState);
      assert.equal(ok.status, 302);
      const again = await postToAcs(s.sp.acsUrl, await s.idp.answer(s.sp, { inResponseTo: requestId, nameId: 'twice', attributes: { mail: 'twice@example.com' } }), relayState);
      assertRefused(again, 'saml_relay_state_not_found');
    });

    it('an assertion for another audience', async () => {
      const { relayState, requestId } = await startSignIn(s);
      const acs = await postToAcs(s.sp.acsUrl, await s.idp.answer(s.sp, { inResponseTo: requestId, audience: 'https://other-sp.test/metadata' }), relayState);
      assertRefused(acs, 'validation_failed', /audience mismatch/);
    });

    it('an expired assertion (past NotOnOrAfter and the clock skew)', async () => {
      const { relayState, requestId } = await startSignIn(s);
      const acs = await postToAcs(s.sp.acsUrl, await s.idp.answer(s.sp, { inResponseTo: requestId, shiftSeconds: -600, validSeconds: 300 }), relayState);
      assertRefused(acs, 'validation_failed', /expired|No valid subject confirmation/);
    });

    it('an assertion within the clock skew passes, one issued long ago does not', async () => {
      const early = await startSignIn(s);
      const skewed = await postToAcs(s.sp.acsUrl, await s.idp.answer(s.sp, { inResponseTo: early.requestId, shiftSeconds: 120, nameId: 'skew', attributes: { mail: 'skew@example.com' } }), early.relayState);
      assert.equal(skewed.status, 302, skewed.location);
      const old = await startSignIn(s);
      const stale = await postToAcs(s.sp.acsUrl, await s.idp.answer(s.sp, { inResponseTo: old.requestId, shiftSeconds: -300, validSeconds: 3600 }), old.relayState);
      assertRefused(stale, 'validation_failed', /issued too long ago/);
    });

    it('XML signature wrapping: an unsigned assertion beside (or around) the signed one', async () => {
      const { relayState, requestId } = await startSignIn(s);
      const signed = await s.idp.responseXml(s.sp, { inResponseTo: requestId, nameId: 'victim', attributes: { mail: 'victim@example.com' } });
      const signedAssertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(signed)![0];
      const evil = signedAssertion
        .replace(/ID="[^"]+"/, 'ID="_evil"')
        .replace(/<ds:Signature[\s\S]*<\/ds:Signature>|<Signature[\s\S]*<\/Signature>/, '')
        .replace('>victim<', '>attacker<')
        .replace('victim@example.com', 'attacker@example.com');
      // The evil assertion first, the signed one hidden in Extensions (a classic wrapping).
      const wrapped = signed.replace(signedAssertion, `<samlp:Extensions>${signedAssertion}</samlp:Extensions>${evil}`);
      const acs = await postToAcs(s.sp.acsUrl, Buffer.from(wrapped).toString('base64'), relayState);
      assertRefused(acs, 'validation_failed');
      // Two assertions side by side.
      const second = await startSignIn(s);
      const signed2 = await s.idp.responseXml(s.sp, { inResponseTo: second.requestId, nameId: 'victim' });
      const assertion2 = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(signed2)![0];
      const evil2 = assertion2.replace(/ID="[^"]+"/, 'ID="_evil2"').replace('>victim<', '>attacker<');
      const doubled = signed2.replace(assertion2, `${evil2}${assertion2}`);
      assertRefused(await postToAcs(s.sp.acsUrl, Buffer.from(doubled).toString('base64'), second.relayState), 'validation_failed');
      const [row] = await s.t.project.deps.db.query<{ n: number }>(`select count(*)::int as n from auth.identities where provider_id = 'attacker'`);
      assert.equal(row.n, 0);
    });

    it('an answer to another request (InResponseTo), and one to no request on an SP-initiated relay state', async () => {
      const { relayState } = await startSignIn(s);
      assertRefused(await postToAcs(s.sp.acsUrl, await s.idp.answer(s.sp, { inResponseTo: 'id-forged' }), relayState), 'validation_failed', /InResponseTo/);
      const other = await startSignIn(s);
      assertRefused(await postToAcs(s.sp.acsUrl, await s.idp.answer(s.sp, {}), other.relayState), 'validation_failed', /InResponseTo/);
    });

    it('an IdP-initiated answer with an InResponseTo Foyer never sent', async () => {
      assertRefused(await postToAcs(s.sp.acsUrl, await s.idp.answer(s.sp, { inResponseTo: 'id-unknown' }), ''), 'validation_failed', /InResponseTo/);
    });

    it('an assertion meant for another ACS, or issued by another entity', async () => {
      const { relayState, requestId } = await startSignIn(s);
      assertRefused(await postToAcs(s.sp.acsUrl, await s.idp.answer(s.sp, { inResponseTo: requestId, destination: 'https://elsewhere.test/acs' }), relayState), 'validation_failed', /meant for/);
      const next = await startSignIn(s);
      assertRefused(await postToAcs(s.sp.acsUrl, await s.idp.answer(s.sp, { inResponseTo: next.requestId, issuer: 'https://impostor.test' }), next.relayState), 'validation_failed', /issued by/);
      assertRefused(await postToAcs(s.sp.acsUrl, await s.idp.answer(s.sp, { issuer: 'https://unknown-idp.test' }), ''), 'saml_idp_not_found');
    });

    it('an encrypted assertion while GOTRUE_SAML_ALLOW_ENCRYPTED_ASSERTIONS is off', async () => {
      const { relayState, requestId } = await startSignIn(s);
      const answer = await s.idp.answer(s.sp, { inResponseTo: requestId, encryptFor: s.sp.certificatePem });
      assertRefused(await postToAcs(s.sp.acsUrl, answer, relayState), 'validation_failed', /encrypted assertions are not allowed/);
    });

    it('an assertion without an email address or a persistent user id', async () => {
      const a = await startSignIn(s);
      assertRefused(await postToAcs(s.sp.acsUrl, await s.idp.answer(s.sp, { inResponseTo: a.requestId, nameId: 'no-mail' }), a.relayState), 'saml_assertion_no_email');
      const b = await startSignIn(s);
      const transient = await s.idp.answer(s.sp, { inResponseTo: b.requestId, nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient', attributes: { mail: 't@example.com' } });
      assertRefused(await postToAcs(s.sp.acsUrl, transient, b.relayState), 'saml_assertion_no_user_id');
    });

    it('garbage: no SAMLResponse, not Base64, not XML, an unknown or malformed RelayState, an artifact', async () => {
      const { relayState } = await startSignIn(s);
      assertRefused(await postToAcs(s.sp.acsUrl, '', relayState), 'validation_failed', /SAMLResponse is missing/);
      assertRefused(await postToAcs(s.sp.acsUrl, '%%%not base64', ''), 'validation_failed', /Base64/);
      assertRefused(await postToAcs(s.sp.acsUrl, Buffer.from('<not xml').toString('base64'), ''), 'validation_failed');
      assertRefused(await postToAcs(s.sp.acsUrl, Buffer.from('<a/>').toString('base64'), '6d4c2b5e-4f3a-4c1b-9a8e-7f6d5c4b3a21'), 'saml_relay_state_not_found');
      assertRefused(await postToAcs(s.sp.acsUrl, 'PGEvPg==', 'not a uuid or url'), 'validation_failed', /RelayState/);
      const artifact = await fetch(s.sp.acsUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'SAMLart=abc',
        redirect: 'manual',
      });
      assertRefused({ status: artifact.status, location: artifact.headers.get('location') ?? '' }, 'validation_failed', /Artifact/);
      const json = await fetch(s.sp.acsUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"SAMLResponse": 1}', redirect: 'manual' });
      assert.ok(json.status < 500, `status ${json.status}`);
    });

    it('an expired relay state', async () => {
      const { relayState, requestId } = await startSignIn(s);
      await s.t.project.deps.db.query(`update auth.saml_relay_states set created_at = now() - interval '10 minutes' where id = $1`, [relayState]);
      assertRefused(await postToAcs(s.sp.acsUrl, await s.idp.answer(s.sp, { inResponseTo: requestId }), relayState), 'saml_relay_state_expired');
    });

    it('POST /sso: unknown domain or provider, both or neither, a disabled provider (and its pending answer)', async () => {
      const post = (payload: Record<string, unknown>) => s.t.app.inject({ method: 'POST', url: '/auth/v1/sso', headers: versionHeaders, payload });
      const unknown = await post({ domain: 'nowhere.test', skip_http_redirect: true });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().code, 'sso_provider_not_found');
      const { error } = await s.client('pkce').auth.signInWithSSO({ domain: 'nowhere.test' });
      assert.equal(error?.code, 'sso_provider_not_found');
      assert.equal((await post({ provider_id: '6d4c2b5e-4f3a-4c1b-9a8e-7f6d5c4b3a21' })).json().code, 'sso_provider_not_found');
      assert.equal((await post({ provider_id: s.providerId, domain: DOMAIN })).statusCode, 400);
      assert.equal((await post({})).json().code, 'validation_failed');
      assert.equal((await post({ domain: DOMAIN, code_challenge: 'short', code_challenge_method: 's256' })).statusCode, 400);
      const redirect = await post({ domain: DOMAIN });
      assert.equal(redirect.statusCode, 303);
      assert.ok(String(redirect.headers.location).startsWith(s.idp.ssoUrl));

      const pending = await startSignIn(s);
      const disable = await s.t.app.inject({ method: 'PUT', url: `/auth/v1/admin/sso/providers/${s.providerId}`, headers: s.adminHeaders, payload: { disabled: true } });
      assert.equal(disable.statusCode, 200, disable.body);
      const disabled = await post({ domain: DOMAIN, skip_http_redirect: true });
      assert.equal(disabled.statusCode, 404);
      assert.equal(disabled.json().code, 'sso_provider_disabled');
      assertRefused(await postToAcs(s.sp.acsUrl, await s.idp.answer(s.sp, { inResponseTo: pending.requestId }), pending.relayState), 'sso_provider_disabled');
      await s.t.app.inject({ method: 'PUT', url: `/auth/v1/admin/sso/providers/${s.providerId}`, headers: s.adminHeaders, payload: { disabled: false } });
    });
  });

  describe(`SAML off (${engine})`, () => {
    it('every /sso route answers 404 saml_provider_disabled; supabase-js sees the code', async () => {
      const t = await createTestProject(engine);
      try {
        for (const [method, url] of [['POST', '/auth/v1/sso'], ['GET', '/auth/v1/sso/saml/metadata'], ['POST', '/auth/v1/sso/saml/acs'], ['GET', '/sso/saml/slo']] as const) {
          const response = await t.app.inject({ method, url, headers: versionHeaders, payload: method === 'POST' ? {} : undefined });
          assert.equal(response.statusCode, 404, url);
          assert.equal(response.json().code, 'saml_provider_disabled', url);
        }
        const settings = await t.app.inject({ method: 'GET', url: '/auth/v1/settings', headers: versionHeaders });
        assert.equal(settings.json().saml_enabled, false);
      } finally {
        await t.close();
      }
    });
  });
}
