/**
 * Sign-in with a wallet through the real supabase-js signInWithWeb3, on both engines: Ethereum (a viem
 * key behind an EIP-1193 provider, personal_sign) and Solana (an ed25519 key behind signMessage), the
 * user and identity GoTrue would record, the "web3" AMR claim, a returning wallet, a message the client
 * brings itself, a replay, and an anonymous session replaced (not linked) as GoTrue does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAuthApiError, type SupabaseClient } from '@supabase/supabase-js';
import { engines } from '../helpers/engines.js';
import { createTestProject, decodeJwt, type TestProject } from '../helpers/project.js';
import { makeClient } from '../helpers/server.js';
import { ethereumWallet, SITE_DOMAIN, SITE_URL, siweMessage, solanaWallet } from './wallets.js';

const web3Env = {
  GOTRUE_SITE_URL: SITE_URL,
  GOTRUE_EXTERNAL_WEB3_ETHEREUM_ENABLED: 'true',
  GOTRUE_EXTERNAL_WEB3_SOLANA_ENABLED: 'true',
  GOTRUE_RATE_LIMIT_WEB3: '1000',
};
const pageUrl = `${SITE_URL}/login`;

interface Identity {
  provider: string;
  id: string;
  identity_data: Record<string, unknown>;
  user_id: string;
}

for (const engine of engines) {
  describe(`signInWithWeb3 through supabase-js (${engine})`, () => {
    let t: TestProject;
    let url: string;
    const client = (): SupabaseClient => makeClient(url, t.anonKey);
    before(async () => {
      t = await createTestProject(engine, web3Env);
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      const address = t.app.server.address();
      url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    });
    after(() => t.close());

    it('Ethereum: a wallet signs the EIP-4361 message supabase-js writes; the user, identity and session are GoTrue\'s', async () => {
      const wallet = ethereumWallet(8453);
      const supabase = client();
      const { data, error } = await supabase.auth.signInWithWeb3({
        chain: 'ethereum',
        wallet: wallet.provider as never,
        statement: 'Sign in to the test app',
        options: { url: pageUrl },
      });
      assert.equal(error, null, error?.message);
      const user = data.user;
      assert.ok(user && data.session);
      // supabase-js writes the address in lower case; GoTrue records it as the message writes it.
      const address = wallet.address.toLowerCase();
      const providerId = `web3:ethereum:${address}`;
      const expectedData = {
        sub: providerId,
        email_verified: false,
        phone_verified: false,
        custom_claims: { address, chain: 'ethereum', network: '8453', domain: SITE_DOMAIN, statement: 'Sign in to the test app' },
      };
      assert.equal(user.email, '');
      assert.equal(user.is_anonymous, false);
      assert.deepEqual(user.app_metadata, { provider: 'web3', providers: ['web3'] });
      assert.deepEqual(user.user_metadata, expectedData);
      const identities = user.identities as unknown as Identity[];
      assert.equal(identities.length, 1);
      assert.equal(identities[0].provider, 'web3');
      assert.equal(identities[0].id, providerId);
      assert.deepEqual(identities[0].identity_data, expectedData);

      const claims = decodeJwt(data.session.access_token);
      assert.equal(claims.sub, user.id);
      assert.deepEqual((claims.amr as { method: string }[]).map((entry) => entry.method), ['web3']);
      assert.equal(claims.is_anonymous, false);

      const me = await supabase.auth.getUser();
      assert.equal(me.data.user?.id, user.id, 'the session works against GET /user');

      // The same wallet again, with a new message: the same user, still one identity.
      const again = await client().auth.signInWithWeb3({ chain: 'ethereum', wallet: wallet.provider as never, options: { url: pageUrl } });
      assert.equal(again.error, null, again.error?.message);
      assert.equal(again.data.user?.id, user.id);
      assert.equal(again.data.user?.identities?.length, 1);
      const rows = await t.database.db.query<{ n: number }>(`select count(*)::int as n from auth.identities where provider_id = $1`, [providerId]);
      assert.equal(rows[0].n, 1);
    });

    it('Solana: a wallet signs the message supabase-js writes (signature sent as base64url)', async () => {
      const wallet = solanaWallet();
      const { data, error } = await client().auth.signInWithWeb3({ chain: 'solana', wallet: wallet.wallet, options: { url: pageUrl } });
      assert.equal(error, null, error?.message);
      assert.ok(data.user && data.session);
      const providerId = `web3:solana:${wallet.address}`;
      const identities = data.user.identities as unknown as Identity[];
      assert.equal(identities[0].id, providerId);
      assert.deepEqual(identities[0].identity_data, {
        sub: providerId,
        email_verified: false,
        phone_verified: false,
        // GoTrue records an absent statement of a Solana message as "" (of an Ethereum one as null).
        custom_claims: { address: wallet.address, chain: 'solana', network: '', domain: SITE_DOMAIN, statement: '' },
      });
      assert.deepEqual((decodeJwt(data.session.access_token).amr as { method: string }[]).map((entry) => entry.method), ['web3']);
    });

    it('takes a message and signature the app brings itself, and refuses the same pair a second time', async () => {
      const wallet = ethereumWallet();
      const message = siweMessage(wallet.address);
      const signature = await wallet.signMessage(message);
      const first = await client().auth.signInWithWeb3({ chain: 'ethereum', message, signature });
      assert.equal(first.error, null, first.error?.message);
      assert.equal(first.data.user?.identities?.[0]?.id, `web3:ethereum:${wallet.address}`);

      const replay = await client().auth.signInWithWeb3({ chain: 'ethereum', message, signature });
      assert.ok(isAuthApiError(replay.error), String(replay.error));
      assert.equal(replay.error.status, 400);
      assert.equal(replay.error.message, 'This signed message was already used to sign in; sign a new one');
      assert.equal(replay.data.session, null);
    });

    it('an anonymous user signing in with a wallet gets the wallet\'s user; the anonymous user is left as it was (GoTrue does not link)', async () => {
      const supabase = client();
      const anonymous = await supabase.auth.signInAnonymously({ options: { data: { cart: 3 } } });
      assert.equal(anonymous.error, null, anonymous.error?.message);
      const anonymousId = anonymous.data.user?.id as string;

      const wallet = solanaWallet();
      const signedIn = await supabase.auth.signInWithWeb3({ chain: 'solana', wallet: wallet.wallet, options: { url: pageUrl } });
      assert.equal(signedIn.error, null, signedIn.error?.message);
      assert.notEqual(signedIn.data.user?.id, anonymousId);
      assert.equal(signedIn.data.user?.is_anonymous, false);
      const current = await supabase.auth.getUser();
      assert.equal(current.data.user?.id, signedIn.data.user?.id, 'the client now holds the wallet user\'s session');

      const rows = await t.database.db.query<{ is_anonymous: boolean; meta: Record<string, unknown>; identities: number }>(
        `select u.is_anonymous, u.raw_user_meta_data as meta,
                (select count(*)::int from auth.identities i where i.user_id = u.id) as identities
           from auth.users u where u.id = $1`,
        [anonymousId],
      );
      assert.deepEqual(rows[0], { is_anonymous: true, meta: { cart: 3 }, identities: 0 });
    });
  });
}
