/** What Foyer needs from an OAuth or OpenID Connect provider, whichever protocol details it has. */

/** The person the provider vouches for, as GoTrue records it in identities.identity_data. */
export interface ProviderProfile {
  /** The provider's stable user id (`sub`); identities.provider_id. */
  readonly subject: string;
  /** Lower-cased; null when the provider gave none. */
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly identityData: Record<string, unknown>;
}

export interface ProviderTokens {
  readonly accessToken: string;
  readonly refreshToken: string | null;
}

export interface AuthorizationRequest {
  /** The OAuth `state`: the flow_state id. */
  readonly state: string;
  /** Foyer's own PKCE challenge towards the provider (S256). */
  readonly codeChallenge: string;
  readonly nonce: string | null;
  readonly scopes: readonly string[];
  /** Further query parameters of the client's request (prompt, login_hint, …), passed through. */
  readonly extraParams: Readonly<Record<string, string>>;
}

/** Where to send the browser, and — for OAuth 1.0a — the secret to keep in place of Foyer's PKCE verifier. */
export interface AuthorizationStart {
  readonly url: string;
  readonly providerVerifier?: string;
}

export interface CallbackChecks {
  readonly state: string;
  readonly codeVerifier: string;
  readonly nonce: string | null;
}

export interface VerifiedIdToken {
  readonly profile: ProviderProfile;
  readonly nonce: string | undefined;
}

export interface OAuthProvider {
  readonly name: string;
  /** Whether authorization requests carry an OpenID nonce (OpenID Connect providers). */
  readonly usesNonce: boolean;
  /** POST /token?grant_type=id_token: the nonce check is skipped (GOTRUE_EXTERNAL_<P>_SKIP_NONCE_CHECK; always for Facebook). */
  readonly skipNonceCheck?: boolean;
  authorizationUrl(request: AuthorizationRequest): Promise<AuthorizationStart>;
  /** Exchanges the callback's code (state and PKCE checked) and reads the profile. */
  exchange(callbackParams: URLSearchParams, checks: CallbackChecks): Promise<{ tokens: ProviderTokens; profile: ProviderProfile }>;
  /** OpenID Connect providers: verifies an ID token against the provider's keys (POST /token?grant_type=id_token). */
  verifyIdToken?(idToken: string, options: { accessToken?: string }): Promise<VerifiedIdToken>;
}

/** Values of identity_data that are empty are left out, as GoTrue's `omitempty` does. */
export function compact(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined && value !== null && value !== ''));
}
