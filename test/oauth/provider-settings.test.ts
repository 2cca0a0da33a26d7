/** Provider settings: defaults, names, and an enabled provider that lacks what it needs. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultRedirectUri, providerRegistry } from '../../src/auth/oauth/providers.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';

const base = { GOTRUE_JWT_SECRET: 'a-test-secret-that-is-long-enough-0123456789', API_EXTERNAL_URL: 'https://auth.example.com/auth/v1' };

describe('OAuth provider settings', () => {
  it('registers nothing by default and derives the redirect URI from API_EXTERNAL_URL', () => {
    const config = loadConfig(base);
    assert.deepEqual(providerRegistry(config).names, []);
    assert.equal(defaultRedirectUri(config), 'https://auth.example.com/auth/v1/callback');
    assert.equal(config.externalOidcName, 'oidc');
    assert.deepEqual(config.externalOidcScopes, ['openid', 'email', 'profile']);
  });

  it('names every missing variable of an enabled provider', () => {
    const config = loadConfig({ ...base, FOYER_EXTERNAL_OIDC_ENABLED: 'true', GOTRUE_EXTERNAL_GITHUB_ENABLED: 'true' });
    assert.throws(
      () => providerRegistry(config),
      (error: unknown) =>
        error instanceof ConfigError &&
        /FOYER_EXTERNAL_OIDC_ISSUER/.test(error.message) &&
        /FOYER_EXTERNAL_OIDC_CLIENT_ID/.test(error.message) &&
        /GOTRUE_EXTERNAL_GITHUB_SECRET/.test(error.message),
    );
  });

  it('takes a custom provider name, not a built-in one', () => {
    const config = loadConfig({
      ...base,
      FOYER_EXTERNAL_OIDC_ENABLED: 'true',
      FOYER_EXTERNAL_OIDC_NAME: 'zitadel',
      FOYER_EXTERNAL_OIDC_ISSUER: 'http://zitadel:8080',
      FOYER_EXTERNAL_OIDC_CLIENT_ID: 'web,ios',
      FOYER_EXTERNAL_OIDC_SECRET: 'secret',
      FOYER_EXTERNAL_OIDC_SCOPES: 'email offline_access',
    });
    assert.deepEqual(providerRegistry(config).names, ['zitadel']);
    assert.equal(providerRegistry(config).get('Zitadel')?.name, 'zitadel');
    assert.deepEqual(config.externalOidcClientId, ['web', 'ios']);
    assert.deepEqual(config.externalOidcScopes, ['openid', 'email', 'offline_access']);
    assert.throws(() => loadConfig({ ...base, FOYER_EXTERNAL_OIDC_NAME: 'google' }), /FOYER_EXTERNAL_OIDC_NAME/);
  });
});
