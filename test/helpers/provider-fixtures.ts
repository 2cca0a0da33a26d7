/**
 * What each provider serves, from its own documentation: endpoint paths, how it wants the client secret,
 * the scopes GoTrue asks for, the JSON its user API answers, its ID token claims — and the
 * identity_data GoTrue records from them. Written independently of src/auth/oauth/catalogue/ so the
 * tests check the catalogue against the providers, not against itself.
 */
import { createHmac } from 'node:crypto';

export interface Account {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly username: string;
  /** Apple's first-callback `user` form field. */
  readonly appleUserField?: string;
}

export interface ProviderFixture {
  readonly name: string;
  readonly env: string;
  readonly prefix: string;
  /** Path after the prefix that GOTRUE_EXTERNAL_<P>_URL includes (Keycloak's realm, Azure's tenant). */
  readonly basePath?: string;
  readonly authorizePath: string;
  readonly tokenPath: string;
  readonly clientAuth: 'basic' | 'post';
  readonly scopes: readonly string[];
  readonly pkce?: boolean;
  readonly formPost?: boolean;
  readonly omitTokenType?: boolean;
  readonly requiredAuthorizeParams?: readonly string[];
  /** Query parameters the app passes through supabase-js (`queryParams`). */
  readonly authorizeQuery?: Readonly<Record<string, string>>;
  readonly tokenExtras?: (account: Account) => Record<string, unknown>;
  readonly idTokenInTokenResponse?: boolean;
  readonly idTokenClaims?: (account: Account, base: string) => Record<string, unknown>;
  readonly issuer?: (base: string) => string;
  readonly api: Readonly<Record<string, (account: Account, url: URL) => unknown>>;
  readonly apiHeaders?: Readonly<Record<string, string>>;
  readonly apiCheck?: (url: URL, accessToken: string) => string | undefined;
  /** identity_data keys GoTrue records for this account (base = GOTRUE_EXTERNAL_<P>_URL). */
  readonly identity: (account: Account, base: string) => Record<string, unknown>;
  /** Whether the provider vouches for the address (GoTrue's rule for it). */
  readonly verified: boolean;
}

const CLIENT_SECRET = 'fake-client-secret-0123456789';

export const fixtures: readonly ProviderFixture[] = [
  {
    name: 'apple', env: 'APPLE', prefix: 'apple', authorizePath: '/auth/authorize', tokenPath: '/auth/token', clientAuth: 'post',
    scopes: ['email', 'name'], formPost: true, idTokenInTokenResponse: true,
    idTokenClaims: (account) => ({ email: account.email, email_verified: 'true', is_private_email: 'false', auth_time: 1700000000 }),
    api: {},
    identity: (account, base) => ({ iss: base, sub: account.id, email: account.email, email_verified: true, full_name: account.name, custom_claims: { is_private_email: false, auth_time: 1700000000 } }),
    verified: true,
  },
  {
    name: 'azure', env: 'AZURE', prefix: 'azure', basePath: '/0b9e3a4c-7d1f-4c55-9a3e-2f6c1d8b5e71', authorizePath: '/oauth2/v2.0/authorize',
    tokenPath: '/oauth2/v2.0/token', clientAuth: 'post', scopes: ['openid'], idTokenInTokenResponse: true,
    issuer: (base) => `${base}/v2.0`,
    idTokenClaims: (account) => ({ email: account.email, name: account.name, preferred_username: account.email, oid: account.id, tid: '0b9e3a4c-7d1f-4c55-9a3e-2f6c1d8b5e71', ver: '2.0' }),
    api: {},
    identity: (account, base) => ({ iss: `${base}/v2.0`, sub: account.id, email: account.email, email_verified: true, full_name: account.name, preferred_username: account.email, custom_claims: { email: account.email, oid: account.id, tid: '0b9e3a4c-7d1f-4c55-9a3e-2f6c1d8b5e71' } }),
    verified: true,
  },
  {
    name: 'bitbucket', env: 'BITBUCKET', prefix: 'bitbucket', authorizePath: '/site/oauth2/authorize', tokenPath: '/site/oauth2/access_token',
    clientAuth: 'basic', scopes: ['account', 'email'],
    api: {
      '/2.0/user': (account) => ({ type: 'user', uuid: `{${account.id}}`, display_name: account.name, username: account.username, avatar: { href: `https://avatar.test/${account.id}` } }),
      '/2.0/user/emails': (account) => ({ values: [{ email: account.email, is_primary: true, is_confirmed: true, type: 'email' }], pagelen: 10, page: 1 }),
    },
    identity: (account, base) => ({ iss: `${base}/2.0`, sub: `{${account.id}}`, name: account.name, full_name: account.name, avatar_url: `https://avatar.test/${account.id}`, email: account.email, email_verified: true }),
    verified: true,
  },
  {
    name: 'discord', env: 'DISCORD', prefix: 'discord', authorizePath: '/api/oauth2/authorize', tokenPath: '/api/oauth2/token', clientAuth: 'post',
    scopes: ['email', 'identify'],
    api: {
      '/api/users/@me': (account) => ({ id: account.id, username: account.username, discriminator: '0', global_name: account.name, avatar: 'a_1269e74af4df7417b13759eae50c83dc', email: account.email, verified: true }),
    },
    identity: (account, base) => ({
      iss: `${base}/api`, sub: account.id, name: `${account.username}#0`, full_name: account.username, email: account.email, email_verified: true,
      avatar_url: `https://cdn.discordapp.com/avatars/${account.id}/a_1269e74af4df7417b13759eae50c83dc.gif`, custom_claims: { global_name: account.name },
    }),
    verified: true,
  },
  {
    name: 'facebook', env: 'FACEBOOK', prefix: 'facebook', authorizePath: '/dialog/oauth', tokenPath: '/oauth/access_token', clientAuth: 'post',
    scopes: ['email'],
    idTokenClaims: (account) => ({ email: account.email, name: account.name, picture: `https://pic.test/${account.id}` }),
    api: {
      '/me': (account) => ({ id: account.id, email: account.email, first_name: account.name.split(' ')[0], last_name: account.name.split(' ')[1], name: account.username, picture: { data: { url: `https://pic.test/${account.id}`, width: 50, height: 50 } } }),
    },
    apiCheck: (url, accessToken) => {
      if (url.searchParams.get('fields') !== 'email,first_name,last_name,name,picture') return 'fields';
      const proof = createHmac('sha256', CLIENT_SECRET).update(accessToken).digest('hex');
      return url.searchParams.get('appsecret_proof') === proof ? undefined : 'appsecret_proof';
    },
    identity: (account, base) => ({ iss: `${base}/me?fields=email,first_name,last_name,name,picture`, sub: account.id, name: account.name, full_name: account.name, nickname: account.username, slug: account.username, email: account.email, email_verified: true }),
    verified: true,
  },
  {
    name: 'figma', env: 'FIGMA', prefix: 'figma', authorizePath: '/oauth', tokenPath: '/v1/oauth/token', clientAuth: 'post', scopes: ['current_user:read'],
    api: { '/v1/me': (account) => ({ id: account.id, email: account.email, handle: account.username, img_url: `https://img.test/${account.id}` }) },
    identity: (account, base) => ({ iss: base, sub: account.id, name: account.username, full_name: account.username, avatar_url: `https://img.test/${account.id}`, email: account.email, email_verified: true }),
    verified: true,
  },
  {
    name: 'fly', env: 'FLY', prefix: 'fly', authorizePath: '/oauth/authorize', tokenPath: '/oauth/token', clientAuth: 'post', scopes: ['read'],
    api: {
      '/oauth/token/info': (account) => ({
        resource_owner_id: `ro-${account.id}`, user_id: account.id, user_name: account.username, email: account.email,
        organizations: [{ id: 'org-1', role: 'admin' }], scope: ['read'], application: { uid: 'app-1' }, expires_in: 7200, created_at: 1700000000,
      }),
    },
    identity: (account, base) => ({
      iss: base, sub: account.id, full_name: account.username, email: account.email, email_verified: true,
      custom_claims: { resource_owner_id: `ro-${account.id}`, organizations: [{ id: 'org-1', role: 'admin' }], application: { uid: 'app-1' }, scope: ['read'], created_at: 1700000000 },
    }),
    verified: true,
  },
  {
    name: 'gitlab', env: 'GITLAB', prefix: 'gitlab', authorizePath: '/oauth/authorize', tokenPath: '/oauth/token', clientAuth: 'post', scopes: ['read_user'],
    api: {
      '/api/v4/user': (account) => ({ id: Number(account.id), username: account.username, name: account.name, email: account.email, avatar_url: `https://gl.test/${account.id}`, confirmed_at: '2024-01-01T00:00:00Z' }),
      '/api/v4/user/emails': () => [{ id: 7, email: 'secondary@example.org', confirmed_at: null }],
    },
    identity: (account, base) => ({ iss: base, sub: account.id, name: account.name, full_name: account.name, email: account.email, email_verified: true }),
    verified: true,
  },
  {
    name: 'kakao', env: 'KAKAO', prefix: 'kakao', authorizePath: '/oauth/authorize', tokenPath: '/oauth/token', clientAuth: 'post',
    scopes: ['account_email', 'profile_image', 'profile_nickname'],
    idTokenClaims: (account) => ({ email: account.email, nickname: account.username, picture: `https://k.test/${account.id}` }),
    api: {
      '/v2/user/me': (account) => ({
        id: Number(account.id), connected_at: '2024-01-01T00:00:00Z',
        kakao_account: { profile: { nickname: account.username, profile_image_url: `https://k.test/${account.id}` }, email: account.email, is_email_valid: true, is_email_verified: true },
      }),
    },
    identity: (account, base) => ({ iss: base, sub: account.id, name: account.username, preferred_username: account.username, user_name: account.username, email: account.email, email_verified: true }),
    verified: true,
  },
  {
    name: 'keycloak', env: 'KEYCLOAK', prefix: 'keycloak', basePath: '/realms/app', authorizePath: '/protocol/openid-connect/auth',
    tokenPath: '/protocol/openid-connect/token', clientAuth: 'post', scopes: ['profile', 'email'],
    idTokenClaims: (account) => ({ email: account.email, email_verified: true, name: account.name, preferred_username: account.username }),
    api: {
      '/protocol/openid-connect/userinfo': (account) => ({ sub: account.id, name: account.name, email: account.email, email_verified: true, preferred_username: account.username, groups: ['staff'] }),
    },
    identity: (account, base) => ({ iss: base, sub: account.id, name: account.name, full_name: account.name, email: account.email, email_verified: true, custom_claims: { preferred_username: account.username, groups: ['staff'] } }),
    verified: true,
  },
  {
    // The retired Sign in with LinkedIn (v2 API, r_liteprofile): names localized by the preferred locale.
    name: 'linkedin', env: 'LINKEDIN', prefix: 'linkedin-v2', authorizePath: '/oauth/v2/authorization', tokenPath: '/oauth/v2/accessToken',
    clientAuth: 'post', scopes: ['r_emailaddress', 'r_liteprofile'],
    api: {
      '/v2/me': (account) => ({
        id: account.id,
        firstName: { localized: { en_US: account.name.split(' ')[0], de_DE: 'Andere' }, preferredLocale: { country: 'US', language: 'en' } },
        lastName: { localized: { en_US: account.name.split(' ')[1] }, preferredLocale: { country: 'US', language: 'en' } },
        profilePicture: { 'displayImage~': { elements: [{ identifiers: [{ identifier: `https://li2.test/${account.id}` }] }] } },
      }),
      '/v2/emailAddress': (account) => ({ elements: [{ handle: 'urn:li:emailAddress:1', 'handle~': { emailAddress: account.email } }] }),
    },
    apiCheck: (url) => (url.pathname.endsWith('/v2/me') && !url.searchParams.get('projection')?.includes('profilePicture') ? 'projection' : undefined),
    identity: (account, base) => ({ iss: base, sub: account.id, name: account.name, full_name: account.name, picture: `https://li2.test/${account.id}`, avatar_url: `https://li2.test/${account.id}`, email: account.email, email_verified: true }),
    verified: true,
  },
  {
    name: 'linkedin_oidc', env: 'LINKEDIN_OIDC', prefix: 'linkedin', authorizePath: '/oauth/v2/authorization', tokenPath: '/oauth/v2/accessToken',
    clientAuth: 'post', scopes: ['openid', 'email', 'profile'], idTokenInTokenResponse: true,
    issuer: (base) => `${base}/oauth`,
    idTokenClaims: (account) => ({ email: account.email, email_verified: 'true', given_name: account.name.split(' ')[0], family_name: account.name.split(' ')[1], locale: 'en_US', picture: `https://li.test/${account.id}` }),
    api: {},
    identity: (account, base) => ({ iss: `${base}/oauth`, sub: account.id, name: account.name, given_name: account.name.split(' ')[0], locale: 'en_US', email: account.email, email_verified: true }),
    verified: true,
  },
  {
    name: 'notion', env: 'NOTION', prefix: 'notion', authorizePath: '/v1/oauth/authorize', tokenPath: '/v1/oauth/token', clientAuth: 'basic', scopes: [],
    apiHeaders: { 'notion-version': '2021-08-16' },
    api: {
      '/v1/users/me': (account) => ({
        object: 'user', id: 'bot-id', type: 'bot',
        bot: { owner: { type: 'user', user: { object: 'user', id: account.id, name: account.name, avatar_url: `https://n.test/${account.id}`, type: 'person', person: { email: account.email } } } },
      }),
    },
    identity: (account, base) => ({ iss: base, sub: account.id, name: account.name, full_name: account.name, avatar_url: `https://n.test/${account.id}`, email: account.email, email_verified: true }),
    verified: true,
  },
  {
    // Slack's legacy OAuth: the code redeemed at /api/oauth.access; every address taken as verified.
    name: 'slack', env: 'SLACK', prefix: 'slack-legacy', authorizePath: '/oauth/authorize', tokenPath: '/api/oauth.access',
    clientAuth: 'post', scopes: ['profile', 'email', 'openid'],
    api: {
      '/api/openid.connect.userInfo': (account) => ({
        ok: true, sub: account.id, 'https://slack.com/user_id': account.id, 'https://slack.com/team_id': 'T0002', email: account.email, name: account.name, picture: `https://sl.test/${account.id}`,
      }),
    },
    identity: (account, base) => ({ iss: `${base}/api`, sub: account.id, name: account.name, full_name: account.name, email: account.email, email_verified: true, custom_claims: { 'https://slack.com/team_id': 'T0002' } }),
    verified: true,
  },
  {
    name: 'slack_oidc', env: 'SLACK_OIDC', prefix: 'slack', authorizePath: '/openid/connect/authorize', tokenPath: '/api/openid.connect.token',
    clientAuth: 'post', scopes: ['profile', 'email', 'openid'],
    api: {
      '/api/openid.connect.userInfo': (account) => ({
        ok: true, sub: account.id, 'https://slack.com/user_id': account.id, 'https://slack.com/team_id': 'T0001', email: account.email,
        email_verified: true, name: account.name, picture: `https://s.test/${account.id}`,
      }),
    },
    identity: (account, base) => ({ iss: `${base}/api`, sub: account.id, name: account.name, email: account.email, email_verified: true, custom_claims: { 'https://slack.com/team_id': 'T0001' } }),
    verified: true,
  },
  {
    name: 'snapchat', env: 'SNAPCHAT', prefix: 'snapchat', authorizePath: '/accounts/oauth2/auth', tokenPath: '/accounts/oauth2/token', clientAuth: 'post',
    // Its ID tokens' issuer is the token endpoint's URL (GoTrue's IssuerSnapchat), discovery beneath it.
    issuer: (base) => `${base}/accounts/oauth2/token`,
    idTokenClaims: (account) => ({ email: account.email, name: account.name, picture: `https://b.test/${account.id}` }),
    scopes: ['https://auth.snapchat.com/oauth2/api/user.external_id', 'https://auth.snapchat.com/oauth2/api/user.display_name', 'https://auth.snapchat.com/oauth2/api/user.bitmoji.avatar'],
    api: {
      '/v1/me': (account) => ({ data: { me: { externalId: account.id, displayName: account.name, bitmoji: { avatar: `https://b.test/${account.id}`, id: 'b1' }, email: account.email } } }),
    },
    apiCheck: (url) => (url.searchParams.get('query')?.includes('externalId') ? undefined : 'query'),
    identity: (account) => ({ iss: 'https://accounts.snapchat.com/accounts/oauth2/token', sub: account.id, name: account.name, slug: account.name, email: account.email, email_verified: true }),
    verified: true,
  },
  {
    name: 'spotify', env: 'SPOTIFY', prefix: 'spotify', authorizePath: '/authorize', tokenPath: '/api/token', clientAuth: 'basic', scopes: ['user-read-email'],
    api: {
      '/me': (account) => ({
        id: account.id, display_name: account.name, email: account.email,
        images: [{ url: `https://sp.test/small/${account.id}`, height: 64, width: 64 }, { url: `https://sp.test/large/${account.id}`, height: 300, width: 300 }],
      }),
    },
    identity: (account, base) => ({ iss: base, sub: account.id, name: account.name, avatar_url: `https://sp.test/large/${account.id}`, email: account.email, email_verified: false }),
    verified: false,
  },
  {
    name: 'twitch', env: 'TWITCH', prefix: 'twitch', authorizePath: '/oauth2/authorize', tokenPath: '/oauth2/token', clientAuth: 'post', scopes: ['user:read:email'],
    apiHeaders: { 'client-id': 'fake-client-id' },
    api: {
      '/helix/users': (account) => ({
        data: [{
          id: account.id, login: account.username, display_name: account.name, type: '', broadcaster_type: 'partner', description: 'hi',
          profile_image_url: `https://t.test/${account.id}`, offline_image_url: '', view_count: 0, email: account.email, created_at: '2016-12-14T20:32:28Z',
        }],
      }),
    },
    identity: (account, base) => ({
      iss: base, sub: account.id, name: account.username, nickname: account.name, full_name: account.username, email: account.email, email_verified: true,
      custom_claims: { broadcaster_type: 'partner', description: 'hi', type: '', offline_image_url: '', view_count: 0 },
    }),
    verified: true,
  },
  {
    name: 'twitter', env: 'TWITTER', prefix: 'twitter', authorizePath: '/oauth/authenticate', tokenPath: '/oauth/access_token', clientAuth: 'post', scopes: [],
    api: {
      '/1.1/account/verify_credentials.json': (account) => ({ id: Number(account.id), id_str: account.id, screen_name: account.username, name: account.name, profile_image_url_https: `https://tw.test/${account.id}`, email: account.email }),
    },
    identity: (account, base) => ({ iss: `${base}/1.1/account/verify_credentials.json`, sub: account.id, name: account.name, preferred_username: account.username, user_name: account.username, email: account.email, email_verified: true }),
    verified: true,
  },
  {
    // Vercel Marketplace: the user only in the ID token of the token response; the identity is the Vercel account (global_user_id).
    name: 'vercel_marketplace', env: 'VERCEL_MARKETPLACE', prefix: 'vercel', authorizePath: '/oauth/v2/authorization', tokenPath: '/oauth/v2/accessToken',
    clientAuth: 'post', scopes: [], idTokenInTokenResponse: true,
    idTokenClaims: (account) => ({
      sub: `installation-${account.id}`, global_user_id: account.id, user_email: account.email, user_name: account.name, user_avatar_url: `https://v.test/${account.id}`,
      installation_id: 'icfg_1', account_id: 'team_1', user_role: 'ADMIN',
    }),
    api: {},
    identity: (account, base) => ({ iss: base, sub: `global_user_id:${account.id}`, name: account.name, picture: `https://v.test/${account.id}`, email: account.email, email_verified: true }),
    verified: true,
  },
  {
    name: 'workos', env: 'WORKOS', prefix: 'workos', authorizePath: '/sso/authorize', tokenPath: '/sso/token', clientAuth: 'post', scopes: [],
    omitTokenType: true, requiredAuthorizeParams: ['connection'], authorizeQuery: { connection: 'conn_01E4ZCR3C56J083X43JQXF3JK5' },
    tokenExtras: (account) => ({
      profile: {
        object: 'profile', id: account.id, connection_id: 'conn_01E4ZCR3C56J083X43JQXF3JK5', organization_id: 'org_01EHWNCE74X7JSDV0X3SZ3KJNY',
        connection_type: 'GoogleOAuth', email: account.email, first_name: account.name.split(' ')[0], last_name: account.name.split(' ')[1], idp_id: 'idp-1', raw_attributes: {},
      },
    }),
    api: {},
    identity: (account, base) => ({ iss: base, sub: account.id, name: account.name, email: account.email, email_verified: true, custom_claims: { connection_id: 'conn_01E4ZCR3C56J083X43JQXF3JK5', organization_id: 'org_01EHWNCE74X7JSDV0X3SZ3KJNY' } }),
    verified: true,
  },
  {
    name: 'x', env: 'X', prefix: 'x', authorizePath: '/i/oauth2/authorize', tokenPath: '/2/oauth2/token', clientAuth: 'basic', pkce: true,
    scopes: ['users.email', 'tweet.read', 'users.read', 'offline.access'],
    api: {
      '/2/users/me': (account) => ({ data: { id: account.id, name: account.name, username: account.username, confirmed_email: account.email, profile_image_url: `https://x.test/${account.id}`, url: 'https://example.org', created_at: '2020-01-01T00:00:00.000Z' } }),
    },
    apiCheck: (url) => (url.searchParams.get('user.fields')?.includes('confirmed_email') ? undefined : 'user.fields'),
    identity: (account, base) => ({ iss: base, sub: account.id, name: account.name, preferred_username: account.username, user_name: account.username, profile: `https://x.com/${account.username}`, website: 'https://example.org', email: account.email, email_verified: true }),
    verified: true,
  },
  {
    name: 'zoom', env: 'ZOOM', prefix: 'zoom', authorizePath: '/oauth/authorize', tokenPath: '/oauth/token', clientAuth: 'basic', scopes: [],
    api: {
      '/v2/users/me': (account) => ({ id: account.id, first_name: account.name.split(' ')[0], last_name: account.name.split(' ')[1], email: account.email, verified: 1, login_type: 1, pic_url: `https://z.test/${account.id}` }),
    },
    identity: (account, base) => ({ iss: `${base}/v2`, sub: account.id, name: account.name, full_name: account.name, email: account.email, email_verified: true }),
    verified: true,
  },
];

export const fixture = (name: string): ProviderFixture => fixtures.find((candidate) => candidate.name === name) as ProviderFixture;
