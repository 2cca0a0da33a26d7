/** X (OAuth 2.0 with PKCE, which X requires): the user from the v2 API's /2/users/me; only a confirmed address is taken. */
import { OAuth2Provider } from '../oauth2-provider.js';
import { buildProfile } from '../profile.js';
import { clientOf, host, type ProviderDefinition } from './definition.js';

interface XUser { id?: string; name?: string; username?: string; confirmed_email?: string; profile_image_url?: string; url?: string; created_at?: string }

const USER_FIELDS = 'id,name,username,confirmed_email,profile_image_url,url,created_at';

export const x: ProviderDefinition = {
  name: 'x',
  key: 'X',
  build: (settings) => {
    const api = host(settings, 'https://api.x.com');
    return new OAuth2Provider({
      name: 'x',
      ...clientOf(settings),
      authorizationEndpoint: `${host(settings, 'https://x.com')}/i/oauth2/authorize`,
      tokenEndpoint: `${api}/2/oauth2/token`,
      scopes: ['users.email', 'tweet.read', 'users.read', 'offline.access'],
      clientAuthentication: 'client_secret_basic',
      pkce: true,
      profile: async ({ getJson }) => {
        const user = (await getJson<{ data?: XUser }>(`${api}/2/users/me?user.fields=${USER_FIELDS}`)).data ?? {};
        return buildProfile({
          issuer: api,
          subject: user.id,
          emails: user.confirmed_email ? [{ email: user.confirmed_email, verified: true, primary: true }] : [],
          claims: {
            name: user.name,
            preferred_username: user.username,
            picture: user.profile_image_url,
            profile: user.username ? `https://x.com/${user.username}` : undefined,
            website: user.url,
            avatar_url: user.profile_image_url,
            full_name: user.name,
            user_name: user.username,
          },
          custom: { created_at: user.created_at ?? '' },
        });
      },
    });
  },
};
