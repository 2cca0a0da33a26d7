/**
 * OpenID Connect ID tokens, as GoTrue makes them: signed with the project's signing key (an asymmetric
 * one only: with a shared HMAC secret any app could forge them), valid for an hour, `aud` the client,
 * the claims each granted scope allows (email: email, email_verified; phone: phone_number,
 * phone_number_verified; profile: name, picture, updated_at, preferred_username).
 */
import type { UserRow } from '../../store/users.js';
import type { AuthDeps } from '../deps.js';
import { discoveryIssuer } from '../discovery.js';

const ID_TOKEN_LIFETIME_SECONDS = 3600;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** GoTrue's profile claims from user_metadata (name falls back to the email; picture to avatar_url). */
export function profileClaims(user: UserRow): { name?: string; picture?: string; preferred_username?: string } {
  const meta = user.user_metadata ?? {};
  const name = text(meta.name) ?? text(user.email);
  const picture = text(meta.picture) ?? text(meta.avatar_url);
  const username = text(meta.preferred_username) ?? text(meta.username);
  return { ...(name ? { name } : {}), ...(picture ? { picture } : {}), ...(username ? { preferred_username: username } : {}) };
}

const seconds = (timestamp: string | null): number | undefined => (timestamp ? Math.floor(Date.parse(timestamp) / 1000) : undefined);

export async function signIdToken(deps: AuthDeps, input: { user: UserRow; clientId: string; nonce: string | null; scopes: readonly string[] }): Promise<string> {
  const { user, clientId, scopes } = input;
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: discoveryIssuer(deps.config),
    sub: user.id,
    aud: [clientId],
    exp: now + ID_TOKEN_LIFETIME_SECONDS,
    iat: now,
  };
  if (input.nonce) claims.nonce = input.nonce;
  claims.auth_time = seconds(user.last_sign_in_at) ?? now;
  if (scopes.includes('email') && user.email) claims.email = user.email;
  claims.email_verified = scopes.includes('email') && user.email_confirmed_at !== null;
  if (scopes.includes('phone') && user.phone) claims.phone_number = user.phone;
  claims.phone_number_verified = scopes.includes('phone') && user.phone_confirmed_at !== null;
  if (scopes.includes('profile')) {
    Object.assign(claims, profileClaims(user));
    const updatedAt = seconds(user.updated_at);
    if (updatedAt) claims.updated_at = updatedAt;
  }
  claims.client_id = clientId;
  return deps.keyring.sign(claims);
}
