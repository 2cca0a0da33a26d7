/**
 * The OAuth 2.0 provider most of GoTrue's providers are: an authorization endpoint, a token endpoint,
 * default scopes, and a module-specific way to turn the token response (and the provider's API) into a
 * profile. Everything provider-specific is data in an OAuth2Spec (src/auth/oauth/catalogue/*), so a
 * provider described by a database row later is one more spec.
 */
import { exchangeCode, getJson, type ClientAuthentication, type TokenResponse } from './provider-http.js';
import type { AuthorizationRequest, AuthorizationStart, CallbackChecks, OAuthProvider, ProviderProfile, ProviderTokens, VerifiedIdToken } from './types.js';

/** What a provider module's profile step gets. */
export interface ProfileContext {
  readonly tokens: TokenResponse;
  readonly accessToken: string;
  readonly callbackParams: URLSearchParams;
  /** The OpenID nonce Foyer sent (providers whose token response carries an ID token). */
  readonly nonce: string | null;
  /** GET a JSON document of the provider's API with the user's access token. */
  getJson<T>(url: string, headers?: Readonly<Record<string, string>>): Promise<T>;
}

export interface OAuth2Spec {
  readonly name: string;
  readonly clientId: string;
  readonly secret: string;
  readonly redirectUri: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  /** Always requested; a request's `scopes` are added. */
  readonly scopes: readonly string[];
  readonly clientAuthentication: ClientAuthentication;
  /** Whether Foyer proves PKCE to the provider (GoTrue: only X requires it). */
  readonly pkce?: boolean;
  /** Whether authorization requests carry an OpenID nonce. */
  readonly usesNonce?: boolean;
  /** Fixed authorization parameters (Apple's response_mode=form_post). */
  readonly authorizationParams?: Readonly<Record<string, string>>;
  readonly profile: (context: ProfileContext) => Promise<ProviderProfile>;
  /** Providers whose ID tokens POST /token?grant_type=id_token takes. */
  readonly verifyIdToken?: (idToken: string, options: { accessToken?: string }) => Promise<VerifiedIdToken>;
  readonly skipNonceCheck?: boolean;
  /** A request's scopes replace `scopes` instead of adding to them (GoTrue's rule for custom providers). */
  readonly requestScopesReplace?: boolean;
  /** How the token endpoint and the provider's API are reached; Node's fetch by default. */
  readonly fetch?: typeof fetch;
}

export class OAuth2Provider implements OAuthProvider {
  readonly verifyIdToken?: OAuthProvider['verifyIdToken'];

  constructor(private readonly spec: OAuth2Spec) {
    if (spec.verifyIdToken) this.verifyIdToken = spec.verifyIdToken;
  }

  get name(): string {
    return this.spec.name;
  }

  get usesNonce(): boolean {
    return this.spec.usesNonce ?? false;
  }

  get skipNonceCheck(): boolean {
    return this.spec.skipNonceCheck ?? false;
  }

  async authorizationUrl(request: AuthorizationRequest): Promise<AuthorizationStart> {
    const url = new URL(this.spec.authorizationEndpoint);
    const params: Record<string, string> = {
      ...request.extraParams,
      ...this.spec.authorizationParams,
      client_id: this.spec.clientId,
      redirect_uri: this.spec.redirectUri,
      response_type: 'code',
      state: request.state,
    };
    const wanted = this.spec.requestScopesReplace && request.scopes.length > 0 ? request.scopes : [...this.spec.scopes, ...request.scopes];
    const scopes = [...new Set(wanted)];
    if (scopes.length > 0) params.scope = scopes.join(' ');
    if (this.spec.pkce) Object.assign(params, { code_challenge: request.codeChallenge, code_challenge_method: 'S256' });
    if (this.usesNonce && request.nonce) params.nonce = request.nonce;
    // Spaces as %20, not `+`: Apple reads `+` in scope literally (GoTrue rewrites its URL the same way).
    const query = Object.entries(params).map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
    url.search = [...(url.search ? [url.search.slice(1)] : []), ...query].join('&');
    return { url: url.href };
  }

  async exchange(callbackParams: URLSearchParams, checks: CallbackChecks): Promise<{ tokens: ProviderTokens; profile: ProviderProfile }> {
    const tokens = await exchangeCode({
      tokenEndpoint: this.spec.tokenEndpoint,
      clientId: this.spec.clientId,
      secret: this.spec.secret,
      clientAuthentication: this.spec.clientAuthentication,
      code: callbackParams.get('code') ?? '',
      redirectUri: this.spec.redirectUri,
      codeVerifier: this.spec.pkce ? checks.codeVerifier : undefined,
      fetch: this.spec.fetch,
    });
    const profile = await this.spec.profile({
      tokens,
      accessToken: tokens.access_token,
      callbackParams,
      nonce: checks.nonce,
      getJson: (url, headers) => getJson(url, { accessToken: tokens.access_token, headers, fetch: this.spec.fetch }),
    });
    const refreshToken = typeof tokens.refresh_token === 'string' && tokens.refresh_token !== '' ? tokens.refresh_token : null;
    return { tokens: { accessToken: tokens.access_token, refreshToken }, profile };
  }
}
