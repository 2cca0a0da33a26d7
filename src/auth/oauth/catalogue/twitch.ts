/** Twitch: OAuth 2.0, the user from Helix /helix/users (which wants the Client-Id header too). */
import { FoyerError } from '../../../errors.js';
import { OAuth2Provider } from '../oauth2-provider.js';
import { buildProfile } from '../profile.js';
import { clientOf, host, type ProviderDefinition } from './definition.js';

interface TwitchUser {
  id?: string;
  login?: string;
  display_name?: string;
  type?: string;
  broadcaster_type?: string;
  description?: string;
  profile_image_url?: string;
  offline_image_url?: string;
  view_count?: number;
  email?: string;
}

export const twitch: ProviderDefinition = {
  name: 'twitch',
  key: 'Twitch',
  build: (settings) => {
    const api = host(settings, 'https://api.twitch.tv');
    const id = host(settings, 'https://id.twitch.tv');
    const client = clientOf(settings);
    return new OAuth2Provider({
      name: 'twitch',
      ...client,
      authorizationEndpoint: `${id}/oauth2/authorize`,
      tokenEndpoint: `${id}/oauth2/token`,
      scopes: ['user:read:email'],
      clientAuthentication: 'client_secret_post',
      profile: async ({ getJson }) => {
        const users = await getJson<{ data?: TwitchUser[] }>(`${api}/helix/users`, { 'client-id': client.clientId });
        const user = users.data?.[0];
        if (!user) throw new FoyerError('unexpected_failure', 'Error getting user profile from external provider: unable to find user with twitch provider');
        return buildProfile({
          issuer: api,
          subject: user.id,
          emails: user.email ? [{ email: user.email, verified: true, primary: true }] : [],
          claims: {
            name: user.login,
            nickname: user.display_name,
            picture: user.profile_image_url,
            slug: user.display_name,
            avatar_url: user.profile_image_url,
            full_name: user.login,
          },
          custom: {
            broadcaster_type: user.broadcaster_type ?? '',
            description: user.description ?? '',
            type: user.type ?? '',
            offline_image_url: user.offline_image_url ?? '',
            view_count: user.view_count ?? 0,
          },
        });
      },
    });
  },
};
