/**
 * GoTrue's v2 refresh-token codec against fixed vectors. The vectors' inputs follow GoTrue's own codec
 * test (crypto.TestRefreshTokenParse: a 32-byte all-zero key and the counter 2^63-1, plus its malformed
 * examples); the expected strings were computed by a third implementation (Python's hmac, hashlib and
 * base64, from the layout), so neither Foyer's codec nor the test helper's is checked against itself.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { encodeRefreshTokenV2, parseRefreshTokenV2, readSessionRefreshKey, refreshTokenV2SignedBy } from '../../src/security/refresh-token-v2.js';
import { base64url, v2Token, withChecksum } from '../helpers/gotrue-v2-session.js';

const SESSION_ID = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const ZERO_KEY = Buffer.alloc(32);
const COUNTING_KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const MAX_INT64 = 9223372036854775807n;

const vectors = [
  { counter: 0n, key: ZERO_KEY, token: 'AGunuBCdrRHRgLQAwE_UMMgA72-29ZaWWao29fspY03JE3j-pUE' },
  { counter: 1n, key: ZERO_KEY, token: 'AGunuBCdrRHRgLQAwE_UMMgBKa-G80bGeunazlwUGkCwy2bzkXE' },
  { counter: 300n, key: COUNTING_KEY, token: 'AGunuBCdrRHRgLQAwE_UMMisAllLMrLT0vR8Nz22wzd5KspB66nR' },
  { counter: MAX_INT64, key: ZERO_KEY, token: 'AGunuBCdrRHRgLQAwE_UMMj__________3_tbrQEmbbUBj3dRhaxXKRzoex0YA' },
];

describe("GoTrue's v2 refresh-token format", () => {
  it('encodes the known vectors, as does the test helper', () => {
    for (const { counter, key, token } of vectors) {
      assert.equal(encodeRefreshTokenV2(SESSION_ID, counter, key), token, `counter ${counter}`);
      assert.equal(v2Token({ sessionId: SESSION_ID, counter, key }), token, `helper, counter ${counter}`);
    }
  });

  it('reads the known vectors back and checks their signatures with the right key only', () => {
    for (const { counter, key, token } of vectors) {
      const parsed = parseRefreshTokenV2(token);
      assert.ok(parsed, token);
      assert.equal(parsed.sessionId, SESSION_ID);
      assert.equal(parsed.counter, counter);
      assert.equal(refreshTokenV2SignedBy(parsed, key), true);
      assert.equal(refreshTokenV2SignedBy(parsed, randomBytes(32)), false);
    }
  });

  it("refuses GoTrue's malformed examples", () => {
    const minimum = 1 + 16 + 1 + 16 + 4;
    const versionOne = Buffer.alloc(minimum);
    versionOne[0] = 1;
    const counterNeverEnds = Buffer.alloc(minimum - 4).fill(0xff, 17);
    const counterEatsTheSignature = Buffer.alloc(minimum - 4);
    counterEatsTheSignature[17] = 0xff;
    const examples = [
      base64url(Buffer.alloc(minimum - 1)), // too short
      base64url(Buffer.alloc(minimum)), // checksum
      base64url(versionOne), // version
      base64url(withChecksum(counterNeverEnds)), // counter
      base64url(withChecksum(counterEatsTheSignature)), // length
      '!'.repeat((4 * minimum) / 3), // not base64url
    ];
    for (const token of examples) assert.equal(parseRefreshTokenV2(token), undefined, token);
  });

  it('refuses padding, stray characters, a dangling base64 character and trailing bytes', () => {
    const token = vectors[0].token;
    for (const bad of [`${token}=`, `${token}\n`, ` ${token}`, `${token.slice(0, -1)}+`, `${token}A`, `${token}AAAA`, token.slice(0, -1)]) {
      assert.equal(parseRefreshTokenV2(bad), undefined, JSON.stringify(bad));
    }
  });

  it("reads counters as Go's Uvarint does: ten bytes at most, values above 2^63-1 clamped", () => {
    const signatureAndId = (counter: number[]) =>
      base64url(withChecksum(Buffer.concat([Buffer.from([0]), randomBytes(16), Buffer.from(counter), randomBytes(16)])));
    assert.equal(parseRefreshTokenV2(signatureAndId([...Array(9).fill(0xff), 0x01]))?.counter, MAX_INT64);
    assert.equal(parseRefreshTokenV2(signatureAndId([...Array(9).fill(0xff), 0x02])), undefined, 'overflows 64 bits');
    assert.equal(parseRefreshTokenV2(signatureAndId([...Array(10).fill(0xff), 0x00])), undefined, 'eleven bytes');
    assert.equal(parseRefreshTokenV2(signatureAndId([0x80, 0x00]))?.counter, 0n, 'a non-minimal zero, as Go reads it');
  });

  it('round-trips random sessions and counters', () => {
    for (const counter of [0n, 127n, 128n, 16_383n, 16_384n, 2n ** 35n, MAX_INT64 - 1n]) {
      const sessionId = randomUUID();
      const key = randomBytes(32);
      const token = encodeRefreshTokenV2(sessionId, counter, key);
      assert.equal(token, v2Token({ sessionId, counter, key }));
      const parsed = parseRefreshTokenV2(token);
      assert.deepEqual([parsed?.sessionId, parsed?.counter], [sessionId, counter]);
    }
  });

  it('reads the session key as GoTrue stores it, and names what it cannot read', () => {
    const key = randomBytes(32);
    assert.deepEqual(readSessionRefreshKey(key.toString('base64url')), { key });
    const envelope = JSON.stringify({ key_id: 'k1', alg: 'aes-gcm-hkdf', data: 'AAAA', nonce: 'AAAAAAAAAAAAAAAA' });
    assert.deepEqual(readSessionRefreshKey(envelope), { unreadable: 'encrypted' });
    for (const stored of ['', 'has spaces', `${key.toString('base64url')}=`, key.toString('base64')]) {
      assert.deepEqual(readSessionRefreshKey(stored), { unreadable: 'malformed' }, JSON.stringify(stored));
    }
  });
});
