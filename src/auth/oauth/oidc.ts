/**
 * An OpenID Connect provider found by issuer discovery (Google, and the generic FOYER_EXTERNAL_OIDC_*
 * one), through openid-client: authorization URL with state, PKCE (S256) and nonce; the code exchange
 * checks all three and the ID token; the profile is the ID token's claims plus the userinfo endpoint's.
 */
import { createHash } from 'node:crypto';
import type { createRemoteJWKSet, JWTPayload } from 'jose';
import type * as client from 'openid-client';
import { FoyerError } from '../../errors.js';
import { loadJose } from '../../security/jose-library.js';
import { loadOpenidClient } from './openid-client-library.js';
import { fetchFailure } from './provider-http.js';
import {
  compact,
  type AuthorizationRequest, type AuthorizationStart,
  type CallbackChecks,
  type OAuthProvider,
  type ProviderProfile,
  type ProviderTokens,
  type VerifiedIdToken,
} from './types.js';

export interface OidcProviderSettings {
  readonly name: string;
  readonly issuer: string;
  /** The first one is used for the code flow; all are accepted as ID token audiences. */
  readonly clientIds: readonly string[];
  readonly secret: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  /** Other spellings of the issuer seen in ID tokens (Google also signs `accounts.google.com`). */
  readonly issuerAliases?: readonly string[];
  readonly skipNonceCheck?: boolean;
  /** Whether Foyer proves PKCE to the provider (default true; a custom provider may turn it off). */
  readonly pkce?: boolean;
  /** Fixed parameters of every authorization request (a custom provider's authorization_params). */
  readonly authorizationParams?: Readonly<Record<string, string>>;
  /** A request's scopes replace the configured ones instead of adding to them (GoTrue's rule for custom providers). */
  readonly requestScopesReplace?: boolean;
  /** The discovery document already fetched and checked (a custom provider's cached_discovery): no discovery at sign-in. */
  readonly serverMetadata?: client.ServerMetadata;
  /** How claims become the profile, when not as profileFromClaims reads them. */
  readonly profile?: (claims: Record<string, unknown>) => ProviderProfile;
  /** How every endpoint (discovery, token, userinfo, JWKS) is reached; Node's fetch by default. */
  readonly fetch?: typeof fetch;
}

const DISCOVERY_TIMEOUT_SECONDS = 10;

/** Why a provider call failed, without leaking tokens: openid-client errors carry an OAuth error code. */
export function providerFailure(what: string, error: unknown): FoyerError {
  const detail = fetchFailure(error);
  const oauthError = (error as { error?: unknown }).error;
  const description = (error as { error_description?: unknown }).error_description;
  const reason = typeof oauthError === 'string' ? `${oauthError}${typeof description === 'string' ? `: ${description}` : ''}` : detail;
  const failure = new FoyerError('unexpected_failure', `${what}: ${reason}`);
  return Object.assign(failure, { cause: error });
}

const stringClaim = (claims: Record<string, unknown>, key: string): string | undefined =>
  typeof claims[key] === 'string' && claims[key] !== '' ? (claims[key] as string) : undefined;

/** GoTrue's identity_data for an OpenID Connect login (its provider.Claims with `omitempty`). */
export function profileFromClaims(claims: Record<string, unknown>): ProviderProfile {
  const subject = stringClaim(claims, 'sub');
  if (!subject) throw new FoyerError('validation_failed', 'Missing sub claim in id_token');
  const email = stringClaim(claims, 'email')?.toLowerCase() ?? null;
  const verified = claims.email_verified === true || claims.email_verified === 'true';
  const name = stringClaim(claims, 'name');
  const picture = stringClaim(claims, 'picture');
  const identityData = compact({
    iss: stringClaim(claims, 'iss'),
    sub: subject,
    name,
    given_name: stringClaim(claims, 'given_name'),
    family_name: stringClaim(claims, 'family_name'),
    nickname: stringClaim(claims, 'nickname'),
    preferred_username: stringClaim(claims, 'preferred_username'),
    picture,
    email: email ?? undefined,
    email_verified: Boolean(email) && verified,
    phone: stringClaim(claims, 'phone_number'),
    phone_verified: claims.phone_number_verified === true,
    full_name: name,
    avatar_url: picture,
    provider_id: subject,
  });
  return { subject, email, emailVerified: Boolean(email) && verified, identityData };
}

/** OpenID Connect's at_hash: the left half of the access token's hash, with the ID token's hash size. */
function accessTokenHash(accessToken: string, alg: string): string {
  const bits = /512$|^EdDSA$|^Ed25519$/.test(alg) ? 512 : /384$/.test(alg) ? 384 : 256;
  const digest = createHash(`sha${bits}`).update(accessToken).digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

export class OidcProvider implements OAuthProvider {
  readonly usesNonce = true;
  private configuration: Promise<client.Configuration> | undefined;
  private jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  constructor(private readonly settings: OidcProviderSettings) {}

  get name(): string {
    return this.settings.name;
  }

  get skipNonceCheck(): boolean {
    return this.settings.skipNonceCheck ?? false;
  }

  /** Discovery once, at first use; a failure is not cached, so the next request tries again. */
  private discover(): Promise<client.Configuration> {
    if (!this.configuration && this.settings.serverMetadata) {
      const { serverMetadata, clientIds, secret } = this.settings;
      this.configuration = loadOpenidClient()
        .then((library) => this.withFetch(library, new library.Configuration(serverMetadata, clientIds[0], secret, library.ClientSecretPost(secret))))
        .catch((error: unknown) => {
          this.configuration = undefined;
          throw error;
        });
    }
    if (!this.configuration) {
      const { issuer, clientIds, secret } = this.settings;
      const insecure = new URL(issuer).protocol === 'http:';
      this.configuration = loadOpenidClient()
        .then((library) =>
          // A customFetch given to discovery is kept by the configuration it returns, for its later requests.
          library.discovery(new URL(issuer), clientIds[0], secret, library.ClientSecretPost(secret), {
            execute: insecure ? [library.allowInsecureRequests] : [],
            timeout: DISCOVERY_TIMEOUT_SECONDS,
            ...(this.settings.fetch ? { [library.customFetch]: this.settings.fetch as client.CustomFetch } : {}),
          }),
        )
        .catch((error: unknown) => {
          this.configuration = undefined;
          throw providerFailure(`Could not read the OpenID configuration of ${issuer}`, error);
        });
    }
    return this.configuration;
  }

  /** The configuration's later requests (token, userinfo) go through the settings' fetch too. */
  private withFetch(library: typeof client, configuration: client.Configuration): client.Configuration {
    // openid-client's declared init (a Uint8Array body) is narrower than RequestInit, not different.
    if (this.settings.fetch) configuration[library.customFetch] = this.settings.fetch as client.CustomFetch;
    return configuration;
  }

  async authorizationUrl(request: AuthorizationRequest): Promise<AuthorizationStart> {
    const configuration = await this.discover();
    const client = await loadOpenidClient();
    const { scopes, requestScopesReplace, pkce = true } = this.settings;
    const wanted = requestScopesReplace && request.scopes.length > 0 ? ['openid', ...request.scopes] : [...scopes, ...request.scopes];
    const params: Record<string, string> = {
      ...request.extraParams,
      ...this.settings.authorizationParams,
      response_type: 'code',
      redirect_uri: this.settings.redirectUri,
      scope: [...new Set(wanted)].join(' '),
      state: request.state,
      ...(pkce ? { code_challenge: request.codeChallenge, code_challenge_method: 'S256' } : {}),
    };
    if (request.nonce) params.nonce = request.nonce;
    return { url: client.buildAuthorizationUrl(configuration, params).href };
  }

  async exchange(callbackParams: URLSearchParams, checks: CallbackChecks): Promise<{ tokens: ProviderTokens; profile: ProviderProfile }> {
    const configuration = await this.discover();
    const client = await loadOpenidClient();
    // The URL the provider redirected to, as registered: openid-client sends it again as redirect_uri.
    const currentUrl = new URL(this.settings.redirectUri);
    for (const [key, value] of callbackParams) currentUrl.searchParams.append(key, value);
    let response: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      response = await client.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: this.settings.pkce === false ? undefined : checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce ?? undefined,
        idTokenExpected: true,
      });
    } catch (error) {
      throw providerFailure('Unable to exchange external code', error);
    }
    const idClaims = (response.claims() ?? {}) as Record<string, unknown>;
    let claims: Record<string, unknown> = { ...idClaims };
    if (configuration.serverMetadata().userinfo_endpoint) {
      try {
        const userinfo = await client.fetchUserInfo(configuration, response.access_token, String(idClaims.sub));
        // The ID token's issuer and subject stay authoritative; userinfo adds the profile claims.
        claims = { ...userinfo, ...compact({ iss: idClaims.iss, sub: idClaims.sub }) };
        for (const key of ['email', 'email_verified'] as const) {
          if (userinfo[key] === undefined && idClaims[key] !== undefined) claims[key] = idClaims[key];
        }
      } catch (error) {
        throw providerFailure('Error getting user profile from external provider', error);
      }
    }
    return {
      tokens: { accessToken: response.access_token, refreshToken: response.refresh_token ?? null },
      profile: (this.settings.profile ?? profileFromClaims)(claims),
    };
  }

  async verifyIdToken(idToken: string, options: { accessToken?: string }): Promise<VerifiedIdToken> {
    const configuration = await this.discover();
    const metadata = configuration.serverMetadata();
    if (!metadata.jwks_uri) throw new FoyerError('unexpected_failure', `${this.name} publishes no jwks_uri`);
    const { createRemoteJWKSet, customFetch, jwtVerify } = await loadJose();
    this.jwks ??= createRemoteJWKSet(new URL(metadata.jwks_uri), {
      timeoutDuration: DISCOVERY_TIMEOUT_SECONDS * 1000,
      ...(this.settings.fetch ? { [customFetch]: this.settings.fetch } : {}),
    });
    let payload: JWTPayload;
    let alg: string;
    try {
      const verified = await jwtVerify(idToken, this.jwks, {
        issuer: [metadata.issuer, ...(this.settings.issuerAliases ?? [])],
        audience: [...this.settings.clientIds],
      });
      payload = verified.payload;
      alg = verified.protectedHeader.alg;
    } catch (error) {
      throw new FoyerError('validation_failed', `Bad ID token: ${(error as Error).message}`);
    }
    if (options.accessToken && typeof payload.at_hash === 'string' && payload.at_hash !== accessTokenHash(options.accessToken, alg)) {
      throw new FoyerError('validation_failed', 'Bad ID token: access_token does not match at_hash');
    }
    return {
      profile: (this.settings.profile ?? profileFromClaims)(payload as Record<string, unknown>),
      nonce: typeof payload.nonce === 'string' && payload.nonce !== '' ? payload.nonce : undefined,
    };
  }
}
