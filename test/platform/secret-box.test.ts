import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSecretBox, isSealed, SecretBoxError } from '../../src/security/secret-box.js';
import { createLoginLimiter } from '../../src/platform/login-limiter.js';
import { hashAdminPassword, verifyAdminPassword } from '../../src/platform/password-hash.js';

describe('secret box (AES-256-GCM under the master key)', () => {
  const box = createSecretBox('a-master-key-of-at-least-32-characters!');

  it('seals with a fresh IV each time and opens what it sealed', () => {
    const a = box.seal('postgres://user:pw@db/app', 'project:abc:database_url');
    const b = box.seal('postgres://user:pw@db/app', 'project:abc:database_url');
    assert.notEqual(a, b);
    assert.ok(isSealed(a));
    assert.equal(box.open(a, 'project:abc:database_url'), 'postgres://user:pw@db/app');
  });

  it('refuses another key, another context and a tampered value', () => {
    const sealed = box.seal('secret', 'project:abc:jwt_secret');
    assert.throws(() => createSecretBox('another-master-key-of-32-characters!!').open(sealed, 'project:abc:jwt_secret'), SecretBoxError);
    assert.throws(() => box.open(sealed, 'project:xyz:jwt_secret'), SecretBoxError);
    const parts = sealed.split('.');
    parts[2] = Buffer.from('tampered').toString('base64url');
    assert.throws(() => box.open(parts.join('.'), 'project:abc:jwt_secret'), SecretBoxError);
    assert.throws(() => box.open('plain text', 'x'), SecretBoxError);
    assert.throws(() => createSecretBox('too short'), SecretBoxError);
  });
});

describe('console password hashing and login throttling', () => {
  it('hashes with scrypt and verifies only the right password', async () => {
    const hash = await hashAdminPassword('correct horse');
    assert.equal(await verifyAdminPassword('correct horse', hash), true);
    assert.equal(await verifyAdminPassword('correct horsE', hash), false);
    assert.equal(await verifyAdminPassword('correct horse', 'scrypt$30$8$1$aa$bb'), false, 'absurd costs are refused');
    assert.equal(await verifyAdminPassword('x', 'bcrypt$...'), false);
  });

  it('allows 10 failures per key in the window, then says how long to wait', () => {
    let now = 1_000_000;
    const limiter = createLoginLimiter({ now: () => now });
    for (let i = 0; i < 10; i += 1) {
      assert.equal(limiter.retryAfter('ip|a'), 0);
      limiter.fail('ip|a');
    }
    assert.equal(limiter.retryAfter('ip|a'), 900);
    assert.equal(limiter.retryAfter('ip|b'), 0);
    now += 600_000;
    assert.equal(limiter.retryAfter('ip|a'), 300);
    now += 300_001;
    assert.equal(limiter.retryAfter('ip|a'), 0);
    limiter.fail('ip|a');
    limiter.succeed('ip|a');
    assert.equal(limiter.retryAfter('ip|a'), 0);
  });
});
