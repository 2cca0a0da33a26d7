/**
 * GOTRUE_EXTERNAL_WEB3_* and GOTRUE_RATE_LIMIT_WEB3: GoTrue's defaults, served (a start with them on is
 * no longer refused), GoTrue's answers for a chain turned off, the window setting honoured, and the
 * Web3 limiter on its own bucket, CAPTCHA asked as GoTrue asks it — on both engines.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { gotrueVariable, unsupportedFeatureProblems } from '../../src/config/gotrue-variables.js';
import { configError } from '../helpers/config-error.js';
import { engines } from '../helpers/engines.js';
import { createTestProject, versionHeaders, type TestProject } from '../helpers/project.js';
import { startSiteverifyServer, type SiteverifyServer } from '../helpers/siteverify.js';
import { ethereumWallet, fromNow, minutes, SITE_URL, siweMessage, siwsMessage, solanaSignatureText, solanaWallet } from './wallets.js';

const base = { DATABASE_URL: 'postgres://u@h/db', GOTRUE_JWT_SECRET: 'x'.repeat(40) };
const names = [
  'GOTRUE_EXTERNAL_WEB3_ETHEREUM_ENABLED',
  'GOTRUE_EXTERNAL_WEB3_ETHEREUM_MAXIMUM_VALIDITY_DURATION',
  'GOTRUE_EXTERNAL_WEB3_SOLANA_ENABLED',
  'GOTRUE_EXTERNAL_WEB3_SOLANA_MAXIMUM_VALIDITY_DURATION',
  'GOTRUE_RATE_LIMIT_WEB3',
];

describe('Web3 settings', () => {
  it("has GoTrue's defaults: both chains off, a 10 minute window, 30 sign-ins per 5 minutes", () => {
    const config = loadConfig(base);
    assert.equal(config.web3EthereumEnabled, false);
    assert.equal(config.web3SolanaEnabled, false);
    assert.equal(config.web3EthereumMaximumValiditySeconds, 600);
    assert.equal(config.web3SolanaMaximumValiditySeconds, 600);
    assert.deepEqual(config.rateLimitWeb3, { limit: 30, windowSeconds: 300 });
  });

  it('is served: turning the chains on starts, and every variable is honoured', () => {
    const env = {
      ...base,
      GOTRUE_EXTERNAL_WEB3_ETHEREUM_ENABLED: 'true',
      GOTRUE_EXTERNAL_WEB3_SOLANA_ENABLED: '1',
      GOTRUE_EXTERNAL_WEB3_ETHEREUM_MAXIMUM_VALIDITY_DURATION: '2m30s',
      GOTRUE_EXTERNAL_WEB3_SOLANA_MAXIMUM_VALIDITY_DURATION: '1h',
      GOTRUE_RATE_LIMIT_WEB3: '10/1h',
    };
    assert.deepEqual(unsupportedFeatureProblems(env), []);
    const config = loadConfig(env);
    assert.equal(config.web3EthereumEnabled, true);
    assert.equal(config.web3SolanaEnabled, true);
    assert.equal(config.web3EthereumMaximumValiditySeconds, 150);
    assert.equal(config.web3SolanaMaximumValiditySeconds, 3600);
    assert.deepEqual(config.rateLimitWeb3, { limit: 10, windowSeconds: 3600 });
    for (const name of names) assert.equal(gotrueVariable(name)?.status, 'honoured', name);
  });

  it('refuses values GoTrue could not read, naming the variable', () => {
    assert.match(configError({ ...base, GOTRUE_EXTERNAL_WEB3_SOLANA_ENABLED: 'yes please' }), /GOTRUE_EXTERNAL_WEB3_SOLANA_ENABLED/);
    assert.match(configError({ ...base, GOTRUE_EXTERNAL_WEB3_ETHEREUM_MAXIMUM_VALIDITY_DURATION: 'ten minutes' }), /GOTRUE_EXTERNAL_WEB3_ETHEREUM_MAXIMUM_VALIDITY_DURATION must be a duration/);
    assert.match(configError({ ...base, GOTRUE_EXTERNAL_WEB3_SOLANA_MAXIMUM_VALIDITY_DURATION: '0s' }), /GOTRUE_EXTERNAL_WEB3_SOLANA_MAXIMUM_VALIDITY_DURATION must be at least 1s/);
    assert.match(configError({ ...base, GOTRUE_RATE_LIMIT_WEB3: 'many' }), /GOTRUE_RATE_LIMIT_WEB3 must be a number/);
  });
});

const post = (t: TestProject, body: unknown) =>
  t.app.inject({ method: 'POST', url: '/auth/v1/token?grant_type=web3', headers: versionHeaders, payload: JSON.stringify(body) });

function assertRefused(response: Awaited<ReturnType<typeof post>>, status: number, code: string, message: string): void {
  assert.equal(response.statusCode, status, response.body);
  assert.deepEqual(
    { code: response.json().code, message: response.json().message },
    { code, message },
  );
}

for (const engine of engines) {
  describe(`Web3 chains turned on one at a time, the window and the limiter (${engine})`, () => {
    let ethereumOnly: TestProject;
    let solanaOnly: TestProject;
    before(async () => {
      ethereumOnly = await createTestProject(engine, {
        GOTRUE_SITE_URL: SITE_URL,
        GOTRUE_EXTERNAL_WEB3_ETHEREUM_ENABLED: 'true',
        GOTRUE_EXTERNAL_WEB3_ETHEREUM_MAXIMUM_VALIDITY_DURATION: '1m',
        GOTRUE_RATE_LIMIT_WEB3: '3',
      });
      solanaOnly = await createTestProject(engine, { GOTRUE_SITE_URL: SITE_URL, GOTRUE_EXTERNAL_WEB3_SOLANA_ENABLED: 'true' });
    });
    after(async () => {
      await ethereumOnly.close();
      await solanaOnly.close();
    });

    it("answers a chain turned off with GoTrue's 422 web3_provider_disabled", async () => {
      const sol = solanaWallet();
      const message = siwsMessage(sol.address);
      const refused = await post(ethereumOnly, { chain: 'solana', message, signature: solanaSignatureText(sol.sign(message)) });
      assertRefused(refused, 422, 'web3_provider_disabled', 'Solana Web3 provider is disabled');
      const eth = ethereumWallet();
      const ethMessage = siweMessage(eth.address);
      const signature = await eth.signMessage(ethMessage);
      assertRefused(await post(solanaOnly, { chain: 'ethereum', message: ethMessage, signature }), 422, 'web3_provider_disabled', 'Ethereum Web3 provider is disabled');
      // The chain that is on works.
      assert.equal((await post(solanaOnly, { chain: 'solana', message, signature: solanaSignatureText(sol.sign(message)) })).statusCode, 200);
    });

    it('honours the validity window (here 1 minute) and counts grant_type=web3 on GOTRUE_RATE_LIMIT_WEB3 (429 past it)', async () => {
      const eth = ethereumWallet();
      const tooOld = siweMessage(eth.address, { issuedAt: fromNow(-minutes(2)) });
      const old = await post(ethereumOnly, { chain: 'ethereum', message: tooOld, signature: await eth.signMessage(tooOld) });
      assert.deepEqual(old.json(), { error: 'invalid_grant', error_description: 'Ethereum message was issued too long ago' });
      const fresh = siweMessage(eth.address);
      assert.equal((await post(ethereumOnly, { chain: 'ethereum', message: fresh, signature: await eth.signMessage(fresh) })).statusCode, 200);

      // One web3 request in the previous test, two here: the limit of 3 is spent.
      const over = await post(ethereumOnly, { chain: 'ethereum', message: fresh, signature: '0x' });
      assert.equal(over.statusCode, 429, over.body);
      assert.equal(over.json().code, 'over_request_rate_limit');
      assert.ok(Number(over.headers['retry-after']) > 0);
      // Other grants keep their own limiter.
      const password = await ethereumOnly.app.inject({
        method: 'POST',
        url: '/auth/v1/token?grant_type=password',
        headers: versionHeaders,
        payload: JSON.stringify({ email: 'nobody@example.com', password: 'whatever-password' }),
      });
      assert.equal(password.statusCode, 400, password.body);
    });
  });
}

for (const engine of engines) {
  describe(`CAPTCHA on grant_type=web3, as GoTrue asks it (${engine})`, () => {
    let provider: SiteverifyServer;
    let t: TestProject;
    before(async () => {
      provider = await startSiteverifyServer();
      t = await createTestProject(engine, {
        GOTRUE_SITE_URL: SITE_URL,
        GOTRUE_EXTERNAL_WEB3_SOLANA_ENABLED: 'true',
        GOTRUE_SECURITY_CAPTCHA_ENABLED: 'true',
        GOTRUE_SECURITY_CAPTCHA_PROVIDER: 'turnstile',
        GOTRUE_SECURITY_CAPTCHA_SECRET: 'test-captcha-secret-0123456789',
        FOYER_SECURITY_CAPTCHA_VERIFY_URL: provider.url,
      });
    });
    after(async () => {
      await t.close();
      await provider.close();
    });

    it('refuses a wallet sign-in without a CAPTCHA token, and takes one with it', async () => {
      const sol = solanaWallet();
      const message = siwsMessage(sol.address);
      const body = { chain: 'solana', message, signature: solanaSignatureText(sol.sign(message)) };
      assertRefused(await post(t, body), 400, 'captcha_failed', 'captcha protection: request disallowed (no captcha_token found)');
      assert.equal(provider.received.length, 0);
      const allowed = await post(t, { ...body, gotrue_meta_security: { captcha_token: 'token-from-the-widget' } });
      assert.equal(allowed.statusCode, 200, allowed.body);
      assert.equal(provider.received.length, 1);
    });
  });
}
