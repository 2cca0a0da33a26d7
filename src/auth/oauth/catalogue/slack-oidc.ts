/** Slack's "Sign in with Slack" (OpenID Connect): the profile from /api/openid.connect.userInfo, as GoTrue reads it. */
import { OAuth2Provider } from '../oauth2-provider.js';
import { buildProfile } from '../profile.js';
import { clientOf, host, type ProviderDefinition } from './definition.js';

interface SlackUserInfo {
  'https://slack.com/user_id'?: string;
  'https://slack.com/team_id'?: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  picture?: string;
}

export const slackOidc: ProviderDefinition = {
  name: 'slack_oidc',
  key: 'SlackOidc',
  build: (settings) => {
    const base = host(settings, 'https://slack.com');
    const api = `${base}/api`;
    return new OAuth2Provider({
      name: 'slack_oidc',
      ...clientOf(settings),
      authorizationEndpoint: `${base}/openid/connect/authorize`,
      tokenEndpoint: `${api}/openid.connect.token`,
      scopes: ['profile', 'email', 'openid'],
      clientAuthentication: 'client_secret_post',
      profile: async ({ getJson }) => {
        const user = await getJson<SlackUserInfo>(`${api}/openid.connect.userInfo`);
        return buildProfile({
          issuer: api,
          subject: user['https://slack.com/user_id'],
          emails: user.email ? [{ email: user.email, verified: user.email_verified === true, primary: true }] : [],
          claims: { name: user.name, picture: user.picture, avatar_url: user.picture, full_name: user.name },
          custom: { 'https://slack.com/team_id': user['https://slack.com/team_id'] ?? '' },
        });
      },
    });
  },
};
