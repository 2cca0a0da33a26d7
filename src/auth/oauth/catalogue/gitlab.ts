/**
 * GitLab (gitlab.com or self-managed via GOTRUE_EXTERNAL_GITLAB_URL): OAuth 2.0, profile from
 * /api/v4/user; its address is verified when GitLab says it was confirmed (confirmed_at), further
 * addresses from /api/v4/user/emails count as unverified — GoTrue's rule.
 */
import { OAuth2Provider } from '../oauth2-provider.js';
import { buildProfile, type ProviderEmail } from '../profile.js';
import { clientOf, host, type ProviderDefinition } from './definition.js';

interface GitlabUser { id?: number; name?: string; email?: string; avatar_url?: string; confirmed_at?: string | null }

export const gitlab: ProviderDefinition = {
  name: 'gitlab',
  key: 'Gitlab',
  build: (settings) => {
    const base = host(settings, 'https://gitlab.com');
    return new OAuth2Provider({
      name: 'gitlab',
      ...clientOf(settings),
      authorizationEndpoint: `${base}/oauth/authorize`,
      tokenEndpoint: `${base}/oauth/token`,
      scopes: ['read_user'],
      clientAuthentication: 'client_secret_post',
      profile: async ({ getJson }) => {
        const user = await getJson<GitlabUser>(`${base}/api/v4/user`);
        const others = await getJson<{ email?: string }[]>(`${base}/api/v4/user/emails`);
        const emails: ProviderEmail[] = (Array.isArray(others) ? others : [])
          .filter((entry) => entry.email)
          .map((entry) => ({ email: entry.email as string, verified: false, primary: false }));
        if (user.email) emails.push({ email: user.email, verified: Boolean(user.confirmed_at), primary: true });
        return buildProfile({
          issuer: base,
          subject: user.id,
          emails,
          claims: { name: user.name, picture: user.avatar_url, avatar_url: user.avatar_url, full_name: user.name },
        });
      },
    });
  },
};
