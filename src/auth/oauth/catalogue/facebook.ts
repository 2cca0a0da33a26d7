/**
 * Facebook: OAuth 2.0 with the Graph API's /me (appsecret_proof signed), addresses taken as verified
 * as GoTrue does; and Limited Login ID tokens for POST /token?grant_type=id_token — whose nonce GoTrue
 * never checks (the iOS SDK cannot hand it over), so neither does Foyer.
 */
import { createHmac } from 'node:crypto';
import { OAuth2Provider } from '../oauth2-provider.js';
import { buildProfile, joinName } from '../profile.js';
import { clientOf, host, type ProviderDefinition } from './definition.js';
import { idTokenVerifier, verifiedAddressProfile } from './id-token-issuer.js';

export const FACEBOOK_ISSUER = 'https://www.facebook.com';

interface FacebookUser { id?: string; email?: string; first_name?: string; last_name?: string; name?: string; picture?: { data?: { url?: string } } }

export const facebook: ProviderDefinition = {
  name: 'facebook',
  key: 'Facebook',
  build: (settings) => {
    const graph = host(settings, 'https://graph.facebook.com');
    const profileUrl = `${graph}/me?fields=email,first_name,last_name,name,picture`;
    const issuer = settings.url ?? FACEBOOK_ISSUER;
    const client = clientOf(settings);
    return new OAuth2Provider({
      name: 'facebook',
      ...client,
      authorizationEndpoint: `${host(settings, 'https://www.facebook.com')}/dialog/oauth`,
      tokenEndpoint: `${graph}/oauth/access_token`,
      scopes: ['email'],
      clientAuthentication: 'client_secret_post',
      skipNonceCheck: true,
      profile: async ({ getJson, accessToken }) => {
        const proof = createHmac('sha256', client.secret).update(accessToken).digest('hex');
        const user = await getJson<FacebookUser>(`${profileUrl}&appsecret_proof=${proof}`);
        const name = joinName(user.first_name, user.last_name);
        const picture = user.picture?.data?.url;
        return buildProfile({
          issuer: profileUrl,
          subject: user.id,
          emails: user.email ? [{ email: user.email, verified: true, primary: true }] : [],
          claims: { name, nickname: user.name, picture, slug: user.name, avatar_url: picture, full_name: name },
        });
      },
      // Limited Login addresses are always verified.
      verifyIdToken: idTokenVerifier(() => ({ issuer, audiences: settings.clientIds }), verifiedAddressProfile(['name', 'picture'])),
    });
  },
};
