/**
 * Access tokens with exactly GoTrue's claims, and the session object the API returns. With the custom
 * access token hook on, the claims go through it before signing: inside the transaction that began or
 * changed the session where there is one (withTokenHook: a refusal rolls it all back, as in GoTrue),
 * else just before signing (sessionResponse), undoing what the request made when the hook refuses.
 */
import type { AmrEntry } from '../store/sessions.js';
import type { Queryable } from '../store/db.js';
import type { UserRow } from '../store/users.js';
import type { AuthDeps } from './deps.js';
import { customizeAccessTokenClaims } from './hooks/custom-access-token.js';
import { hookEnabled } from './hooks/invoke.js';
import { toPublicUser, type PublicUser } from './user-view.js';

export interface SessionResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  expires_at: number;
  refresh_token: string;
  user: PublicUser;
}

export interface AccessTokenInput {
  readonly user: UserRow;
  readonly sessionId: string;
  readonly aal: string;
  /** Newest first. */
  readonly amr: readonly AmrEntry[];
  /** A session of an OAuth client (the OAuth server): GoTrue's `client_id` and `scope` claims. */
  readonly oauthClientId?: string;
  readonly scope?: string;
}

/** Claims the custom access token hook returned, and when they were issued. */
export interface HookedClaims {
  readonly claims: Record<string, unknown>;
  readonly issuedAtSeconds: number;
}

export interface SessionIssue extends AccessTokenInput {
  readonly refreshToken: string;
  /** Set by withTokenHook: signed as they are. */
  readonly hookedClaims?: HookedClaims;
}

/** What the hook learns about the request, and what to undo when it refuses (paths without a transaction). */
export interface TokenRequest {
  readonly ip: string | null;
  /** GoTrue's authentication_method; default: the session's newest AMR method. */
  readonly authenticationMethod?: string;
  /** Removes what this request wrote (its new session, its new user) when the hook refuses the token. */
  readonly undo?: () => Promise<unknown>;
}

/** Claims in GoTrue's order; `is_anonymous` is always present, `iss` only when configured. */
export function accessTokenClaims(deps: AuthDeps, input: AccessTokenInput, issuedAtSeconds: number): Record<string, unknown> {
  const { config } = deps;
  const { user } = input;
  const claims: Record<string, unknown> = {};
  if (config.jwtIssuer) claims.iss = config.jwtIssuer;
  claims.sub = user.id;
  claims.aud = user.aud || config.jwtAud;
  claims.exp = issuedAtSeconds + config.jwtExpSeconds;
  claims.iat = issuedAtSeconds;
  claims.email = user.email ?? '';
  claims.phone = user.phone ?? '';
  claims.app_metadata = user.app_metadata ?? {};
  claims.user_metadata = user.user_metadata ?? {};
  claims.role = user.role ?? '';
  claims.aal = input.aal;
  claims.amr = input.amr;
  claims.session_id = input.sessionId;
  claims.is_anonymous = user.is_anonymous;
  // GoTrue's omitempty claims: only an OAuth client's tokens have them, so RLS can tell them apart.
  if (input.oauthClientId) claims.client_id = input.oauthClientId;
  if (input.scope) claims.scope = input.scope;
  return claims;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

async function hookClaims(deps: AuthDeps, input: AccessTokenInput, request: TokenRequest, tx: Queryable | undefined): Promise<HookedClaims> {
  const issuedAtSeconds = nowSeconds();
  const claims = await customizeAccessTokenClaims(deps, {
    userId: input.user.id,
    claims: accessTokenClaims(deps, input, issuedAtSeconds),
    authenticationMethod: request.authenticationMethod ?? input.amr[0]?.method ?? 'password',
    ip: request.ip,
    tx,
  });
  return { claims, issuedAtSeconds };
}

/**
 * Inside the transaction that began the session: the session with the hook's claims when the hook is
 * on (its refusal throws, rolling the transaction back); the session unchanged, at no cost, when off.
 */
export function withTokenHook<T extends SessionIssue>(deps: AuthDeps, tx: Queryable, session: T, request: TokenRequest): T | Promise<T> {
  if (!hookEnabled(deps.config, 'custom_access_token')) return session;
  return hookClaims(deps, session, request, tx).then((hookedClaims) => ({ ...session, hookedClaims }));
}

export async function sessionResponse(deps: AuthDeps, input: SessionIssue, request?: TokenRequest): Promise<SessionResponse> {
  let claims: Record<string, unknown>;
  let issuedAtSeconds: number;
  if (input.hookedClaims) {
    ({ claims, issuedAtSeconds } = input.hookedClaims);
  } else if (hookEnabled(deps.config, 'custom_access_token')) {
    try {
      ({ claims, issuedAtSeconds } = await hookClaims(deps, input, request ?? { ip: null }, undefined));
    } catch (error) {
      await request?.undo?.();
      throw error;
    }
  } else {
    issuedAtSeconds = nowSeconds();
    claims = accessTokenClaims(deps, input, issuedAtSeconds);
  }
  const accessToken = await deps.keyring.sign(claims);
  return {
    access_token: accessToken,
    token_type: 'bearer',
    expires_in: deps.config.jwtExpSeconds,
    expires_at: issuedAtSeconds + deps.config.jwtExpSeconds,
    refresh_token: input.refreshToken,
    user: toPublicUser(input.user),
  };
}
