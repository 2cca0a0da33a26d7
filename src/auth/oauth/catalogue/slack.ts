/**
 * Slack's two sign-ins, as GoTrue serves them: `slack_oidc` ("Sign in with Slack", OpenID Connect:
 * /openid/connect/authorize, the code redeemed at /api/openid.connect.token, verified when Slack says so)
 * and the legacy `slack` (/oauth/authorize, /api/oauth.access; Slack says nothing of verification there,
 * so GoTrue takes the address as verified). Both read the profile from /api/openid.connect.userInfo.
 */
import type { ProviderKey } from '../../../config/oauth-provider-settings.js';
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

interface SlackVariant {
  readonly name: string;
  readonly key: ProviderKey;
  readonly authorizePath: string;
  /** Under /api. */
  readonly tokenPath: string;
  readonly emailVerified: (user: SlackUserInfo) => boolean;
}

function slackDefinition(variant: SlackVariant): ProviderDefinition {
  return {
    name: variant.name,
    key: variant.key,
    build: (settings) => {
      const base = host(settings, 'https://slack.com');
      const api = `${base}/api`;
      return new OAuth2Provider({
        name: variant.name,
        ...clientOf(settings),
        authorizationEndpoint: `${base}${variant.authorizePath}`,
        tokenEndpoint: `${api}${variant.tokenPath}`,
        scopes: ['profile', 'email', 'openid'],
        clientAuthentication: 'client_secret_post',
        profile: async ({ getJson }) => {
          const user = await getJson<SlackUserInfo>(`${api}/openid.connect.userInfo`);
          return buildProfile({
            issuer: api,
            subject: user['https://slack.com/user_id'],
            emails: user.email ? [{ email: user.email, verified: variant.emailVerified(user), primary: true }] : [],
            claims: { name: user.name, picture: user.picture, avatar_url: user.picture, full_name: user.name },
            custom: { 'https://slack.com/team_id': user['https://slack.com/team_id'] ?? '' },
          });
        },
      });
    },
  };
}

export const slackOidc = slackDefinition({
  name: 'slack_oidc',
  key: 'SlackOidc',
  authorizePath: '/openid/connect/authorize',
  tokenPath: '/openid.connect.token',
  emailVerified: (user) => user.email_verified === true,
});

export const slack = slackDefinition({
  name: 'slack',
  key: 'Slack',
  authorizePath: '/oauth/authorize',
  tokenPath: '/oauth.access',
  emailVerified: () => true,
});
