/** Access tokens with exactly GoTrue's claims, and the session object the API returns. */
import type { AmrEntry } from '../store/sessions.js';
import type { UserRow } from '../store/users.js';
import type { AuthDeps } from './deps.js';
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
  return claims;
}

export async function sessionResponse(
  deps: AuthDeps,
  input: AccessTokenInput & { readonly refreshToken: string },
): Promise<SessionResponse> {
  const issuedAtSeconds = Math.floor(Date.now() / 1000);
  const accessToken = await deps.keyring.sign(accessTokenClaims(deps, input, issuedAtSeconds));
  return {
    access_token: accessToken,
    token_type: 'bearer',
    expires_in: deps.config.jwtExpSeconds,
    expires_at: issuedAtSeconds + deps.config.jwtExpSeconds,
    refresh_token: input.refreshToken,
    user: toPublicUser(input.user),
  };
}
