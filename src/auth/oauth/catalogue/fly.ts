/** Fly.io: OAuth 2.0, profile from /oauth/token/info (addresses verified, as in GoTrue). */
import { OAuth2Provider } from '../oauth2-provider.js';
import { buildProfile } from '../profile.js';
import { clientOf, host, type ProviderDefinition } from './definition.js';

interface FlyTokenInfo {
  resource_owner_id?: string;
  user_id?: string;
  user_name?: string;
  email?: string;
  organizations?: { id: string; role: string }[];
  scope?: string[];
  application?: Record<string, string>;
  created_at?: number;
}

export const fly: ProviderDefinition = {
  name: 'fly',
  key: 'Fly',
  build: (settings) => {
    const api = host(settings, 'https://api.fly.io');
    return new OAuth2Provider({
      name: 'fly',
      ...clientOf(settings),
      authorizationEndpoint: `${api}/oauth/authorize`,
      tokenEndpoint: `${api}/oauth/token`,
      scopes: ['read'],
      clientAuthentication: 'client_secret_post',
      profile: async ({ getJson }) => {
        const info = await getJson<FlyTokenInfo>(`${api}/oauth/token/info`);
        return buildProfile({
          issuer: api,
          subject: info.user_id,
          emails: info.email ? [{ email: info.email, verified: true, primary: true }] : [],
          claims: { full_name: info.user_name },
          custom: {
            resource_owner_id: info.resource_owner_id ?? '',
            organizations: info.organizations ?? null,
            application: info.application ?? null,
            scope: info.scope ?? null,
            created_at: info.created_at ?? 0,
          },
        });
      },
    });
  },
};
