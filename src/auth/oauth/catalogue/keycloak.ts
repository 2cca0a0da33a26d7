/**
 * Keycloak (GOTRUE_EXTERNAL_KEYCLOAK_URL = the realm URL, required): OAuth 2.0 against the realm's
 * /protocol/openid-connect endpoints, the profile from its userinfo endpoint (claims beyond the
 * standard ones kept as custom_claims), and the realm's ID tokens for the id_token grant.
 */
import { OAuth2Provider } from '../oauth2-provider.js';
import { profileFromClaims } from '../oidc.js';
import { buildProfile, text } from '../profile.js';
import { clientOf, type ProviderDefinition } from './definition.js';
import { idTokenVerifier } from './id-token-issuer.js';

const STANDARD = new Set(['name', 'sub', 'email', 'email_verified']);

export const keycloak: ProviderDefinition = {
  name: 'keycloak',
  key: 'Keycloak',
  urlRequired: true,
  build: (settings) => {
    const realm = settings.url as string;
    const endpoints = `${realm}/protocol/openid-connect`;
    return new OAuth2Provider({
      name: 'keycloak',
      ...clientOf(settings),
      authorizationEndpoint: `${endpoints}/auth`,
      tokenEndpoint: `${endpoints}/token`,
      scopes: ['profile', 'email'],
      clientAuthentication: 'client_secret_post',
      skipNonceCheck: settings.skipNonceCheck,
      profile: async ({ getJson }) => {
        const claims = await getJson<Record<string, unknown>>(`${endpoints}/userinfo`);
        const email = text(claims.email);
        const name = text(claims.name);
        return buildProfile({
          issuer: realm,
          subject: text(claims.sub),
          emails: email ? [{ email, verified: claims.email_verified === true, primary: true }] : [],
          claims: { name, full_name: name },
          custom: Object.fromEntries(Object.entries(claims).filter(([key]) => !STANDARD.has(key))),
        });
      },
      // GoTrue reads a Keycloak ID token as any OpenID Connect one.
      verifyIdToken: idTokenVerifier(() => ({ issuer: realm, audiences: settings.clientIds }), (claims) => profileFromClaims(claims)),
    });
  },
};
