/**
 * LinkedIn's "Sign In with LinkedIn using OpenID Connect": OAuth 2.0 against /oauth/v2/*, the profile
 * from the ID token of the token response, verified against LinkedIn's keys (issuer
 * https://www.linkedin.com/oauth, or <GOTRUE_EXTERNAL_LINKEDIN_OIDC_URL>/oauth). LinkedIn sends
 * email_verified as the string "true".
 */
import { FoyerError } from '../../../errors.js';
import { verifyIdToken } from '../id-token-verifier.js';
import { OAuth2Provider } from '../oauth2-provider.js';
import { buildProfile, joinName, text } from '../profile.js';
import { clientOf, host, type ProviderDefinition } from './definition.js';

export const LINKEDIN_ISSUER = 'https://www.linkedin.com/oauth';

export const linkedinOidc: ProviderDefinition = {
  name: 'linkedin_oidc',
  key: 'LinkedinOidc',
  build: (settings) => {
    const api = host(settings, 'https://api.linkedin.com');
    const issuer = settings.url ? `${settings.url}/oauth` : LINKEDIN_ISSUER;
    const client = clientOf(settings);
    return new OAuth2Provider({
      name: 'linkedin_oidc',
      ...client,
      authorizationEndpoint: `${api}/oauth/v2/authorization`,
      tokenEndpoint: `${api}/oauth/v2/accessToken`,
      scopes: ['openid', 'email', 'profile'],
      clientAuthentication: 'client_secret_post',
      profile: async ({ tokens, accessToken }) => {
        if (typeof tokens.id_token !== 'string') {
          throw new FoyerError('unexpected_failure', 'Error getting user profile from external provider: no id_token in the token response');
        }
        const claims = await verifyIdToken(tokens.id_token, { issuer, audiences: [client.clientId], accessToken });
        const email = text(claims.email);
        const given = text(claims.given_name);
        const family = text(claims.family_name);
        return buildProfile({
          issuer: String(claims.iss),
          subject: claims.sub,
          emails: email ? [{ email, verified: String(claims.email_verified) === 'true', primary: true }] : [],
          claims: { name: joinName(given, family), given_name: given, family_name: family, locale: text(claims.locale), picture: text(claims.picture) },
        });
      },
    });
  },
};
