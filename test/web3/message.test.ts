/**
 * The sign-in message reader and the audience checks on their own (no database): the details where
 * GoTrue's Go reading differs from what JavaScript would do by default — the URI's host as written,
 * RFC 3339 with fractions and offsets, Go's zero time, the statement line — and the localhost rules
 * a development setup relies on.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkAudience, checkValidNow } from '../../src/auth/web3/checks.js';
import { ethereumDialect } from '../../src/auth/web3/ethereum.js';
import { parseSignInMessage } from '../../src/auth/web3/message.js';
import { solanaDialect } from '../../src/auth/web3/solana.js';
import { parseRfc3339Ms } from '../../src/auth/web3/timestamp.js';
import { FoyerError } from '../../src/errors.js';

const address = '0x27D3F31B06F2e3EEE499aBD5f3e7A2eA65911e4f';
const ethereum = (lines: { domain?: string; body?: string[] } = {}) =>
  [
    `${lines.domain ?? 'app.example.com'} wants you to sign in with your Ethereum account:`,
    address,
    '',
    ...(lines.body ?? ['URI: https://app.example.com/login', 'Version: 1', 'Chain ID: 1', 'Nonce: abcdefgh', 'Issued At: 2026-12-03T10:00:00Z']),
  ].join('\n');

const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof FoyerError);
    return `${error.code}: ${error.message}`;
  }
  assert.fail('expected a refusal');
};

describe('sign-in messages', () => {
  it('reads the fields, the statement, resources, and keeps the URI host as written', () => {
    const message = parseSignInMessage(
      ethereum({
        body: [
          'Sign in to Example',
          '',
          'URI: https://App.Example.com:443/login?x=1',
          'Version: 1',
          'Chain ID: 137',
          'Nonce: abcdefgh',
          'Issued At: 2026-12-03T10:00:00.123456+02:00',
          'Expiration Time: 2026-12-03T09:00:00Z',
          'Request ID: req-1',
          'Unknown Field: ignored, as GoTrue ignores it',
          'Resources:',
          '- https://app.example.com/terms',
          '- ipfs://bafy/doc',
        ],
      }),
      ethereumDialect,
    );
    assert.equal(message.statement, 'Sign in to Example');
    assert.equal(message.uri.host, 'App.Example.com:443', 'Go keeps the case and the default port');
    assert.equal(message.uri.hostname, 'App.Example.com');
    assert.equal(message.chainId, '137');
    assert.equal(message.issuedAtMs, Date.parse('2026-12-03T08:00:00.123Z'));
    assert.equal(message.requestId, 'req-1');
    assert.deepEqual(message.resources, ['https://app.example.com/terms', 'ipfs://bafy/doc']);
    assert.equal(parseSignInMessage(ethereum(), ethereumDialect).statement, null);
  });

  it('takes RFC 3339 as Go does, and treats Go\'s zero time as no Issued At', () => {
    assert.equal(parseRfc3339Ms('2026-12-03T10:00:00Z'), Date.parse('2026-12-03T10:00:00Z'));
    assert.equal(parseRfc3339Ms('2026-12-03T10:00:00-05:30'), Date.parse('2026-12-03T15:30:00Z'));
    assert.equal(parseRfc3339Ms('0099-01-01T00:00:00Z'), Date.parse('0099-01-01T00:00:00Z'));
    for (const bad of ['2026-12-03 10:00:00Z', '2026-12-03T10:00:00', '2026-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-12-03T24:00:00Z', '1733220000']) {
      assert.equal(parseRfc3339Ms(bad), undefined, bad);
    }
    const zero = ethereum({ body: ['URI: https://app.example.com/', 'Version: 1', 'Issued At: 0001-01-01T00:00:00Z'] });
    assert.equal(refusal(() => parseSignInMessage(zero, ethereumDialect)), 'validation_failed: siwe: Issued At is not specified');
  });

  it('refuses chain ids GoTrue refuses: Ethereum needs a positive EIP-155 id, Solana a known cluster or none', () => {
    for (const id of ['0', '-1', 'mainnet', '', '99999999999999999999']) {
      const text = ethereum({ body: ['URI: https://app.example.com/', 'Version: 1', `Chain ID: ${id}`, 'Issued At: 2026-12-03T10:00:00Z'] });
      assert.equal(refusal(() => parseSignInMessage(text, ethereumDialect)), 'validation_failed: siwe: Chain ID is not valid', id);
    }
    const solana = (chain: string) =>
      ['app.example.com wants you to sign in with your Solana account:', 'GqzLqrf8xGdXbU2DWoRnqhQKPBwoC9KHAAKE4GJumC5R', '', 'URI: https://app.example.com/', 'Version: 1', `Chain ID: ${chain}`, 'Issued At: 2026-12-03T10:00:00Z'].join('\n');
    assert.equal(parseSignInMessage(solana('solana:devnet'), solanaDialect).chainId, 'solana:devnet');
    assert.equal(parseSignInMessage(solana(''), solanaDialect).chainId, '');
    assert.equal(refusal(() => parseSignInMessage(solana('ethereum:1'), solanaDialect)), 'validation_failed: siws: Chain ID is not valid');
  });
});

describe('audience and time checks', () => {
  const site = { siteUrl: 'https://app.example.com', uriAllowList: ['http://localhost:3000/**'] };
  const withUri = (domain: string, uri: string) =>
    parseSignInMessage(ethereum({ domain, body: [`URI: ${uri}`, 'Version: 1', 'Chain ID: 1', 'Issued At: 2026-12-03T10:00:00Z'] }), ethereumDialect);

  it('takes a message of the site, and of an allowed localhost page over plain HTTP (development)', () => {
    checkAudience(site, withUri('app.example.com', 'https://app.example.com/login'), 'Ethereum');
    checkAudience(site, withUri('localhost:3000', 'http://localhost:3000/'), 'Ethereum');
  });

  it('refuses another host, a host differing only by case or default port from the domain, a path-only URI', () => {
    assert.match(refusal(() => checkAudience(site, withUri('app.example.com', 'https://app.example.com.evil.net/'), 'Ethereum')), /signed for another app/);
    assert.match(refusal(() => checkAudience(site, withUri('App.example.com', 'https://app.example.com/'), 'Ethereum')), /Domain that does not match/);
    assert.match(refusal(() => checkAudience(site, withUri('app.example.com', 'https://app.example.com:443/'), 'Ethereum')), /invalid_grant/);
    assert.match(refusal(() => checkAudience(site, withUri('localhost:4000', 'http://localhost:4000/'), 'Ethereum')), /signed for another app/);
    assert.match(refusal(() => checkAudience(site, withUri('app.example.com', '/login'), 'Ethereum')), /does not use HTTPS/);
  });

  it('counts the window from Issued At either way, and honours Expiration Time without Not Before', () => {
    const message = withUri('app.example.com', 'https://app.example.com/');
    const issued = message.issuedAtMs;
    checkValidNow(message, 'Ethereum', 600, issued + 600_000);
    checkValidNow(message, 'Ethereum', 600, issued - 600_000);
    assert.match(refusal(() => checkValidNow(message, 'Ethereum', 600, issued + 600_001)), /issued too long ago/);
    assert.match(refusal(() => checkValidNow(message, 'Ethereum', 600, issued - 600_001)), /too far in the future/);
    const expiring = { ...message, expirationTimeMs: issued + 1000 };
    assert.match(refusal(() => checkValidNow(expiring, 'Ethereum', 600, issued + 1001)), /Signed Ethereum message is expired/);
  });
});
