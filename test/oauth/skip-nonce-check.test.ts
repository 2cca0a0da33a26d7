/**
 * Skipping the nonce check of POST /token?grant_type=id_token (for sign-in libraries that cannot pass
 * the nonce): per provider (GOTRUE_EXTERNAL_GOOGLE_SKIP_NONCE_CHECK, FOYER_EXTERNAL_OIDC_SKIP_NONCE_CHECK),
 * or for all with GOTRUE_EXTERNAL_SKIP_NONCE_CHECK, the name Supabase's compose file offers. The ID
 * token itself is still verified.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { engines } from '../helpers/engines.js';
import { idTokenFor, newAccount, startHarness, stopHarness, type Harness } from '../helpers/oauth-harness.js';
import { versionHeaders } from '../helpers/project.js';

const grant = (h: Harness, payload: Record<string, unknown>) =>
  h.t.app.inject({ method: 'POST', url: '/auth/v1/token?grant_type=id_token', headers: versionHeaders, payload });

for (const engine of engines) {
  for (const variable of ['FOYER_EXTERNAL_OIDC_SKIP_NONCE_CHECK', 'GOTRUE_EXTERNAL_SKIP_NONCE_CHECK']) {
    describe(`${variable}=true (${engine})`, () => {
      let h: Harness;
      before(async () => {
        h = await startHarness(engine, { [variable]: 'true' });
      });
      after(() => stopHarness(h));

      it('signs in with an ID token whether the nonce is missing or wrong, but not with a forged token', async () => {
        const idToken = await idTokenFor(h, newAccount(h), randomBytes(16).toString('hex'));
        const forged = await grant(h, { provider: 'oidc', id_token: `${idToken.slice(0, -4)}AAAA` });
        assert.equal(forged.statusCode, 400);
        assert.match(forged.json().message, /^Bad ID token/);
        const withoutNonce = await grant(h, { provider: 'oidc', id_token: idToken });
        assert.equal(withoutNonce.statusCode, 200, withoutNonce.body);
        const wrongNonce = await grant(h, { provider: 'oidc', id_token: idToken, nonce: 'not-the-nonce' });
        assert.equal(wrongNonce.statusCode, 200, wrongNonce.body);
        assert.equal(wrongNonce.json().user.id, withoutNonce.json().user.id);
      });
    });
  }

  describe(`GOTRUE_EXTERNAL_GOOGLE_SKIP_NONCE_CHECK=true concerns Google only (${engine})`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(engine, { GOTRUE_EXTERNAL_GOOGLE_SKIP_NONCE_CHECK: 'true' });
    });
    after(() => stopHarness(h));

    it('still checks the nonce of the OpenID Connect provider', async () => {
      const rawNonce = randomBytes(16).toString('hex');
      const idToken = await idTokenFor(h, newAccount(h), rawNonce);
      const withoutNonce = await grant(h, { provider: 'oidc', id_token: idToken });
      assert.equal(withoutNonce.statusCode, 400);
      assert.match(withoutNonce.json().message, /should either both exist or not/);
      const wrongNonce = await grant(h, { provider: 'oidc', id_token: idToken, nonce: 'not-the-nonce' });
      assert.match(wrongNonce.json().message, /Nonces mismatch/);
      const right = await grant(h, { provider: 'oidc', id_token: idToken, nonce: rawNonce });
      assert.equal(right.statusCode, 200, right.body);
    });
  });
}
