/** Notion: OAuth 2.0 (client secret as HTTP Basic), the owner of the integration from /v1/users/me. */
import { OAuth2Provider } from '../oauth2-provider.js';
import { buildProfile } from '../profile.js';
import { clientOf, host, type ProviderDefinition } from './definition.js';

/** The API version GoTrue pins. */
const NOTION_VERSION = '2021-08-16';

interface NotionMe { bot?: { owner?: { user?: { id?: string; name?: string; avatar_url?: string; person?: { email?: string } } } } }

export const notion: ProviderDefinition = {
  name: 'notion',
  key: 'Notion',
  build: (settings) => {
    const api = host(settings, 'https://api.notion.com');
    return new OAuth2Provider({
      name: 'notion',
      ...clientOf(settings),
      authorizationEndpoint: `${api}/v1/oauth/authorize`,
      tokenEndpoint: `${api}/v1/oauth/token`,
      scopes: [],
      clientAuthentication: 'client_secret_basic',
      profile: async ({ getJson }) => {
        const me = await getJson<NotionMe>(`${api}/v1/users/me`, { 'notion-version': NOTION_VERSION });
        const user = me.bot?.owner?.user ?? {};
        const email = user.person?.email;
        return buildProfile({
          issuer: api,
          subject: user.id,
          // Notion does not say whether the address was verified; GoTrue trusts it.
          emails: email ? [{ email, verified: true, primary: true }] : [],
          claims: { name: user.name, picture: user.avatar_url, avatar_url: user.avatar_url, full_name: user.name },
        });
      },
    });
  },
};
