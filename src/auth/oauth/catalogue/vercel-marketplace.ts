/**
 * Vercel Marketplace: OAuth 2.0 at api.vercel.com (/oauth/v2/*), the user from the ID token of the token
 * response, verified against the issuer https://marketplace.vercel.com (its keys by discovery) with the
 * access token's at_hash; the same tokens are taken by POST /token?grant_type=id_token. As GoTrue reads
 * them: the address counts as verified, and the identity is the Vercel account across installations
 * (`global_user_id:<id>`) when the token names one, else the token's subject.
 */
import type { JWTPayload } from 'jose';
import { FoyerError } from '../../../errors.js';
import { verifyIdToken } from '../id-token-verifier.js';
import { OAuth2Provider } from '../oauth2-provider.js';
import { buildProfile, text } from '../profile.js';
import type { ProviderProfile } from '../types.js';
import { clientOf, host, type ProviderDefinition } from './definition.js';
import { idTokenVerifier } from './id-token-issuer.js';

export const VERCEL_MARKETPLACE_ISSUER = 'https://marketplace.vercel.com';

function vercelProfile(claims: JWTPayload & Record<string, unknown>): ProviderProfile {
  const globalUserId = text(claims.global_user_id);
  const email = text(claims.user_email);
  return buildProfile({
    issuer: String(claims.iss),
    subject: globalUserId ? `global_user_id:${globalUserId}` : claims.sub,
    emails: email ? [{ email, verified: true, primary: true }] : [],
    claims: { name: text(claims.user_name), picture: text(claims.user_avatar_url) },
  });
}

export const vercelMarketplace: ProviderDefinition = {
  name: 'vercel_marketplace',
  key: 'VercelMarketplace',
  build: (settings) => {
    const api = host(settings, 'https://api.vercel.com');
    // GoTrue's issuer is fixed; Foyer lets GOTRUE_EXTERNAL_VERCEL_MARKETPLACE_URL move it with the endpoints.
    const issuer = settings.url ?? VERCEL_MARKETPLACE_ISSUER;
    const client = clientOf(settings);
    return new OAuth2Provider({
      name: 'vercel_marketplace',
      ...client,
      authorizationEndpoint: `${api}/oauth/v2/authorization`,
      tokenEndpoint: `${api}/oauth/v2/accessToken`,
      scopes: [],
      clientAuthentication: 'client_secret_post',
      skipNonceCheck: settings.skipNonceCheck,
      profile: async ({ tokens, accessToken }) => {
        if (typeof tokens.id_token !== 'string' || !accessToken) {
          throw new FoyerError('unexpected_failure', 'Error getting user profile from external provider: vercel_marketplace: no OIDC ID token present in response');
        }
        return vercelProfile(
          (await verifyIdToken(tokens.id_token, { issuer, audiences: [client.clientId], accessToken })) as JWTPayload & Record<string, unknown>,
        );
      },
      verifyIdToken: idTokenVerifier(() => ({ issuer, audiences: settings.clientIds }), vercelProfile),
    });
  },
};
