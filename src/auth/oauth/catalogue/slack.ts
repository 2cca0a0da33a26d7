/**
 * Slack's legacy OAuth ("Sign in with Slack" before OpenID Connect), which GoTrue still serves as
 * `slack`: /oauth/authorize, the code redeemed at /api/oauth.access, the profile from
 * /api/openid.connect.userInfo. Slack says nothing of verification here, so GoTrue takes the address
 * as verified; so does Foyer.
 */
import { OAuth2Provider } from '../oauth2-provider.js';
import { buildProfile } from '../profile.js';
import { clientOf, host, type ProviderDefinition } from './definition.js';

interface SlackUserInfo {
  'https://slack.com/user_id'?: string;
  'https://slack.com/team_id'?: string;
  email?: string;
  name?: string;
  picture?: string;
}

export const slack: ProviderDefinition = {
  name: 'slack',
  key: 'Slack',
  build: (settings) => {
    const base = host(settings, 'https://slack.com');
    const api = `${base}/api`;
    return new OAuth2Provider({
      name: 'slack',
      ...clientOf(settings),
      authorizationEndpoint: `${base}/oauth/authorize`,
      tokenEndpoint: `${api}/oauth.access`,
      scopes: ['profile', 'email', 'openid'],
      clientAuthentication: 'client_secret_post',
      profile: async ({ getJson }) => {
        const user = await getJson<SlackUserInfo>(`${api}/openid.connect.userInfo`);
        return buildProfile({
          issuer: api,
          subject: user['https://slack.com/user_id'],
          emails: user.email ? [{ email: user.email, verified: true, primary: true }] : [],
          claims: { name: user.name, picture: user.picture, avatar_url: user.picture, full_name: user.name },
          custom: { 'https://slack.com/team_id': user['https://slack.com/team_id'] ?? '' },
        });
      },
    });
  },
};
