/**
 * GitHub: OAuth 2.0 (no OpenID Connect) through openid-client with GitHub's fixed endpoints, then the
 * profile from its REST API (/user and /user/emails, as GoTrue reads them). GOTRUE_EXTERNAL_GITHUB_URL
 * points at a GitHub Enterprise server (API under /api/v3), as in GoTrue.
 */
import type * as OpenidClient from 'openid-client';
import { FoyerError } from '../../errors.js';
import { providerFailure } from './oidc.js';
import { loadOpenidClient } from './openid-client-library.js';
import { compact, type AuthorizationRequest, type AuthorizationStart, type CallbackChecks, type OAuthProvider, type ProviderProfile, type ProviderTokens } from './types.js';

export interface GithubProviderSettings {
  readonly clientId: string;
  readonly secret: string;
  readonly redirectUri: string;
  /** https://github.com, or a GitHub Enterprise base URL. */
  readonly baseUrl: string;
}

const GITHUB_COM = 'https://github.com';
const DEFAULT_SCOPES = ['user:email'];
const API_TIMEOUT_MS = 10_000;

interface GithubUser {
  id?: number | string;
  login?: string;
  name?: string | null;
  avatar_url?: string;
  email?: string | null;
}

interface GithubEmail {
  email?: string;
  primary?: boolean;
  verified?: boolean;
}

/** openid-client with GitHub's endpoints configured. */
interface GithubClient {
  readonly client: typeof OpenidClient;
  readonly configuration: OpenidClient.Configuration;
}

export class GithubProvider implements OAuthProvider {
  readonly name = 'github';
  readonly usesNonce = false;
  private configured: GithubClient | undefined;
  private readonly apiBase: string;

  constructor(private readonly settings: GithubProviderSettings) {
    this.apiBase = this.base === GITHUB_COM ? 'https://api.github.com' : `${this.base}/api/v3`;
  }

  private get base(): string {
    return this.settings.baseUrl.replace(/\/+$/, '');
  }

  /** GitHub's fixed endpoints, set up at the first sign-in (openid-client is loaded then). */
  private async configuration(): Promise<GithubClient> {
    if (this.configured) return this.configured;
    const library = await loadOpenidClient();
    const base = this.base;
    const configuration = new library.Configuration(
      { issuer: base, authorization_endpoint: `${base}/login/oauth/authorize`, token_endpoint: `${base}/login/oauth/access_token` },
      this.settings.clientId,
      this.settings.secret,
      library.ClientSecretPost(this.settings.secret),
    );
    if (base.startsWith('http:')) library.allowInsecureRequests(configuration);
    this.configured = { client: library, configuration };
    return this.configured;
  }

  async authorizationUrl(request: AuthorizationRequest): Promise<AuthorizationStart> {
    const { client, configuration } = await this.configuration();
    const url = client.buildAuthorizationUrl(configuration, {
      ...request.extraParams,
      response_type: 'code',
      redirect_uri: this.settings.redirectUri,
      scope: [...new Set([...DEFAULT_SCOPES, ...request.scopes])].join(' '),
      state: request.state,
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
    }).href;
    return { url };
  }

  async exchange(callbackParams: URLSearchParams, checks: CallbackChecks): Promise<{ tokens: ProviderTokens; profile: ProviderProfile }> {
    const currentUrl = new URL(this.settings.redirectUri);
    for (const [key, value] of callbackParams) currentUrl.searchParams.append(key, value);
    let accessToken: string;
    let refreshToken: string | null;
    const { client, configuration } = await this.configuration();
    try {
      const response = await client.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
      });
      accessToken = response.access_token;
      refreshToken = response.refresh_token ?? null;
    } catch (error) {
      throw providerFailure('Unable to exchange external code', error);
    }
    const user = await this.api<GithubUser>('/user', accessToken);
    const emails = await this.api<GithubEmail[]>('/user/emails', accessToken);
    return { tokens: { accessToken, refreshToken }, profile: githubProfile(this.apiBase, user, Array.isArray(emails) ? emails : []) };
  }

  private async api<T>(path: string, accessToken: string): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.apiBase}${path}`, {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/vnd.github+json', 'user-agent': 'Foyer' },
        signal: AbortSignal.timeout(API_TIMEOUT_MS),
      });
    } catch (error) {
      throw providerFailure('Error getting user profile from external provider', error);
    }
    if (!response.ok) {
      throw new FoyerError('unexpected_failure', `Error getting user profile from external provider: GitHub answered ${response.status} to ${path}`);
    }
    return (await response.json()) as T;
  }
}

/** GoTrue's choice: the primary address, else a verified one, else the first. */
export function githubProfile(apiBase: string, user: GithubUser, emails: readonly GithubEmail[]): ProviderProfile {
  if (user.id === undefined || user.id === null || user.id === '') {
    throw new FoyerError('unexpected_failure', 'Error getting user profile from external provider: no user id');
  }
  const subject = String(user.id);
  const withAddress = emails.filter((entry) => typeof entry.email === 'string' && entry.email !== '');
  const chosen = withAddress.find((entry) => entry.primary) ?? withAddress.find((entry) => entry.verified) ?? withAddress[0];
  const email = (chosen?.email ?? user.email ?? null)?.toLowerCase() ?? null;
  const emailVerified = Boolean(chosen?.verified);
  const name = user.name ?? undefined;
  const identityData = compact({
    iss: apiBase,
    sub: subject,
    name,
    preferred_username: user.login,
    user_name: user.login,
    email: email ?? undefined,
    email_verified: emailVerified,
    phone_verified: false,
    full_name: name,
    avatar_url: user.avatar_url,
    provider_id: subject,
  });
  return { subject, email, emailVerified, identityData };
}
