/**
 * What POST /token?grant_type=web3 refuses, on both engines, with real keys and real signatures: a
 * message for another app (domain, URI, plain HTTP), the wrong chain, a message too old, not yet
 * valid or expired, a replay (also from another Foyer on the same database), a signature by another
 * key, and malformed messages and signatures — each a clear 4xx in GoTrue's words, never a 500.
 */
import assert from 'node:assert/strict';
import bs58 from 'bs58';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { openProject } from '../../src/runtime.js';
import { openPostgres } from '../../src/store/postgres.js';
import { engines } from '../helpers/engines.js';
import { createTestProject, TEST_JWT_SECRET, versionHeaders, type TestProject } from '../helpers/project.js';
import {
  ethereumWallet, fromNow, minutes, SITE_URL, siweMessage, siwsMessage, solanaSignatureText, solanaWallet,
} from './wallets.js';

const web3Env = {
  GOTRUE_SITE_URL: SITE_URL,
  GOTRUE_EXTERNAL_WEB3_ETHEREUM_ENABLED: 'true',
  GOTRUE_EXTERNAL_WEB3_SOLANA_ENABLED: 'true',
  GOTRUE_RATE_LIMIT_WEB3: '100000',
};

type Response = Awaited<ReturnType<TestProject['app']['inject']>>;

const post = (app: TestProject['app'], body: unknown): Promise<Response> =>
  app.inject({ method: 'POST', url: '/auth/v1/token?grant_type=web3', headers: versionHeaders, payload: JSON.stringify(body) });

function assertInvalidGrant(response: Response, description: string): void {
  assert.equal(response.statusCode, 400, response.body);
  assert.deepEqual(response.json(), { error: 'invalid_grant', error_description: description });
}

function assertRefused(response: Response, status: number, code: string, message?: string): void {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.json().code, code, response.body);
  if (message !== undefined) assert.equal(response.json().message, message, response.body);
}

for (const engine of engines) {
  describe(`grant_type=web3 attacks and bad input (${engine})`, () => {
    let t: TestProject;
    const eth = ethereumWallet();
    const sol = solanaWallet();
    const signEth = async (message: string) => post(t.app, { chain: 'ethereum', message, signature: await eth.signMessage(message) });
    const signSol = (message: string) => post(t.app, { chain: 'solana', message, signature: solanaSignatureText(sol.sign(message)) });
    before(async () => {
      t = await createTestProject(engine, web3Env);
    });
    after(() => t.close());

    it('refuses a message signed for another app: its domain and URI, a domain not matching the URI, plain HTTP', async () => {
      const elsewhere = { domain: 'evil.example.net', uri: 'https://evil.example.net/login' };
      const another = 'Signed Ethereum message is using URI which is not allowed on this server, message was signed for another app';
      assertInvalidGrant(await signEth(siweMessage(eth.address, elsewhere)), another);
      assertInvalidGrant(
        await signSol(siwsMessage(sol.address, elsewhere)),
        'Signed Solana message is using URI which is not allowed on this server, message was signed for another app',
      );
      // The URI is this app's, the domain the wallet showed the user is not.
      assertInvalidGrant(
        await signEth(siweMessage(eth.address, { domain: 'evil.example.net' })),
        'Signed Ethereum message is using a Domain that does not match the one in URI which is not allowed on this server',
      );
      assertInvalidGrant(
        await signSol(siwsMessage(sol.address, { domain: 'app.example.com:8443' })),
        'Signed Solana message is using a Domain that does not match the one in URI which is not allowed on this server',
      );
      assertInvalidGrant(
        await signEth(siweMessage(eth.address, { uri: 'http://app.example.com/login' })),
        'Signed Ethereum message is using URI which does not use HTTPS',
      );
    });

    it('refuses the wrong chain: unknown, missing, a message of the other chain, an invalid chain id', async () => {
      const message = siweMessage(eth.address);
      const signature = await eth.signMessage(message);
      assertRefused(await post(t.app, { chain: 'bitcoin', message, signature }), 400, 'web3_unsupported_chain', 'Unsupported chain');
      assertRefused(await post(t.app, { message, signature }), 400, 'web3_unsupported_chain', 'Unsupported chain');
      // An Ethereum message and signature presented as Solana's: refused on the signature's shape.
      assertRefused(await post(t.app, { chain: 'solana', message, signature }), 400, 'validation_failed', 'signature must be 64 bytes encoded as base64 with or without padding');
      // A Solana message presented as Ethereum's, with a signature of the right shape.
      const solanaMessage = siwsMessage(sol.address);
      assertRefused(
        await post(t.app, { chain: 'ethereum', message: solanaMessage, signature: await eth.signMessage(solanaMessage) }),
        400,
        'validation_failed',
        'siwe: message first line does not end in " wants you to sign in with your Ethereum account:"',
      );
      assertRefused(await signEth(siweMessage(eth.address).replace('Chain ID: 1', 'Chain ID: 0')), 400, 'validation_failed', 'siwe: Chain ID is not valid');
      assertRefused(await signSol(siwsMessage(sol.address, { chainIdText: 'solana:moonnet' })), 400, 'validation_failed', 'siws: Chain ID is not valid');
    });

    it('refuses messages outside their time: expired, issued too long ago, issued ahead of time, not yet valid', async () => {
      assertInvalidGrant(
        await signEth(siweMessage(eth.address, { issuedAt: fromNow(-minutes(3)), expirationTime: fromNow(-minutes(1)) })),
        'Signed Ethereum message is expired',
      );
      assertInvalidGrant(
        await signSol(siwsMessage(sol.address, { issuedAt: fromNow(-minutes(3)), expirationTime: fromNow(-minutes(1)) })),
        'Signed Solana message is expired',
      );
      assertInvalidGrant(await signEth(siweMessage(eth.address, { issuedAt: fromNow(-minutes(11)) })), 'Ethereum message was issued too long ago');
      assertInvalidGrant(await signSol(siwsMessage(sol.address, { issuedAt: fromNow(-minutes(11)) })), 'Solana message was issued too long ago');
      assertInvalidGrant(await signEth(siweMessage(eth.address, { issuedAt: fromNow(minutes(11)) })), 'Ethereum message was issued too far in the future');
      assertInvalidGrant(await signSol(siwsMessage(sol.address, { issuedAt: fromNow(minutes(11)) })), 'Solana message was issued too far in the future');
      assertInvalidGrant(
        await signEth(siweMessage(eth.address, { notBefore: fromNow(minutes(2)), expirationTime: fromNow(minutes(5)) })),
        'Signed Ethereum message becomes valid in the future',
      );
      // Within the window either way: accepted (GoTrue's 10 minutes).
      assert.equal((await signEth(siweMessage(eth.address, { issuedAt: fromNow(-minutes(9)) }))).statusCode, 200);
      assert.equal((await signSol(siwsMessage(sol.address, { issuedAt: fromNow(minutes(9)) }))).statusCode, 200);
    });

    it('refuses a signature by another key, and one made over another message', async () => {
      const other = ethereumWallet();
      const message = siweMessage(eth.address);
      assertInvalidGrant(
        await post(t.app, { chain: 'ethereum', message, signature: await other.signMessage(message) }),
        'Signature does not match address in message',
      );
      assertInvalidGrant(
        await post(t.app, { chain: 'ethereum', message, signature: await eth.signMessage(siweMessage(eth.address)) }),
        'Signature does not match address in message',
      );
      const solMessage = siwsMessage(sol.address);
      assertInvalidGrant(
        await post(t.app, { chain: 'solana', message: solMessage, signature: solanaSignatureText(solanaWallet().sign(solMessage)) }),
        'Signature does not match address in message',
      );
      // The refused attempts did not spend the message: its owner's signature still signs in.
      assert.equal((await signEth(message)).statusCode, 200);
    });

    it('a signed message signs in once: the replay is refused, here and on another Foyer sharing the database', async () => {
      const message = siwsMessage(sol.address);
      const signature = solanaSignatureText(sol.sign(message));
      assert.equal((await post(t.app, { chain: 'solana', message, signature })).statusCode, 200);
      const spent = 'This signed message was already used to sign in; sign a new one';
      assertInvalidGrant(await post(t.app, { chain: 'solana', message, signature }), spent);
      // The same message with the signature written differently (padded standard base64) is still that message.
      assertInvalidGrant(await post(t.app, { chain: 'solana', message, signature: sol.sign(message).toString('base64') }), spent);

      // Two Foyers on one database, counters in it: a message spent on one is spent on the other.
      const ethMessage = siweMessage(eth.address);
      const ethSignature = await eth.signMessage(ethMessage);
      const body = { chain: 'ethereum', message: ethMessage, signature: ethSignature };
      // PostgreSQL: a pool of its own, as another process has; PGlite serves one process, so its Foyers share the handle.
      const db = t.database.url ? await openPostgres({ url: t.database.url, poolSize: 2 }) : t.database.db;
      const sibling = async () => {
        const config = loadConfig({ GOTRUE_JWT_SECRET: TEST_JWT_SECRET, FOYER_RATE_LIMIT_STORE: 'postgres', ...(t.database.url ? { DATABASE_URL: t.database.url } : {}), ...web3Env });
        return buildApp({ deps: (await openProject(config, { db })).deps });
      };
      const first = t.project.deps.rateLimits.store === 'postgres' ? t.app : await sibling();
      const second = await sibling();
      try {
        assert.equal((await post(first, body)).statusCode, 200);
        assertInvalidGrant(await post(second, body), spent);
      } finally {
        await second.close();
        if (first !== t.app) await first.close();
        if (t.database.url) await db.close();
      }
    });

    it('malformed signatures are 400s with GoTrue\'s sentences', async () => {
      const message = siweMessage(eth.address);
      const signature = await eth.signMessage(message);
      const ethShape = 'signature must be 65 bytes long, encoded as a 130 character-long hexadecimal string';
      assertRefused(await post(t.app, { chain: 'ethereum', message }), 400, 'validation_failed', ethShape);
      assertRefused(await post(t.app, { chain: 'ethereum', message, signature: signature.slice(0, -2) }), 400, 'validation_failed', ethShape);
      const mismatch = 'Signature does not match address in message';
      assertInvalidGrant(await post(t.app, { chain: 'ethereum', message, signature: signature.slice(2) }), mismatch);
      assertInvalidGrant(await post(t.app, { chain: 'ethereum', message, signature: `${signature.slice(0, -2)}zz` }), mismatch);
      assertInvalidGrant(await post(t.app, { chain: 'ethereum', message, signature: `${signature.slice(0, -2)}05` }), mismatch);
      assertInvalidGrant(await post(t.app, { chain: 'ethereum', message, signature: `0x${'00'.repeat(65)}` }), mismatch);

      const solMessage = siwsMessage(sol.address);
      const solSignature = solanaSignatureText(sol.sign(solMessage));
      assertRefused(await post(t.app, { chain: 'solana', message: solMessage, signature: solSignature.slice(1) }), 400, 'validation_failed', 'signature must be 64 bytes encoded as base64 with or without padding');
      assertRefused(
        await post(t.app, { chain: 'solana', message: solMessage, signature: `${solSignature.slice(0, 40)}!${solSignature.slice(41)}` }),
        400,
        'validation_failed',
        'signature does not contain valid base64 characters',
      );
      // 88 characters of base64 without padding decode to 66 bytes: not an ed25519 signature.
      assertInvalidGrant(await post(t.app, { chain: 'solana', message: solMessage, signature: `${solSignature}AA` }), mismatch);
      assertInvalidGrant(await post(t.app, { chain: 'solana', message: solMessage, signature: 'A'.repeat(86) }), mismatch);
      // Nothing of the above spent the message.
      assert.equal((await post(t.app, { chain: 'solana', message: solMessage, signature: solSignature })).statusCode, 200);
    });

    it('takes a Solana signature over the off-chain message envelope (what a Ledger signs), as GoTrue does', async () => {
      const message = siwsMessage(sol.address);
      const raw = Buffer.from(message, 'utf8');
      const domain = Buffer.alloc(32);
      domain.write('app.example.com');
      const length = Buffer.alloc(2);
      length.writeUInt16LE(raw.length);
      const publicKey = Buffer.from(bs58.decode(sol.address));
      const envelope = Buffer.concat([Buffer.from('\xffsolana offchain', 'latin1'), Buffer.from([0]), domain, Buffer.from([0, 1]), publicKey, length, raw]);
      assert.equal((await post(t.app, { chain: 'solana', message, signature: solanaSignatureText(sol.sign(envelope)) })).statusCode, 200);
    });

    it('malformed messages are 400s naming what is wrong, never a 500', async () => {
      const valid = siweMessage(eth.address);
      const cases: ReadonlyArray<readonly [string, string]> = [
        ['x'.repeat(10), 'message is too short'],
        ['x'.repeat(21 * 1024), 'message must not exceed 20KB'],
        [valid.split('\n').slice(0, 4).join('\n').padEnd(80, ' '), 'siwe: message needs at least 6 lines'],
        [valid.replace(' wants you to sign in with your Ethereum account:', ' wants you to log in:'), 'siwe: message first line does not end in " wants you to sign in with your Ethereum account:"'],
        [valid.replace('app.example.com wants', 'app_example.com wants'), 'siwe: domain in first line of message is not valid'],
        [valid.replace(eth.address, `${eth.address}ff`), 'siwe: wallet address is not a valid Ethereum address'],
        [valid.replace(`${eth.address}\n\n`, `${eth.address}\nnot empty\n`), 'siwe: third line must be empty'],
        [valid.replace('Version: 1', 'Version: 2'), 'siwe: Version value is not supported, expected 1 got "2"'],
        [valid.replace(/\nVersion: 1/, ''), 'siwe: Version value is not supported, expected 1 got ""'],
        [valid.replace(/\nIssued At: [^\n]*/, ''), 'siwe: Issued At is not specified'],
        [valid.replace(/Issued At: [^\n]*/, 'Issued At: yesterday'), 'siwe: Issued At is not a valid ISO8601 timestamp'],
        [valid.replace(/Issued At: [^\n]*/, 'Issued At: 2026-02-30T10:00:00Z'), 'siwe: Issued At is not a valid ISO8601 timestamp'],
        [valid.replace(/\nURI: [^\n]*/, ''), 'siwe: URI is not specified'],
        [valid.replace(/URI: [^\n]*/, 'URI: not a uri'), 'siwe: URI is not valid'],
        [`${valid}\nthis line has no colon`, `siwe: encountered unparsable line at index ${valid.split('\n').length}`],
        [`${valid}\nResources:\n- https://app.example.com/ok\n- no uri here`, 'siwe: Resource at position 1 has invalid URI'],
        [`${valid}\nExpiration Time: 2000-01-01T00:00:00Z`, 'siwe: Issued At is after Expiration Time'],
      ];
      for (const [message, sentence] of cases) {
        const response = await post(t.app, { chain: 'ethereum', message, signature: await eth.signMessage(message) });
        assertRefused(response, 400, 'validation_failed', sentence);
      }
      const solValid = siwsMessage(sol.address);
      const solCases: ReadonlyArray<readonly [string, string]> = [
        // Base58 has no 0, O, I or l; GoTrue's pattern lets them through (and then fails hard).
        [solValid.replace(sol.address, `0OIl${sol.address.slice(4)}`), 'siws: wallet address is not in base58 format'],
        [solValid.replace(sol.address, sol.address.slice(0, 32)), 'siws: wallet address is not in base58 format'],
        [solValid.replace(/Issued At: [^\n]*/, 'Issued At: 2026-01-01 10:00:00'), 'siws: Issued At is not a valid ISO8601 timestamp'],
      ];
      for (const [message, sentence] of solCases) {
        assertRefused(await post(t.app, { chain: 'solana', message, signature: solanaSignatureText(sol.sign(message)) }), 400, 'validation_failed', sentence);
      }
    });

    it('a banned wallet user is refused with 403 user_banned, and no session is started', async () => {
      const wallet = ethereumWallet();
      const first = siweMessage(wallet.address);
      const signedIn = await post(t.app, { chain: 'ethereum', message: first, signature: await wallet.signMessage(first) });
      assert.equal(signedIn.statusCode, 200, signedIn.body);
      const userId = signedIn.json().user.id as string;
      await t.database.db.query(`update auth.users set banned_until = now() + interval '1 day' where id = $1`, [userId]);
      const again = siweMessage(wallet.address);
      const refused = await post(t.app, { chain: 'ethereum', message: again, signature: await wallet.signMessage(again) });
      assertRefused(refused, 403, 'user_banned', 'User is banned');
      const sessions = await t.database.db.query<{ n: number }>('select count(*)::int as n from auth.sessions where user_id = $1', [userId]);
      assert.equal(sessions[0].n, 1, 'only the first sign-in\'s session');
    });

    it('odd bodies are 4xx, never 500', async () => {
      const bodies: unknown[] = [
        {},
        { chain: 'ethereum' },
        { chain: 'ethereum', message: 42, signature: '0x' },
        { chain: ['solana'], message: 'm', signature: 's' },
        { chain: 'solana', message: '\u0000'.repeat(100), signature: 'A'.repeat(86) },
        { chain: 'ethereum', message: '🦊'.repeat(40), signature: `0x${'ff'.repeat(65)}` },
        { chain: 'solana', message: `${'\n'.repeat(10)}${'x'.repeat(60)}`, signature: '='.repeat(88) },
      ];
      for (const body of bodies) {
        const response = await post(t.app, body);
        assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${JSON.stringify(body).slice(0, 80)}: ${response.statusCode} ${response.body}`);
      }
      const notJson = await t.app.inject({ method: 'POST', url: '/auth/v1/token?grant_type=web3', headers: versionHeaders, payload: 'chain=ethereum' });
      assert.ok(notJson.statusCode >= 400 && notJson.statusCode < 500, notJson.body);
    });
  });
}
