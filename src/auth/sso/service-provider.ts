/**
 * Foyer as a SAML service provider, as GoTrue presents itself: base URL GOTRUE_SAML_EXTERNAL_URL (or
 * API_EXTERNAL_URL) + "/sso/", entity id <base>/sso/saml/metadata, assertion consumer service
 * <base>/sso/saml/acs, the key of GOTRUE_SAML_PRIVATE_KEY and its certificate (and the next key's, during
 * a rotation). Derived once per configuration.
 */
import type { KeyObject } from 'node:crypto';
import type { Config } from '../../config/load.js';
import { parseSamlKey } from '../../config/saml-settings.js';
import { FoyerError } from '../../errors.js';
import { certificateHost, certificatePem, serviceProviderCertificate } from './sp-certificate.js';

export interface SpKey {
  readonly key: KeyObject;
  readonly keyPem: string;
  /** Base64 DER, as metadata carries it. */
  readonly certificateBase64: string;
  readonly certificatePem: string;
}

export interface ServiceProvider {
  readonly entityId: string;
  readonly acsUrl: string;
  readonly sloUrl: string;
  readonly current: SpKey;
  readonly next: SpKey | undefined;
  readonly allowEncryptedAssertions: boolean;
  readonly relayStateValiditySeconds: number;
}

const cache = new WeakMap<Config, ServiceProvider>();

function spKey(name: string, value: string, host: string, allowEncryption: boolean): SpKey {
  const key = parseSamlKey(name, value);
  const der = serviceProviderCertificate(key, host, allowEncryption);
  return {
    key,
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificateBase64: der.toString('base64'),
    certificatePem: certificatePem(der),
  };
}

/** The service provider of this configuration; 404 saml_provider_disabled when SAML is off. */
export function serviceProvider(config: Config): ServiceProvider {
  if (!config.samlEnabled || !config.samlPrivateKey) throw new FoyerError('saml_provider_disabled', 'SAML 2.0 is disabled');
  const cached = cache.get(config);
  if (cached) return cached;
  const base = `${(config.samlExternalUrl ?? config.apiExternalUrl).replace(/\/+$/, '')}/sso/`;
  // The certificate names the API's host, as GoTrue's does (API_EXTERNAL_URL, whatever the SAML URL).
  const host = certificateHost(config.apiExternalUrl);
  const allow = config.samlAllowEncryptedAssertions;
  const built: ServiceProvider = {
    entityId: `${base}saml/metadata`,
    acsUrl: `${base}saml/acs`,
    sloUrl: `${base}saml/slo`,
    current: spKey('GOTRUE_SAML_PRIVATE_KEY', config.samlPrivateKey, host, allow),
    next: config.samlPrivateKeyNext ? spKey('GOTRUE_SAML_PRIVATE_KEY_NEXT', config.samlPrivateKeyNext, host, allow) : undefined,
    allowEncryptedAssertions: allow,
    relayStateValiditySeconds: config.samlRelayStateValiditySeconds,
  };
  cache.set(config, built);
  return built;
}
