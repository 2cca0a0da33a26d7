/**
 * Kakao: OAuth 2.0 (secret in the body) with the user from kapi's /v2/user/me — an address counts as
 * verified when Kakao says it is both valid and verified — and Kakao Sync ID tokens for the id_token grant.
 */
import { OAuth2Provider } from '../oauth2-provider.js';
import { buildProfile, text } from '../profile.js';
import { clientOf, host, type ProviderDefinition } from './definition.js';
import { idTokenVerifier } from './id-token-issuer.js';

export const KAKAO_ISSUER = 'https://kauth.kakao.com';

interface KakaoUser {
  id?: number;
  kakao_account?: { profile?: { nickname?: string; profile_image_url?: string }; email?: string; is_email_valid?: boolean; is_email_verified?: boolean };
}

export const kakao: ProviderDefinition = {
  name: 'kakao',
  key: 'Kakao',
  build: (settings) => {
    const auth = host(settings, KAKAO_ISSUER);
    const api = host(settings, 'https://kapi.kakao.com');
    return new OAuth2Provider({
      name: 'kakao',
      ...clientOf(settings),
      authorizationEndpoint: `${auth}/oauth/authorize`,
      tokenEndpoint: `${auth}/oauth/token`,
      scopes: ['account_email', 'profile_image', 'profile_nickname'],
      clientAuthentication: 'client_secret_post',
      skipNonceCheck: settings.skipNonceCheck,
      profile: async ({ getJson }) => {
        const user = await getJson<KakaoUser>(`${api}/v2/user/me`);
        const account = user.kakao_account ?? {};
        const nickname = account.profile?.nickname;
        return buildProfile({
          issuer: api,
          subject: user.id,
          emails: account.email
            ? [{ email: account.email, verified: Boolean(account.is_email_verified && account.is_email_valid), primary: true }]
            : [],
          claims: {
            name: nickname,
            preferred_username: nickname,
            avatar_url: account.profile?.profile_image_url,
            full_name: nickname,
            user_name: nickname,
          },
        });
      },
      verifyIdToken: idTokenVerifier(
        () => ({ issuer: settings.url ?? KAKAO_ISSUER, audiences: settings.clientIds }),
        (claims) => {
          const email = text(claims.email);
          const nickname = text(claims.nickname);
          return buildProfile({
            issuer: String(claims.iss),
            subject: claims.sub,
            emails: email ? [{ email, verified: true, primary: true }] : [],
            claims: { name: nickname, preferred_username: nickname, picture: text(claims.picture) },
          });
        },
      ),
    });
  },
};
