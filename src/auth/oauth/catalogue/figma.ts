/** Figma: OAuth 2.0, profile from /v1/me (Figma addresses count as verified, as in GoTrue). */
import { OAuth2Provider } from '../oauth2-provider.js';
import { buildProfile } from '../profile.js';
import { clientOf, host, type ProviderDefinition } from './definition.js';

interface FigmaUser { id?: string; email?: string; handle?: string; img_url?: string }

export const figma: ProviderDefinition = {
  name: 'figma',
  key: 'Figma',
  build: (settings) => {
    const api = host(settings, 'https://api.figma.com');
    return new OAuth2Provider({
      name: 'figma',
      ...clientOf(settings),
      authorizationEndpoint: `${host(settings, 'https://www.figma.com')}/oauth`,
      tokenEndpoint: `${api}/v1/oauth/token`,
      scopes: ['current_user:read'],
      clientAuthentication: 'client_secret_post',
      profile: async ({ getJson }) => {
        const user = await getJson<FigmaUser>(`${api}/v1/me`);
        return buildProfile({
          issuer: api,
          subject: user.id,
          emails: user.email ? [{ email: user.email, verified: true, primary: true }] : [],
          claims: { name: user.handle, avatar_url: user.img_url, full_name: user.handle },
        });
      },
    });
  },
};
