/**
 * Microsoft Entra ID (GoTrue's "azure"): OAuth 2.0 against <tenant URL>/oauth2/v2.0/*, the profile from
 * the ID token of the token response, verified against the keys of the issuer it names — which must be
 * a v2.0 issuer on the configured host, and exactly <tenant URL>/v2.0 when GOTRUE_EXTERNAL_AZURE_URL
 * names one tenant (not common, organizations or consumers). The same rule applies to the id_token grant.
 * An address counts as verified unless Microsoft says its domain owner is not verified (xms_edov).
 */
import type { JWTPayload } from 'jose';
import { FoyerError } from '../../../errors.js';
import { claimedIssuer, verifyIdToken } from '../id-token-verifier.js';
import { OAuth2Provider } from '../oauth2-provider.js';
import { buildProfile, text } from '../profile.js';
import type { ProviderProfile } from '../types.js';
import { clientOf, type ProviderDefinition } from './definition.js';
import { idTokenVerifier } from './id-token-issuer.js';

const DEFAULT_TENANT_URL = 'https://login.microsoftonline.com/common';
const MULTI_TENANT = new Set(['common', 'organizations', 'consumers']);
/** Claims GoTrue leaves out of custom_claims (protocol claims and the ones mapped elsewhere). */
const NOT_CUSTOM = new Set(['aud', 'iss', 'iat', 'nbf', 'exp', 'c_hash', 'at_hash', 'aio', 'nonce', 'rh', 'uti', 'jti', 'ver', 'sub', 'name', 'preferred_username']);

/** Which issuers a tenant URL accepts: its own, or (multi-tenant) any tenant's on the same host. */
export function azureIssuerRule(tenantUrl: string): (issuer: string) => boolean {
  const url = new URL(tenantUrl);
  const tenant = url.pathname.split('/').filter(Boolean)[0] ?? '';
  const expected = `${tenantUrl}/v2.0`;
  if (tenant && !MULTI_TENANT.has(tenant.toLowerCase())) return (issuer) => issuer.replace(/\/$/, '') === expected;
  const sameHost = new RegExp(`^${url.origin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[^/]+/v2\\.0/?$`);
  return (issuer) => sameHost.test(issuer);
}

function emailVerified(claims: Record<string, unknown>, email: string | undefined): boolean {
  if (!email) return false;
  const edov = claims.xms_edov;
  if (edov === undefined || edov === null) return true;
  return edov === true || edov === '1' || edov === 'true';
}

function azureProfile(claims: JWTPayload & Record<string, unknown>): ProviderProfile {
  const email = text(claims.email);
  return buildProfile({
    issuer: String(claims.iss),
    subject: claims.sub,
    emails: email ? [{ email, verified: emailVerified(claims, email), primary: true }] : [],
    claims: { preferred_username: text(claims.preferred_username), full_name: text(claims.name) },
    custom: Object.fromEntries(Object.entries(claims).filter(([key]) => !NOT_CUSTOM.has(key))),
  });
}

export const azure: ProviderDefinition = {
  name: 'azure',
  key: 'Azure',
  build: (settings) => {
    const tenantUrl = settings.url ?? DEFAULT_TENANT_URL;
    const accepts = azureIssuerRule(tenantUrl);
    const client = clientOf(settings);
    const issuerOf = async (idToken: string): Promise<string> => {
      const issuer = await claimedIssuer(idToken);
      if (!accepts(issuer)) throw new FoyerError('validation_failed', `Bad ID token: issuer ${JSON.stringify(issuer)} is not accepted for ${tenantUrl}`);
      return issuer;
    };
    return new OAuth2Provider({
      name: 'azure',
      ...client,
      authorizationEndpoint: `${tenantUrl}/oauth2/v2.0/authorize`,
      tokenEndpoint: `${tenantUrl}/oauth2/v2.0/token`,
      scopes: ['openid'],
      clientAuthentication: 'client_secret_post',
      skipNonceCheck: settings.skipNonceCheck,
      profile: async ({ tokens, accessToken }) => {
        if (typeof tokens.id_token !== 'string') throw new FoyerError('unexpected_failure', 'azure: no OIDC ID token present in response');
        const issuer = await issuerOf(tokens.id_token);
        const claims = await verifyIdToken(tokens.id_token, { issuer, audiences: [client.clientId], accessToken });
        return azureProfile(claims as JWTPayload & Record<string, unknown>);
      },
      verifyIdToken: idTokenVerifier(async (idToken) => ({ issuer: await issuerOf(idToken), audiences: settings.clientIds }), azureProfile),
    });
  },
};
