/**
 * What a verified second factor does to the caller's session, whatever its type (GoTrue's
 * updateMFASessionAndClaims and what follows it): the session gains the factor's amr method and its
 * aal (aal2) and a new refresh token (v1: the live one is revoked and replaced; v2: the counter moves
 * by 2), the user's sessions still at aal1 end and its other unverified factors of that type go.
 * Runs inside the caller's transaction, the custom access token hook included.
 */
import { dbEncryptionOf } from '../../config/db-encryption-settings.js';
import { FoyerError } from '../../errors.js';
import { newRefreshToken } from '../../security/crypto.js';
import { openStoredValue, type DbEncryption } from '../../security/encrypted-string.js';
import { encodeRefreshTokenV2 } from '../../security/refresh-token-v2.js';
import type { Queryable } from '../../store/db.js';
import { deleteUnverifiedFactors, insertFactorAudit, type FactorType } from '../../store/mfa-factors.js';
import {
  addAmrClaim,
  advanceRefreshCounter,
  deleteSessionsBelowAal2,
  lockSession,
  sessionAmr,
  setSessionAal,
  swapRefreshToken,
  type LockedSession,
} from '../../store/mfa-sessions.js';
import type { AmrEntry } from '../../store/sessions.js';
import { findUserById, type UserRow } from '../../store/users.js';
import type { AuthDeps } from '../deps.js';
import { withTokenHook, type SessionIssue } from '../tokens.js';
import { aalOf, amrMethodOf, type Aal } from './assurance.js';

/** The v2 refresh-token key of a session, as GoTrue stores it (unpadded base64url, possibly encrypted). */
function sessionRefreshKey(session: LockedSession, encryption: DbEncryption): Buffer {
  const stored = openStoredValue(session.refresh_token_hmac_key as string, session.id, encryption).value;
  if (!/^[A-Za-z0-9_-]+$/.test(stored)) throw new Error(`auth.sessions ${session.id}: refresh_token_hmac_key is not unpadded base64url`);
  return Buffer.from(stored, 'base64url');
}

export interface RaisedSession extends SessionIssue {
  readonly user: UserRow;
  readonly amr: AmrEntry[];
  readonly aal: Aal;
  readonly refreshToken: string;
}

export async function raiseSession(
  deps: AuthDeps,
  tx: Queryable,
  raise: { readonly userId: string; readonly sessionId: string; readonly factorId: string; readonly factorType: FactorType; readonly ip: string | null },
): Promise<RaisedSession> {
  const { userId, sessionId } = raise;
  const session = await lockSession(tx, sessionId, userId);
  if (!session) throw new FoyerError('session_not_found', 'Session from session_id claim in JWT does not exist');
  await addAmrClaim(tx, sessionId, amrMethodOf[raise.factorType]);
  let refreshToken: string;
  if (session.refresh_token_hmac_key !== null && session.refresh_token_counter !== null) {
    refreshToken = encodeRefreshTokenV2(sessionId, await advanceRefreshCounter(tx, sessionId), sessionRefreshKey(session, dbEncryptionOf(deps.config)));
  } else {
    refreshToken = newRefreshToken();
    await insertFactorAudit(tx, { actorId: userId, action: 'token_revoked', logType: 'token', traits: null, ip: null });
    await swapRefreshToken(tx, sessionId, userId, refreshToken);
  }
  const amr = await sessionAmr(tx, sessionId);
  const aal = aalOf(amr);
  await setSessionAal(tx, sessionId, aal, raise.factorId);
  // The user as GoTrue returns it: read before its other unverified factors are removed.
  const user = await findUserById(tx, userId);
  if (!user) throw new FoyerError('user_not_found', 'User not found');
  await deleteSessionsBelowAal2(tx, userId);
  await deleteUnverifiedFactors(tx, userId, raise.factorType);
  // The custom access token hook sees the raised session, inside this transaction: its refusal undoes the raise.
  return withTokenHook(deps, tx, { user, sessionId, amr, aal, refreshToken }, { ip: raise.ip });
}

/** The factor was removed (unenrolled, its user deleted) while a request verified it: a foreign key says so. */
export function factorGoneWhileVerifying(error: unknown): never {
  if ((error as { code?: string }).code === '23503') throw new FoyerError('mfa_factor_not_found', 'Factor not found');
  throw error;
}
