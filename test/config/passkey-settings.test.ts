/**
 * GOTRUE_PASSKEY_* and GOTRUE_WEBAUTHN_*: GoTrue's defaults, and a start with passkeys on refused
 * (naming the variable) when the relying party is missing or no browser could use it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { relyingPartyOf } from '../../src/auth/webauthn/relying-party.js';
import { loadConfig } from '../../src/config/load.js';
import { configError } from '../helpers/config-error.js';

const base = { DATABASE_URL: 'postgres://u@h/db', GOTRUE_JWT_SECRET: 'x'.repeat(40) };
const relyingParty = {
  GOTRUE_WEBAUTHN_RP_ID: 'example.com',
  GOTRUE_WEBAUTHN_RP_DISPLAY_NAME: 'Example',
  GOTRUE_WEBAUTHN_RP_ORIGINS: 'https://example.com',
};

/** The problem lines of a refused configuration. */
const problems = (message: string) => message.split('\n').filter((line) => line.startsWith('  - '));

describe('passkey settings', () => {
  it("has GoTrue's defaults: off, 10 per user, 5 minute challenges, 30 sign-in options per 5 minutes", () => {
    const config = loadConfig(base);
    assert.equal(config.passkeyEnabled, false);
    assert.equal(config.passkeyMaxPerUser, 10);
    assert.equal(config.webauthnChallengeExpirySeconds, 300);
    assert.deepEqual(config.rateLimitPasskey, { limit: 30, windowSeconds: 300 });
    assert.deepEqual(config.webauthnRpOrigins, []);
  });

  it('starts with passkeys off whatever the relying party says (GoTrue ignores it then)', () => {
    const config = loadConfig({ ...base, GOTRUE_WEBAUTHN_RP_ID: 'https://not a domain', GOTRUE_WEBAUTHN_RP_ORIGINS: 'nonsense' });
    assert.equal(config.passkeyEnabled, false);
  });

  it('reads the relying party, the bare RP_ID, durations and limits', () => {
    const config = loadConfig({
      ...base,
      GOTRUE_PASSKEY_ENABLED: 'true',
      RP_ID: 'example.com',
      GOTRUE_WEBAUTHN_RP_DISPLAY_NAME: ' Example App ',
      GOTRUE_WEBAUTHN_RP_ORIGINS: 'https://example.com, HTTPS://App.Example.COM:443/login,http://localhost:3000,android:apk-key-hash:abc_-123',
      GOTRUE_WEBAUTHN_CHALLENGE_EXPIRY_DURATION: '2m30s',
      GOTRUE_PASSKEY_MAX_PASSKEYS_PER_USER: '3',
      GOTRUE_RATE_LIMIT_PASSKEY: '10/1h',
    });
    assert.equal(config.webauthnRpId, 'example.com');
    assert.equal(config.webauthnChallengeExpirySeconds, 150);
    assert.equal(config.passkeyMaxPerUser, 3);
    assert.deepEqual(config.rateLimitPasskey, { limit: 10, windowSeconds: 3600 });
    // Origins as browsers write them, so the comparison is GoTrue's (scheme and host, case-insensitive, default port).
    assert.deepEqual(relyingPartyOf(config), {
      id: 'example.com',
      name: 'Example App',
      origins: ['https://example.com', 'https://app.example.com', 'http://localhost:3000', 'android:apk-key-hash:abc_-123'],
    });
    assert.equal(loadConfig({ ...base, GOTRUE_WEBAUTHN_RP_ID: 'a.example', RP_ID: 'b.example' }).webauthnRpId, 'a.example', 'the prefixed name wins');
  });

  it('stops the start with passkeys on and no relying party, naming each missing variable', () => {
    const lines = problems(configError({ ...base, GOTRUE_PASSKEY_ENABLED: 'true' }));
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.match(lines[0], /GOTRUE_WEBAUTHN_RP_ID is required when GOTRUE_PASSKEY_ENABLED is true/);
    assert.match(lines[1], /GOTRUE_WEBAUTHN_RP_DISPLAY_NAME is required/);
    assert.match(lines[2], /GOTRUE_WEBAUTHN_RP_ORIGINS is required/);
  });

  it('stops the start with WebAuthn MFA on and no relying party (GoTrue checks the same variables for it), and reads its switches', () => {
    for (const name of ['GOTRUE_MFA_WEB_AUTHN_ENROLL_ENABLED', 'GOTRUE_MFA_WEB_AUTHN_VERIFY_ENABLED']) {
      const lines = problems(configError({ ...base, [name]: 'true' }));
      assert.equal(lines.length, 3, lines.join('\n'));
      assert.match(lines[0], new RegExp(`GOTRUE_WEBAUTHN_RP_ID is required when ${name} is true`));
    }
    const config = loadConfig({ ...base, ...relyingParty, GOTRUE_MFA_WEB_AUTHN_ENROLL_ENABLED: 'true' });
    assert.equal(config.mfaWebAuthnEnrollEnabled, true);
    assert.equal(config.mfaWebAuthnVerifyEnabled, false, 'off by default, as in GoTrue');
    assert.equal(loadConfig(base).mfaWebAuthnEnrollEnabled, false);
    assert.match(configError({ ...base, GOTRUE_MFA_WEB_AUTHN_VERIFY_ENABLED: 'sure' }), /GOTRUE_MFA_WEB_AUTHN_VERIFY_ENABLED must be true or false/);
  });

  it('stops the start for an RP id or origin no browser accepts', () => {
    for (const rpId of ['https://example.com', 'example.com:443', 'example.com/app', 'Example.com', 'user@example.com']) {
      const message = configError({ ...base, ...relyingParty, GOTRUE_PASSKEY_ENABLED: 'true', GOTRUE_WEBAUTHN_RP_ID: rpId });
      assert.match(message, /GOTRUE_WEBAUTHN_RP_ID must be a (lower-case )?domain name/, rpId);
    }
    for (const origin of ['example.com', 'https://', 'not an origin']) {
      const message = configError({ ...base, ...relyingParty, GOTRUE_PASSKEY_ENABLED: 'true', GOTRUE_WEBAUTHN_RP_ORIGINS: `https://example.com,${origin}` });
      assert.match(message, /GOTRUE_WEBAUTHN_RP_ORIGINS: .* is not an origin/, origin);
    }
    assert.match(configError({ ...base, GOTRUE_PASSKEY_ENABLED: 'yes' }), /GOTRUE_PASSKEY_ENABLED must be true or false/);
    assert.match(configError({ ...base, GOTRUE_PASSKEY_MAX_PASSKEYS_PER_USER: '-1' }), /GOTRUE_PASSKEY_MAX_PASSKEYS_PER_USER must be at least 0/);
    assert.match(configError({ ...base, GOTRUE_WEBAUTHN_CHALLENGE_EXPIRY_DURATION: '0s' }), /GOTRUE_WEBAUTHN_CHALLENGE_EXPIRY_DURATION must be at least 1s/);
    assert.match(configError({ ...base, GOTRUE_RATE_LIMIT_PASSKEY: 'many' }), /GOTRUE_RATE_LIMIT_PASSKEY must be a number/);
  });

  it('starts with passkeys on and a complete relying party (localhost included, for development)', () => {
    assert.equal(loadConfig({ ...base, ...relyingParty, GOTRUE_PASSKEY_ENABLED: 'true' }).passkeyEnabled, true);
    const local = loadConfig({ ...base, GOTRUE_PASSKEY_ENABLED: 'true', GOTRUE_WEBAUTHN_RP_ID: 'localhost', GOTRUE_WEBAUTHN_RP_DISPLAY_NAME: 'Dev', GOTRUE_WEBAUTHN_RP_ORIGINS: 'http://localhost:5173' });
    assert.deepEqual(relyingPartyOf(local).origins, ['http://localhost:5173']);
  });
});
