/**
 * Snapchat (Login Kit): OAuth 2.0, profile from the Snap Kit GraphQL endpoint /v1/me; and Snapchat ID
 * tokens for POST /token?grant_type=id_token, whose issuer (and discovery document) GoTrue places at the
 * token endpoint's URL. Their standard claims are the identity; an address in one counts as verified.
 */
import { OAuth2Provider } from '../oauth2-provider.js';
import { buildProfile } from '../profile.js';
import { clientOf, host, type ProviderDefinition } from './definition.js';
import { idTokenVerifier, verifiedAddressProfile } from './id-token-issuer.js';

/** The issuer GoTrue records for every Snapchat identity. */
export const SNAPCHAT_ISSUER = 'https://accounts.snapchat.com/accounts/oauth2/token';
const QUERY = '{me { externalId displayName bitmoji { avatar id } email } }';

interface SnapchatMe { data?: { me?: { externalId?: string; displayName?: string; bitmoji?: { avatar?: string }; email?: string } } }

export const snapchat: ProviderDefinition = {
  name: 'snapchat',
  key: 'Snapchat',
  build: (settings) => {
    const accounts = host(settings, 'https://accounts.snapchat.com');
    const api = host(settings, 'https://kit.snapchat.com');
    return new OAuth2Provider({
      name: 'snapchat',
      ...clientOf(settings),
      authorizationEndpoint: `${accounts}/accounts/oauth2/auth`,
      tokenEndpoint: `${accounts}/accounts/oauth2/token`,
      scopes: [
        'https://auth.snapchat.com/oauth2/api/user.external_id',
        'https://auth.snapchat.com/oauth2/api/user.display_name',
        'https://auth.snapchat.com/oauth2/api/user.bitmoji.avatar',
      ],
      clientAuthentication: 'client_secret_post',
      profile: async ({ getJson }) => {
        const me = (await getJson<SnapchatMe>(`${api}/v1/me?${new URLSearchParams({ query: QUERY })}`)).data?.me ?? {};
        const avatar = me.bitmoji?.avatar;
        return buildProfile({
          issuer: SNAPCHAT_ISSUER,
          subject: me.externalId,
          emails: me.email ? [{ email: me.email, verified: true, primary: true }] : [],
          claims: { name: me.displayName, picture: avatar, slug: me.displayName, avatar_url: avatar, full_name: me.displayName },
        });
      },
      skipNonceCheck: settings.skipNonceCheck,
      verifyIdToken: idTokenVerifier(
        () => ({ issuer: settings.url ? `${settings.url}/accounts/oauth2/token` : SNAPCHAT_ISSUER, audiences: settings.clientIds }),
        verifiedAddressProfile(['name', 'given_name', 'family_name', 'preferred_username', 'picture', 'locale']),
      ),
    });
  },
};
