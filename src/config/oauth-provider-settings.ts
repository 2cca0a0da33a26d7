/**
 * GoTrue's GOTRUE_EXTERNAL_<PROVIDER>_{ENABLED,CLIENT_ID,SECRET,REDIRECT_URI,URL[,SKIP_NONCE_CHECK]} for
 * every provider of src/auth/oauth/catalogue.ts but Google and GitHub (older, hand-written entries in
 * oauth-settings.ts). The settings are generated from one table so their keys are typed:
 * `externalDiscordEnabled`, `externalDiscordClientId`, … Whether an enabled provider has what it needs
 * is checked when the app is built (src/auth/oauth/providers.ts).
 */
import { parseBool, parseList, parseUrl } from './parse.js';
import { setting, type Setting } from './setting.js';

interface ProviderVariables {
  /** GoTrue's spelling inside the variable name: LINKEDIN_OIDC. */
  readonly env: string;
  readonly label: string;
  /** What GOTRUE_EXTERNAL_<P>_URL points at, and its default. */
  readonly url: { readonly doc: string; readonly defaultText: string };
  /** Whether the provider's ID tokens are taken by POST /token?grant_type=id_token. */
  readonly idToken: boolean;
}

/** Provider key in setting names (`externalLinkedinOidcEnabled`) → its variables. */
export const providerVariables = {
  Apple: {
    env: 'APPLE',
    label: 'Apple',
    url: {
      doc: "Apple's base URL (GoTrue ignores this variable; Foyer reads it so a test or proxy can stand in for Apple: issuer, /auth/authorize, /auth/token, /auth/keys).",
      defaultText: 'https://appleid.apple.com',
    },
    idToken: true,
  },
  Azure: {
    env: 'AZURE',
    label: 'Microsoft (Azure / Entra ID)',
    url: {
      doc: 'Tenant URL: https://login.microsoftonline.com/<tenant id> (then only that tenant\'s ID tokens are accepted), …/common, …/organizations, or a CIAM tenant https://<name>.ciamlogin.com/<tenant id>.',
      defaultText: 'https://login.microsoftonline.com/common',
    },
    idToken: true,
  },
  Bitbucket: { env: 'BITBUCKET', label: 'Bitbucket', url: { doc: 'Base URL of the Bitbucket site and its API (/site/oauth2/*, /2.0/user).', defaultText: 'https://bitbucket.org, API https://api.bitbucket.org' }, idToken: false },
  Discord: { env: 'DISCORD', label: 'Discord', url: { doc: 'Base URL (its API under /api).', defaultText: 'https://discord.com' }, idToken: false },
  Facebook: {
    env: 'FACEBOOK',
    label: 'Facebook',
    url: { doc: 'Base URL of the dialog, Graph API and Limited Login issuer (one host replaces all three).', defaultText: 'https://www.facebook.com, Graph API https://graph.facebook.com' },
    idToken: true,
  },
  Figma: { env: 'FIGMA', label: 'Figma', url: { doc: 'Base URL of the authorization page and the API.', defaultText: 'https://www.figma.com, API https://api.figma.com' }, idToken: false },
  Fly: { env: 'FLY', label: 'Fly.io', url: { doc: 'Base URL of its OAuth server.', defaultText: 'https://api.fly.io' }, idToken: false },
  Gitlab: { env: 'GITLAB', label: 'GitLab', url: { doc: 'A self-managed GitLab\'s base URL (its API under /api/v4).', defaultText: 'https://gitlab.com' }, idToken: false },
  Kakao: {
    env: 'KAKAO',
    label: 'Kakao',
    url: { doc: 'Base URL of the OAuth server, the API and the ID token issuer (one host replaces all).', defaultText: 'https://kauth.kakao.com, API https://kapi.kakao.com' },
    idToken: true,
  },
  Keycloak: {
    env: 'KEYCLOAK',
    label: 'Keycloak',
    url: { doc: 'The realm URL, e.g. https://keycloak.example.com/realms/myrealm (required): endpoints under /protocol/openid-connect, and the ID token issuer.', defaultText: '(required)' },
    idToken: true,
  },
  Linkedin: {
    env: 'LINKEDIN',
    label: 'LinkedIn (retired Sign In with LinkedIn)',
    url: { doc: 'Base URL of the authorization, token and v2 API endpoints (apps created since August 2023 use linkedin_oidc).', defaultText: 'https://api.linkedin.com' },
    idToken: false,
  },
  LinkedinOidc: {
    env: 'LINKEDIN_OIDC',
    label: 'LinkedIn (OpenID Connect)',
    url: { doc: 'Base URL of the authorization and token endpoints; the ID token issuer is <URL>/oauth when set.', defaultText: 'https://api.linkedin.com, issuer https://www.linkedin.com/oauth' },
    idToken: false,
  },
  Notion: { env: 'NOTION', label: 'Notion', url: { doc: 'Base URL of its API (/v1/oauth/*, /v1/users/me).', defaultText: 'https://api.notion.com' }, idToken: false },
  Slack: {
    env: 'SLACK',
    label: 'Slack (legacy OAuth)',
    url: { doc: 'Base URL (/oauth/authorize, /api/oauth.access, /api/openid.connect.userInfo; new apps use slack_oidc).', defaultText: 'https://slack.com' },
    idToken: false,
  },
  SlackOidc: { env: 'SLACK_OIDC', label: 'Slack (OpenID Connect)', url: { doc: 'Base URL (/openid/connect/authorize, /api/openid.connect.*).', defaultText: 'https://slack.com' }, idToken: false },
  Snapchat: {
    env: 'SNAPCHAT',
    label: 'Snapchat',
    url: {
      doc: 'Base URL of the accounts server and the Snap Kit API; the ID token issuer is <URL>/accounts/oauth2/token when set.',
      defaultText: 'https://accounts.snapchat.com, API https://kit.snapchat.com',
    },
    idToken: true,
  },
  Spotify: { env: 'SPOTIFY', label: 'Spotify', url: { doc: 'Base URL of the accounts server and the Web API.', defaultText: 'https://accounts.spotify.com, API https://api.spotify.com/v1' }, idToken: false },
  Twitch: { env: 'TWITCH', label: 'Twitch', url: { doc: 'Base URL of the id and Helix API servers.', defaultText: 'https://id.twitch.tv, API https://api.twitch.tv' }, idToken: false },
  Twitter: { env: 'TWITTER', label: 'Twitter (OAuth 1.0a)', url: { doc: 'Base URL of its OAuth 1.0a endpoints and the v1.1 API.', defaultText: 'https://api.twitter.com' }, idToken: false },
  X: { env: 'X', label: 'X (OAuth 2.0 with PKCE)', url: { doc: 'Base URL of the authorization page and the v2 API.', defaultText: 'https://x.com, API https://api.x.com' }, idToken: false },
  VercelMarketplace: {
    env: 'VERCEL_MARKETPLACE',
    label: 'Vercel Marketplace',
    url: {
      doc: 'Base URL of the OAuth endpoints (/oauth/v2/*) and, when set, the ID token issuer too (so a stand-in can serve both).',
      defaultText: 'https://api.vercel.com, issuer https://marketplace.vercel.com',
    },
    idToken: true,
  },
  Workos: { env: 'WORKOS', label: 'WorkOS', url: { doc: 'Base URL of its API (/sso/authorize, /sso/token).', defaultText: 'https://api.workos.com' }, idToken: false },
  Zoom: { env: 'ZOOM', label: 'Zoom', url: { doc: 'Base URL of the OAuth server and the API.', defaultText: 'https://zoom.us, API https://api.zoom.us/v2' }, idToken: false },
} as const satisfies Record<string, ProviderVariables>;

export type ProviderKey = keyof typeof providerVariables;

type Fields<K extends ProviderKey> = { [F in `external${K}Enabled`]: Setting<boolean> } & { [F in `external${K}ClientId`]: Setting<readonly string[]> } & {
  [F in `external${K}Secret` | `external${K}RedirectUri` | `external${K}Url`]: Setting<string | undefined>;
} & ((typeof providerVariables)[K]['idToken'] extends true ? { [F in `external${K}SkipNonceCheck`]: Setting<boolean> } : unknown);

type AllFields = { [K in ProviderKey]: Fields<K> }[ProviderKey];
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

const bool = (env: string, doc: string) =>
  setting({ env: [env], doc, defaultText: 'false', read: (raw, name) => (raw === undefined ? false : parseBool(name, raw)) });

function providerFields(key: ProviderKey): Record<string, Setting<unknown>> {
  const variables: ProviderVariables = providerVariables[key];
  const prefix = `GOTRUE_EXTERNAL_${variables.env}`;
  const fields: Record<string, Setting<unknown>> = {
    [`external${key}Enabled`]: bool(`${prefix}_ENABLED`, `Sign-in and identity linking with ${variables.label}.`),
    [`external${key}ClientId`]: setting<readonly string[]>({
      env: [`${prefix}_CLIENT_ID`],
      doc: variables.idToken
        ? `${variables.label} client id; further comma-separated ids are accepted as id_token audiences (mobile apps).`
        : `${variables.label} client id (GoTrue reads a comma-separated list and uses the first).`,
      defaultText: '(unset)',
      read: (raw) => (raw === undefined ? [] : parseList(raw)),
    }),
    [`external${key}Secret`]: setting<string | undefined>({
      env: [`${prefix}_SECRET`],
      doc: key === 'Apple'
        ? 'Apple client secret: the ES256-signed JWT generated from your Sign in with Apple key (as GoTrue takes it; it expires after at most 6 months).'
        : `${variables.label} client secret.`,
      defaultText: '(unset)',
      read: (raw) => (raw?.trim() ? raw.trim() : undefined),
    }),
    [`external${key}RedirectUri`]: setting<string | undefined>({
      env: [`${prefix}_REDIRECT_URI`],
      doc: `Callback URL registered at ${variables.label}.`,
      defaultText: '<API_EXTERNAL_URL>/callback',
      read: (raw, name) => (raw?.trim() ? parseUrl(name, raw) : undefined),
    }),
    [`external${key}Url`]: setting<string | undefined>({
      env: [`${prefix}_URL`],
      doc: variables.url.doc,
      defaultText: variables.url.defaultText,
      read: (raw, name) => (raw?.trim() ? parseUrl(name, raw).replace(/\/+$/, '') : undefined),
    }),
  };
  if (variables.idToken) {
    fields[`external${key}SkipNonceCheck`] = bool(
      `${prefix}_SKIP_NONCE_CHECK`,
      `POST /token?grant_type=id_token with ${variables.label}: skip the nonce check (for sign-in libraries that cannot pass the nonce).`,
    );
  }
  return fields;
}

export const oauthProviderSettings = Object.assign(
  {},
  ...(Object.keys(providerVariables) as ProviderKey[]).map(providerFields),
) as UnionToIntersection<AllFields>;

/** Setting keys of every provider's client secret (masked in the console). */
export const providerSecretKeys = (Object.keys(providerVariables) as ProviderKey[]).map((key) => `external${key}Secret` as const);
/** Setting keys of every provider's redirect URI (per-project URLs). */
export const providerRedirectUriKeys = (Object.keys(providerVariables) as ProviderKey[]).map((key) => `external${key}RedirectUri` as const);
