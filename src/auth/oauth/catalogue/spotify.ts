/** Spotify: OAuth 2.0, profile from the Web API's /me; Spotify does not verify addresses, so neither does GoTrue. */
import { OAuth2Provider } from '../oauth2-provider.js';
import { buildProfile } from '../profile.js';
import { clientOf, host, type ProviderDefinition } from './definition.js';

interface SpotifyUser { id?: string; display_name?: string; email?: string; images?: { url?: string; height?: number | null; width?: number | null }[] }

export const spotify: ProviderDefinition = {
  name: 'spotify',
  key: 'Spotify',
  build: (settings) => {
    const api = host(settings, 'https://api.spotify.com/v1');
    const accounts = host(settings, 'https://accounts.spotify.com');
    return new OAuth2Provider({
      name: 'spotify',
      ...clientOf(settings),
      authorizationEndpoint: `${accounts}/authorize`,
      tokenEndpoint: `${accounts}/api/token`,
      scopes: ['user-read-email'],
      clientAuthentication: 'client_secret_basic',
      profile: async ({ getJson }) => {
        const user = await getJson<SpotifyUser>(`${api}/me`);
        const area = (image: { height?: number | null; width?: number | null }) => (image.height ?? 0) * (image.width ?? 0);
        const largest = (user.images ?? []).reduce<SpotifyUser['images'] extends (infer I)[] | undefined ? I | undefined : never>(
          (best, image) => (!best || area(image) > area(best) ? image : best),
          undefined,
        );
        return buildProfile({
          issuer: api,
          subject: user.id,
          emails: user.email ? [{ email: user.email, verified: false, primary: true }] : [],
          claims: { name: user.display_name, picture: largest?.url, avatar_url: largest?.url, full_name: user.display_name },
        });
      },
    });
  },
};
