/**
 * Twitter's OAuth 1.0a sign-in (GoTrue's "twitter"; X's OAuth 2.0 is the "x" provider): a request token
 * with our callback (carrying the flow's state), the user sent to /oauth/authenticate, then the
 * access-token exchange with the oauth_verifier Twitter hands back and the user from
 * /1.1/account/verify_credentials.json — every request signed (HMAC-SHA1) with the oauth-1.0a library.
 * The request token's secret waits in the flow state where OAuth 2.0 providers keep the PKCE verifier.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type OAuth from 'oauth-1.0a';
import { FoyerError } from '../../../errors.js';
import { loadOnce } from '../../../load-once.js';
import { providerError } from '../provider-http.js';
import { buildProfile } from '../profile.js';
import type { AuthorizationRequest, AuthorizationStart, CallbackChecks, OAuthProvider, ProviderProfile, ProviderTokens } from '../types.js';
import { clientOf, host, type ProviderDefinition, type ProviderSettings } from './definition.js';

const TIMEOUT_MS = 10_000;

/** Loaded by the first Twitter sign-in: most servers never enable the provider. */
const oauth1 = loadOnce(() => import('oauth-1.0a').then((module) => module.default));

interface TwitterUser { id_str?: string; screen_name?: string; name?: string; profile_image_url_https?: string; email?: string }

const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

class TwitterProvider implements OAuthProvider {
  readonly name = 'twitter';
  readonly usesNonce = false;
  private oauth: OAuth | undefined;
  private readonly consumer: OAuth.Consumer;
  private readonly base: string;
  private readonly redirectUri: string;

  constructor(settings: ProviderSettings) {
    const client = clientOf(settings);
    this.base = host(settings, 'https://api.twitter.com');
    this.redirectUri = client.redirectUri;
    this.consumer = { key: client.clientId, secret: client.secret };
  }

  private async signer(): Promise<OAuth> {
    const OAuth1 = await oauth1();
    this.oauth ??= new OAuth1({
      consumer: this.consumer,
      signature_method: 'HMAC-SHA1',
      hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
    });
    return this.oauth;
  }

  /** A signed request; form-encoded answers (the token endpoints) or JSON (the API). */
  private async signed(what: string, method: 'GET' | 'POST', url: string, data: Record<string, string>, token?: OAuth.Token): Promise<string> {
    const oauth = await this.signer();
    const authorization = oauth.toHeader(oauth.authorize({ url, method, data }, token)).Authorization;
    const query = new URLSearchParams(data).toString();
    let response: Response;
    try {
      response = await fetch(method === 'GET' ? `${url}?${query}` : url, {
        method,
        headers: { authorization, ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        body: method === 'POST' ? query : undefined,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw providerError(what, (error as Error).message);
    }
    const text = await response.text();
    if (!response.ok) throw providerError(what, `${new URL(url).pathname} answered ${response.status}`);
    return text;
  }

  async authorizationUrl(request: AuthorizationRequest): Promise<AuthorizationStart> {
    const callback = new URL(this.redirectUri);
    callback.searchParams.set('state', request.state);
    const answer = new URLSearchParams(
      await this.signed('Error getting a request token from Twitter', 'POST', `${this.base}/oauth/request_token`, { oauth_callback: callback.href }),
    );
    const token = answer.get('oauth_token');
    const secret = answer.get('oauth_token_secret');
    if (!token || !secret || answer.get('oauth_callback_confirmed') !== 'true') {
      throw providerError('Error getting a request token from Twitter', 'no confirmed request token');
    }
    return { url: `${this.base}/oauth/authenticate?${new URLSearchParams({ oauth_token: token })}`, providerVerifier: `${token} ${secret}` };
  }

  async exchange(callbackParams: URLSearchParams, checks: CallbackChecks): Promise<{ tokens: ProviderTokens; profile: ProviderProfile }> {
    const [requestToken = '', requestSecret = ''] = checks.codeVerifier.split(' ');
    const returned = callbackParams.get('oauth_token') ?? '';
    if (!sameText(returned, requestToken)) throw new FoyerError('bad_oauth_callback', 'OAuth callback for another request token');
    const access = new URLSearchParams(
      await this.signed('Unable to exchange external code', 'POST', `${this.base}/oauth/access_token`, { oauth_verifier: callbackParams.get('oauth_verifier') ?? '' }, { key: requestToken, secret: requestSecret }),
    );
    const key = access.get('oauth_token');
    const secret = access.get('oauth_token_secret');
    if (!key || !secret) throw providerError('Unable to exchange external code', 'no access token');
    const userInfoUrl = `${this.base}/1.1/account/verify_credentials.json`;
    const body = await this.signed(
      'Error getting user profile from external provider',
      'GET',
      userInfoUrl,
      { include_entities: 'false', skip_status: 'true', include_email: 'true' },
      { key, secret },
    );
    let user: TwitterUser;
    try {
      user = JSON.parse(body) as TwitterUser;
    } catch {
      throw providerError('Error getting user profile from external provider', 'not JSON');
    }
    const profile = buildProfile({
      issuer: userInfoUrl,
      subject: user.id_str,
      emails: user.email ? [{ email: user.email, verified: true, primary: true }] : [],
      claims: {
        name: user.name,
        picture: user.profile_image_url_https,
        preferred_username: user.screen_name,
        user_name: user.screen_name,
        full_name: user.name,
        avatar_url: user.profile_image_url_https,
      },
    });
    return { tokens: { accessToken: key, refreshToken: null }, profile };
  }
}

export const twitter: ProviderDefinition = {
  name: 'twitter',
  key: 'Twitter',
  build: (settings) => new TwitterProvider(settings),
};
