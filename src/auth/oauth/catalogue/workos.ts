/**
 * WorkOS SSO: OAuth 2.0 against /sso/authorize (the client names the connection, organization or
 * provider through query parameters) and /sso/token, whose answer carries the profile itself.
 */
import { OAuth2Provider } from '../oauth2-provider.js';
import { buildProfile, joinName } from '../profile.js';
import { clientOf, host, type ProviderDefinition } from './definition.js';

interface WorkosProfile { id?: string; connection_id?: string; organization_id?: string; email?: string; first_name?: string; last_name?: string }

export const workos: ProviderDefinition = {
  name: 'workos',
  key: 'Workos',
  build: (settings) => {
    const api = host(settings, 'https://api.workos.com');
    return new OAuth2Provider({
      name: 'workos',
      ...clientOf(settings),
      authorizationEndpoint: `${api}/sso/authorize`,
      tokenEndpoint: `${api}/sso/token`,
      scopes: [],
      clientAuthentication: 'client_secret_post',
      profile: async ({ tokens }) => {
        const profile = (typeof tokens.profile === 'object' && tokens.profile !== null ? tokens.profile : {}) as WorkosProfile;
        const name = joinName(profile.first_name, profile.last_name);
        return buildProfile({
          issuer: api,
          subject: profile.id,
          emails: profile.email ? [{ email: profile.email, verified: true, primary: true }] : [],
          claims: { name, full_name: name },
          custom: { connection_id: profile.connection_id ?? '', organization_id: profile.organization_id ?? '' },
        });
      },
    });
  },
};
