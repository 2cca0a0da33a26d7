/**
 * GOTRUE_SAML_*: served, with GoTrue's key rules. SAML on without a key, or with a key GoTrue refuses
 * (not Base64, not PKCS#1, under 2048 bits, another exponent), stops the start naming the variable. The
 * certificate published for the key is GoTrue's template: self-signed, serial 0, 1970 to 2170.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { serviceProvider } from '../../src/auth/sso/service-provider.js';
import { configError } from '../helpers/config-error.js';
import { samlPrivateKeyValue } from '../helpers/saml-idp.js';

const pkcs1 = (bits: number, exponent = 65537) =>
  generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: exponent }).privateKey.export({ type: 'pkcs1', format: 'der' }).toString('base64');

describe('GOTRUE_SAML_* settings', () => {
  it('SAML on without a key stops the start, naming GOTRUE_SAML_PRIVATE_KEY', () => {
    assert.match(configError({ GOTRUE_SAML_ENABLED: 'true' }), /GOTRUE_SAML_PRIVATE_KEY is required when GOTRUE_SAML_ENABLED is true/);
  });

  it('refuses keys GoTrue refuses', () => {
    assert.match(configError({ GOTRUE_SAML_ENABLED: 'true', GOTRUE_SAML_PRIVATE_KEY: 'not base64!' }), /GOTRUE_SAML_PRIVATE_KEY is not in standard Base64 format/);
    assert.match(configError({ GOTRUE_SAML_ENABLED: 'true', GOTRUE_SAML_PRIVATE_KEY: Buffer.from('hello').toString('base64') }), /GOTRUE_SAML_PRIVATE_KEY is not an RSA private key in PKCS#1 format/);
    assert.match(configError({ GOTRUE_SAML_ENABLED: 'true', GOTRUE_SAML_PRIVATE_KEY: pkcs1(1024) }), /GOTRUE_SAML_PRIVATE_KEY must be at least RSA 2048/);
    assert.match(configError({ GOTRUE_SAML_ENABLED: 'true', GOTRUE_SAML_PRIVATE_KEY: pkcs1(2048, 3) }), /GOTRUE_SAML_PRIVATE_KEY should use the 65537/);
    assert.match(
      configError({ GOTRUE_SAML_ENABLED: 'true', GOTRUE_SAML_PRIVATE_KEY: samlPrivateKeyValue(), GOTRUE_SAML_PRIVATE_KEY_NEXT: 'x' }),
      /GOTRUE_SAML_PRIVATE_KEY_NEXT is not in standard Base64 format/,
    );
    assert.match(configError({ GOTRUE_SAML_RELAY_STATE_VALIDITY_PERIOD: 'soon' }), /GOTRUE_SAML_RELAY_STATE_VALIDITY_PERIOD must be a duration/);
  });

  it('SAML off: the key variables are inert; on: GoTrue defaults and the certificate of the key', () => {
    assert.equal(loadConfig({ GOTRUE_SAML_PRIVATE_KEY: 'anything' }).samlEnabled, false);
    const config = loadConfig({
      GOTRUE_SAML_ENABLED: 'true',
      GOTRUE_SAML_PRIVATE_KEY: samlPrivateKeyValue(),
      API_EXTERNAL_URL: 'https://auth.example.com:8443/auth/v1',
    });
    assert.equal(config.samlRelayStateValiditySeconds, 120);
    assert.equal(config.samlAllowEncryptedAssertions, false);
    assert.deepEqual(config.rateLimitSamlAssertion, { limit: 15, windowSeconds: 300 });
    assert.deepEqual(config.rateLimitSso, { limit: 30, windowSeconds: 300 });
    const sp = serviceProvider(config);
    assert.equal(sp.entityId, 'https://auth.example.com:8443/auth/v1/sso/saml/metadata');
    assert.equal(sp.acsUrl, 'https://auth.example.com:8443/auth/v1/sso/saml/acs');
    const certificate = new X509Certificate(Buffer.from(sp.current.certificateBase64, 'base64'));
    assert.equal(certificate.subject, 'CN=SAML 2.0 Certificate for auth.example.com');
    assert.equal(certificate.subjectAltName, 'DNS:_samlsp.auth.example.com');
    assert.equal(certificate.serialNumber, '0');
    assert.equal(new Date(certificate.validFrom).toISOString(), '1970-01-01T00:00:00.000Z');
    assert.ok(certificate.checkPrivateKey(sp.current.key));
    // Deterministic: the same key publishes the same certificate on every start.
    const again = loadConfig({ GOTRUE_SAML_ENABLED: 'true', GOTRUE_SAML_PRIVATE_KEY: config.samlPrivateKey ?? '', API_EXTERNAL_URL: config.apiExternalUrl });
    assert.equal(serviceProvider(again).current.certificateBase64, sp.current.certificateBase64);
    const external = serviceProvider(loadConfig({ GOTRUE_SAML_ENABLED: 'true', GOTRUE_SAML_PRIVATE_KEY: samlPrivateKeyValue(), GOTRUE_SAML_EXTERNAL_URL: 'https://sso.example.com/' }));
    assert.equal(external.entityId, 'https://sso.example.com/sso/saml/metadata');
  });
});
