/** Bitbucket Cloud: OAuth 2.0, profile from /2.0/user and the addresses from /2.0/user/emails. */
import { OAuth2Provider } from '../oauth2-provider.js';
import { buildProfile, type ProviderEmail } from '../profile.js';
import { clientOf, host, type ProviderDefinition } from './definition.js';

interface BitbucketUser { uuid?: string; display_name?: string; avatar?: { href?: string } }
interface BitbucketEmails { values?: { email?: string; is_primary?: boolean; is_confirmed?: boolean }[] }

export const bitbucket: ProviderDefinition = {
  name: 'bitbucket',
  key: 'Bitbucket',
  build: (settings) => {
    const site = host(settings, 'https://bitbucket.org');
    const api = `${host(settings, 'https://api.bitbucket.org')}/2.0`;
    return new OAuth2Provider({
      name: 'bitbucket',
      ...clientOf(settings),
      authorizationEndpoint: `${site}/site/oauth2/authorize`,
      tokenEndpoint: `${site}/site/oauth2/access_token`,
      scopes: ['account', 'email'],
      clientAuthentication: 'client_secret_basic',
      profile: async ({ getJson }) => {
        const user = await getJson<BitbucketUser>(`${api}/user`);
        const emails = await getJson<BitbucketEmails>(`${api}/user/emails`);
        const listed: ProviderEmail[] = (emails.values ?? [])
          .filter((entry) => entry.email)
          .map((entry) => ({ email: entry.email as string, verified: Boolean(entry.is_confirmed), primary: Boolean(entry.is_primary) }));
        const avatar = user.avatar?.href;
        return buildProfile({
          issuer: api,
          subject: user.uuid,
          emails: listed,
          claims: { name: user.display_name, picture: avatar, avatar_url: avatar, full_name: user.display_name },
        });
      },
    });
  },
};
