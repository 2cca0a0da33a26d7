/**
 * GET /oauth/userinfo (OpenID Connect Core §5.3) for an access token: `sub` always, and what the
 * session's granted scopes allow, as GoTrue answers (email: email, email_verified; profile: name,
 * picture, preferred_username, updated_at, user_metadata; phone: phone, phone_verified). A user's own
 * token (a session of no client) has no scopes: `sub` alone.
 */
import { findSessionOAuthClient } from '../../store/oauth-server-sessions.js';
import type { Caller } from '../authenticate.js';
import type { AuthDeps } from '../deps.js';
import { profileClaims } from './id-token.js';
import { parseScopes } from './scopes.js';

export async function userInfo(deps: AuthDeps, caller: Caller): Promise<Record<string, unknown>> {
  const { user } = caller;
  const info: Record<string, unknown> = { sub: user.id };
  if (!caller.sessionId) return info;
  const session = await findSessionOAuthClient(deps.db, caller.sessionId);
  const scopes = parseScopes(session?.scopes);
  if (scopes.includes('email')) {
    if (user.email) info.email = user.email;
    if (user.email_confirmed_at) info.email_verified = true;
  }
  if (scopes.includes('profile')) {
    Object.assign(info, profileClaims(user));
    if (user.updated_at) info.updated_at = Math.floor(Date.parse(user.updated_at) / 1000);
    if (user.user_metadata) info.user_metadata = user.user_metadata;
  }
  if (scopes.includes('phone')) {
    if (user.phone) info.phone = user.phone;
    if (user.phone_confirmed_at) info.phone_verified = true;
  }
  return info;
}
