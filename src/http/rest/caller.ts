/**
 * Who calls the Data API, as PostgREST (behind Supabase's gateway) decides it: the Bearer token of
 * `Authorization`, else the `apikey` header (or `?apikey=`), verified with the project's keys. Its
 * `role` claim is the database role (`anon` without one); a role that does not exist is PostgREST's
 * 401 (22023), and superuser roles are never taken on.
 */
import type { AuthDeps } from '../../auth/deps.js';
import { RestError, sessionEnded } from '../../rest/errors.js';
import type { SessionCheck } from '../../rest/execute.js';
import type { RoleInfo, SchemaCache, SchemaSnapshot } from '../../rest/schema-cache.js';
import { JwtError, type Claims } from '../../security/jwt.js';

export const ANON_ROLE = 'anon';

export interface Caller {
  readonly role: string;
  readonly roleSettings: RoleInfo['settings'];
  readonly claims: Claims;
  /** PostgREST answers 401 (not 403) to permission errors of unauthenticated callers. */
  readonly anonymous: boolean;
  /**
   * The session the token belongs to, checked inside the request's transaction (FOYER_REST_CHECK_SESSION);
   * undefined for tokens without one (the anon and service-role keys) or with the check off.
   */
  readonly session: SessionCheck | undefined;
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A token naming a session is let in only while that session lives. Without a `session_id` claim
 * there is nothing to check (API keys, tokens minted with the secret for a role): as PostgREST, and
 * as GoTrue's own routes, which take an empty or all-zero `session_id` for none.
 * A `session_id` that is no UUID names no session that could exist: refused at once.
 */
function sessionOf(claims: Claims): SessionCheck | undefined {
  const sessionId = claims.session_id;
  // GoTrue's own reading: an empty or all-zero session_id names no session.
  if (sessionId === undefined || sessionId === null || sessionId === '' || sessionId === NIL_UUID) return undefined;
  if (typeof sessionId !== 'string' || !UUID.test(sessionId)) throw sessionEnded('session_not_found');
  const sub = claims.sub;
  return { sessionId, userId: typeof sub === 'string' && UUID.test(sub) ? sub : null };
}

function jwtError(error: JwtError): RestError {
  const expired = error.failure === 'expired';
  const message = expired ? 'JWT expired' : error.failure === 'malformed' ? 'JWSError (CompactDecodeError Invalid number of parts)' : 'JWSError JWSInvalidSignature';
  return new RestError(401, expired ? 'PGRST303' : 'PGRST301', message, {
    headers: { 'www-authenticate': `Bearer error="invalid_token", error_description="${message}"` },
  });
}

function verify(deps: AuthDeps, token: string): Claims {
  try {
    const claims = deps.keyring.verify(token);
    if (!claims || typeof claims !== 'object' || Array.isArray(claims)) throw new JwtError('malformed', 'claims are not an object');
    return claims;
  } catch (error) {
    if (error instanceof JwtError) throw jwtError(error);
    throw jwtError(new JwtError('malformed', 'token is malformed'));
  }
}

export async function resolveCaller(
  deps: AuthDeps,
  cache: SchemaCache,
  snapshot: SchemaSnapshot,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  queryApiKey: string | undefined,
): Promise<Caller> {
  const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
  const authorization = single(headers.authorization);
  const bearer = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
  const apikey = single(headers.apikey) ?? queryApiKey;
  if (!bearer && !apikey) {
    throw new RestError(401, 'PGRST302', 'No API key found in request', {
      hint: 'No `apikey` request header or url param was found.',
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
  const apikeyClaims = apikey ? verify(deps, apikey) : undefined;
  const claims = bearer ? verify(deps, bearer) : (apikeyClaims as Claims);
  const role = claims.role === undefined || claims.role === '' ? ANON_ROLE : claims.role;
  if (typeof role !== 'string' || role.length > 63 || role.includes('\u0000')) {
    throw new RestError(401, 'PGRST301', 'JWT claim "role" must be a role name', { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
  }
  const found = await cache.role(snapshot, role);
  if (!found) {
    throw new RestError(401, '22023', `role "${role}" does not exist`, { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
  }
  if (found.superuser) throw new RestError(403, '42501', `permission denied to set role "${role}"`);
  const session = deps.config.restCheckSession ? sessionOf(claims) : undefined;
  return { role, roleSettings: found.settings, claims, anonymous: role === ANON_ROLE, session };
}
