/**
 * POST /token?grant_type=id_token for every issuer GoTrue accepts besides Google and the generic OpenID
 * Connect provider (test/oauth/linking.test.ts): Apple, Microsoft (azure), Facebook Limited Login, Kakao,
 * Keycloak, Snapchat and Vercel Marketplace, with ID tokens signed by the local stand-ins' keys (fetched from their JWKS), through
 * supabase-js's signInWithIdToken and linkIdentity. Each with a wrong audience, issuer, nonce and an
 * expired token; Facebook's nonce is never checked (as GoTrue), Kakao's not here because
 * GOTRUE_EXTERNAL_KAKAO_SKIP_NONCE_CHECK is on.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { isAuthApiError } from '@supabase/supabase-js';
import { engines } from '../helpers/engines.js';
import { fixture } from '../helpers/provider-fixtures.js';
import { client, newAccount, startProviderBench, type ProviderBench } from '../helpers/provider-harness.js';

const issuers = ['apple', 'azure', 'facebook', 'kakao', 'keycloak', 'snapchat', 'vercel_marketplace'] as const;
const IOS_BUNDLE_ID = 'com.example.ios-app';

const nonces = () => {
  const raw = randomBytes(16).toString('hex');
  return { raw, hashed: createHash('sha256').update(raw).digest('hex') };
};

for (const engine of engines) {
  describe(`id_token sign-in and linking for every issuer GoTrue accepts (${engine})`, () => {
    let bench: ProviderBench;
    before(async () => {
      bench = await startProviderBench(engine, { GOTRUE_EXTERNAL_KAKAO_SKIP_NONCE_CHECK: 'true', GOTRUE_EXTERNAL_IOS_BUNDLE_ID: IOS_BUNDLE_ID });
    });
    after(() => bench.close());

    const refusal = async (name: string, claims: Record<string, unknown>, options: { nonce?: string; expiresInSeconds?: number } = {}) => {
      const token = await bench.fakes.idToken(fixture(name), newAccount(), claims, { expiresInSeconds: options.expiresInSeconds });
      const result = await client(bench).auth.signInWithIdToken({ provider: name, token, nonce: options.nonce });
      return result.error;
    };

    for (const name of issuers) {
      it(`${name}: signs in with an ID token, then links one to an anonymous user`, async () => {
        const provider = fixture(name);
        const account = newAccount();
        const nonce = nonces();
        const token = await bench.fakes.idToken(provider, account, { nonce: nonce.hashed });
        const signIn = await client(bench).auth.signInWithIdToken({ provider: name, token, nonce: nonce.raw });
        assert.equal(signIn.error, null);
        assert.equal(signIn.data.user?.email, account.email);
        const identity = signIn.data.user?.identities?.find((entry) => entry.provider === name);
        // The identity GoTrue records: the token's subject (Vercel: the account across installations).
        assert.equal(identity?.identity_data?.sub, provider.identity(account, bench.fakes.baseUrl(provider)).sub);
        assert.equal(identity?.identity_data?.email_verified, true);

        const supabase = client(bench);
        const anonymous = await supabase.auth.signInAnonymously();
        const other = newAccount();
        const second = nonces();
        const linked = await supabase.auth.linkIdentity({ provider: name, token: await bench.fakes.idToken(provider, other, { nonce: second.hashed }), nonce: second.raw });
        assert.equal(linked.error, null);
        assert.equal(linked.data.user?.id, anonymous.data.user?.id);
        assert.equal(linked.data.user?.is_anonymous, false);
        assert.equal(linked.data.user?.email, other.email);
      });

      it(`${name}: refuses an ID token for another audience, from another issuer, or expired`, async () => {
        for (const [what, error] of [
          ['audience', await refusal(name, { aud: 'someone-else' })],
          ['issuer', await refusal(name, { iss: 'https://issuer.invalid' })],
          ['expiry', await refusal(name, {}, { expiresInSeconds: -120 })],
        ] as const) {
          assert.ok(error && isAuthApiError(error), `${name} ${what}: ${String(error)}`);
          assert.equal(error.status, 400, `${name} ${what}`);
          assert.equal(error.code, 'validation_failed', `${name} ${what}`);
        }
      });

      it(`${name}: ${name === 'facebook' || name === 'kakao' ? 'skips' : 'checks'} the nonce`, async () => {
        const nonce = nonces();
        const mismatched = await refusal(name, { nonce: nonce.hashed }, { nonce: 'another nonce' });
        const missing = await refusal(name, { nonce: nonce.hashed });
        if (name === 'facebook' || name === 'kakao') {
          assert.equal(mismatched, null);
          assert.equal(missing, null);
        } else {
          assert.equal(mismatched?.code, 'validation_failed');
          assert.match(String(mismatched?.message), /Nonces mismatch/);
          assert.match(String(missing?.message), /should either both exist or not/);
        }
      });
    }

    it("apple: accepts the iOS app's bundle id (GOTRUE_EXTERNAL_IOS_BUNDLE_ID) as audience", async () => {
      assert.equal(await refusal('apple', { aud: IOS_BUNDLE_ID }), null);
    });

    it("azure: refuses another tenant's ID token when the URL names one tenant", async () => {
      const provider = fixture('azure');
      const otherTenant = bench.fakes.baseUrl(provider).replace(/\/[^/]+$/, '/11111111-2222-3333-4444-555555555555');
      const error = await refusal('azure', { iss: `${otherTenant}/v2.0` });
      assert.equal(error?.code, 'validation_failed');
      assert.match(String(error?.message), /not accepted/);
    });

    it('refuses a provider that takes no ID tokens', async () => {
      const error = await refusal('discord', {});
      assert.equal(error?.code, 'validation_failed');
    });
  });
}
