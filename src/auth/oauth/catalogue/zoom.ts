/** Zoom: OAuth 2.0 (client secret as HTTP Basic), the user from /v2/users/me; GoTrue's verified rule. */
import { OAuth2Provider } from '../oauth2-provider.js';
import { buildProfile, joinName } from '../profile.js';
import { clientOf, host, type ProviderDefinition } from './definition.js';

interface ZoomUser { id?: string; first_name?: string; last_name?: string; email?: string; verified?: number; login_type?: string | number; pic_url?: string }

export const zoom: ProviderDefinition = {
  name: 'zoom',
  key: 'Zoom',
  build: (settings) => {
    const api = `${host(settings, 'https://api.zoom.us')}/v2`;
    const oauth = `${host(settings, 'https://zoom.us')}/oauth`;
    return new OAuth2Provider({
      name: 'zoom',
      ...clientOf(settings),
      authorizationEndpoint: `${oauth}/authorize`,
      tokenEndpoint: `${oauth}/token`,
      scopes: [],
      clientAuthentication: 'client_secret_basic',
      profile: async ({ getJson }) => {
        const user = await getJson<ZoomUser>(`${api}/users/me`);
        const name = joinName(user.first_name, user.last_name);
        // Work-email sign-ins (login type 100) count only once Zoom verified the address.
        const verified = String(user.login_type) !== '100' || (user.verified ?? 0) !== 0;
        return buildProfile({
          issuer: api,
          subject: user.id,
          emails: user.email ? [{ email: user.email, verified, primary: true }] : [],
          claims: { name, picture: user.pic_url, avatar_url: user.pic_url, full_name: name },
        });
      },
    });
  },
};
