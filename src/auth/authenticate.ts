/** Who is calling: GoTrue's authentication checks, in GoTrue's order. */
import { FoyerError } from '../errors.js';
import { JwtError, type Claims } from '../security/jwt.js';
import { findUserAndSession, type UserRow } from '../store/users.js';
import type { AuthDeps } from './deps.js';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: unknown): value is string => typeof value === 'string' && uuidPattern.test(value);

/** The Bearer token of an Authorization header, or a 401 `no_authorization`. */
export function bearerToken(header: string | undefined): string {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) throw new FoyerError('no_authorization', 'This endpoint requires a valid Bearer token');
  return match[1];
}

/** Verified claims of a token, or a 403 `bad_jwt` that says why. */
export function verifiedClaims(deps: AuthDeps, token: string): Claims {
  try {
    return deps.keyring.verify(token);
  } catch (error) {
    if (!(error instanceof JwtError)) throw error;
    const reason = error.failure === 'expired' ? 'token has invalid claims: token is expired' : 'unable to parse or verify signature';
    throw new FoyerError('bad_jwt', `invalid JWT: ${reason}`);
  }
}

export interface Caller {
  readonly claims: Claims;
  readonly user: UserRow;
  /** Null for tokens minted without a session (admin-made tokens). */
  readonly sessionId: string | null;
}

export async function authenticateUser(deps: AuthDeps, authorization: string | undefined): Promise<Caller> {
  const claims = verifiedClaims(deps, bearerToken(authorization));
  if (claims.sub === undefined || claims.sub === '') throw new FoyerError('bad_jwt', 'invalid claim: missing sub claim');
  if (!isUuid(claims.sub)) throw new FoyerError('bad_jwt', 'invalid claim: sub claim must be a UUID');
  const sessionId = claims.session_id === undefined || claims.session_id === '' ? null : claims.session_id;
  if (sessionId !== null && !isUuid(sessionId)) throw new FoyerError('bad_jwt', 'invalid claim: session_id claim must be a UUID');
  const found = await findUserAndSession(deps.db, claims.sub, sessionId);
  if (!found) throw new FoyerError('user_not_found', 'User from sub claim in JWT does not exist', { status: 403 });
  if (!found.session_exists) throw new FoyerError('session_not_found', 'Session from session_id claim in JWT does not exist');
  if (found.banned_until && Date.parse(found.banned_until) > Date.now()) throw new FoyerError('user_banned', 'User is banned');
  return { claims, user: found, sessionId };
}

/** Admin endpoints: a valid JWT whose role is one of GOTRUE_JWT_ADMIN_ROLES. */
export function authenticateAdmin(deps: AuthDeps, authorization: string | undefined): Claims {
  const claims = verifiedClaims(deps, bearerToken(authorization));
  if (typeof claims.role !== 'string' || !deps.config.jwtAdminRoles.includes(claims.role)) {
    throw new FoyerError('not_admin', 'User not allowed');
  }
  return claims;
}

/** The role a bearer token claims (unverified), remembered per header value: apps send the same key on every request. */
const claimedRoles = new Map<string, string | null>();
const CLAIMED_ROLES_KEPT = 1024;

function claimedRoleOf(authorization: string): string | null {
  const known = claimedRoles.get(authorization);
  if (known !== undefined) return known;
  const match = /^Bearer\s+([^.\s]+)\.([^.\s]+)\.(\S+)\s*$/i.exec(authorization);
  let role: string | null = null;
  if (match) {
    try {
      const claimed = (JSON.parse(Buffer.from(match[2], 'base64url').toString('utf8')) as { role?: unknown }).role;
      if (typeof claimed === 'string') role = claimed;
    } catch {
      role = null;
    }
  }
  if (claimedRoles.size >= CLAIMED_ROLES_KEPT) claimedRoles.clear();
  claimedRoles.set(authorization, role);
  return role;
}

/**
 * Whether a request carries an admin-role token (CAPTCHA and limits are skipped for those). Runs on
 * every limited request, so a token that does not even claim an admin role is turned away without
 * verifying it; one that does is verified in full.
 */
export function isAdminToken(deps: AuthDeps, authorization: string | undefined): boolean {
  if (!authorization) return false;
  const claimedRole = claimedRoleOf(authorization);
  if (claimedRole === null || !deps.config.jwtAdminRoles.includes(claimedRole)) return false;
  try {
    authenticateAdmin(deps, authorization);
    return true;
  } catch {
    return false;
  }
}
