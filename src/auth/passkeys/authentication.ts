/**
 * Signing in with a passkey (POST /passkeys/authentication/options and /verify): a discoverable
 * ceremony (no user named first), the user found from the credential's user handle, then a session
 * like any other sign-in's, its amr method "passkey" at aal1 (GoTrue's PasskeyLogin).
 */
import { FoyerError } from '../../errors.js';
import { newRefreshToken } from '../../security/crypto.js';
import { insertAuditEntry } from '../../store/audit.js';
import { startSession } from '../../store/sessions.js';
import { findUserById } from '../../store/users.js';
import { findCredentialById, recordCredentialUse } from '../../store/webauthn-credentials.js';
import { isUuid } from '../authenticate.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { sessionResponse, withTokenHook, type SessionResponse } from '../tokens.js';
import { issueChallenge } from '../webauthn/challenges.js';
import { parseAssertionCredential } from '../webauthn/credential-json.js';
import { authenticationCeremony, type RequestOptionsJson } from '../webauthn/options.js';
import { relyingPartyOf } from '../webauthn/relying-party.js';
import { verifyAssertion, type VerifiedAssertion } from '../webauthn/verify.js';
import { takeCeremony, verificationFailed } from './verify-input.js';
import { newSessionId } from '../ids.js';

export interface AuthenticationOptionsResponse {
  challenge_id: string;
  options: RequestOptionsJson;
  expires_at: number;
}

/** GoTrue's amr method name for a passkey sign-in. */
export const PASSKEY_AMR_METHOD = 'passkey';

export async function startPasskeyAuthentication(deps: AuthDeps): Promise<AuthenticationOptionsResponse> {
  const ceremony = authenticationCeremony(relyingPartyOf(deps.config), 'preferred');
  const issued = await issueChallenge(deps.db, {
    type: 'authentication',
    session: ceremony.session,
    expirySeconds: deps.config.webauthnChallengeExpirySeconds,
  });
  return { challenge_id: issued.challengeId, options: ceremony.options, expires_at: issued.expiresAt };
}

/** The user a user handle names (the UUID's text, as Foyer and GoTrue write it), or undefined. */
function userIdOfHandle(userHandle: string | undefined): string | undefined {
  if (!userHandle) return undefined;
  const text = Buffer.from(userHandle, 'base64url').toString('utf8');
  return isUuid(text) ? text : undefined;
}

export async function finishPasskeyAuthentication(deps: AuthDeps, body: unknown, meta: RequestMeta): Promise<SessionResponse> {
  const { session, credential: assertion } = await takeCeremony(deps.db, body, 'authentication', null, parseAssertionCredential);
  // A discoverable ceremony's state names no user; the credential's user handle says whose it is,
  // and the stored credential must be that user's (a credential id of someone else's is refused).
  const userId = userIdOfHandle(assertion.response.userHandle);
  if (!session || session.userId !== null || !userId) throw verificationFailed();
  const stored = await findCredentialById(deps.db, Buffer.from(assertion.rawId, 'base64url').toString('hex'));
  if (!stored || stored.user_id !== userId) throw verificationFailed();
  let verified: VerifiedAssertion;
  try {
    verified = await verifyAssertion(relyingPartyOf(deps.config), session, assertion, {
      credentialId: Buffer.from(stored.credential_id_hex, 'hex'),
      publicKey: Buffer.from(stored.public_key_hex, 'hex'),
      signCount: stored.sign_count,
      transports: Array.isArray(stored.transports) ? stored.transports.filter((item): item is string => typeof item === 'string') : [],
      backupEligible: stored.backup_eligible,
    });
  } catch {
    throw verificationFailed();
  }
  const user = await findUserById(deps.db, userId);
  if (!user) throw verificationFailed();
  if (user.email && !user.email_confirmed_at) throw new FoyerError('email_not_confirmed', 'Email not confirmed', { status: 403 });
  if (user.phone && !user.phone_confirmed_at) throw new FoyerError('phone_not_confirmed', 'Phone not confirmed', { status: 403 });
  if (user.banned_until && Date.parse(user.banned_until) > Date.now()) throw new FoyerError('user_banned', 'User is banned');

  const sessionId = newSessionId();
  const refreshToken = newRefreshToken();
  const signedIn = await deps.db.transaction(async (tx) => {
    // The counter moves only forward: of two assertions racing with one counter value, one counts.
    if (!(await recordCredentialUse(tx, stored.id, stored.sign_count, verified.newSignCount))) throw verificationFailed();
    await insertAuditEntry(tx, { actorId: userId, action: 'login', logType: 'account', traits: { passkey_id: stored.id }, ip: meta.ip });
    const user = await startSession(tx, { userId, sessionId, refreshToken, authenticationMethod: PASSKEY_AMR_METHOD, ...meta });
    if (!user) throw verificationFailed();
    const amr = [{ method: PASSKEY_AMR_METHOD, timestamp: Math.floor(Date.now() / 1000) }];
    return withTokenHook(deps, tx, { user, sessionId, aal: 'aal1', amr, refreshToken }, { ip: meta.ip });
  });
  return sessionResponse(deps, signedIn);
}
