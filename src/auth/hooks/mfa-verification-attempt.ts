/**
 * GoTrue's MFA verification attempt hook: told of every code checked for a factor (valid or not)
 * before Foyer acts on it. A `decision` of "reject" signs the user out everywhere and answers 403
 * mfa_verification_rejected with the hook's message (GoTrue's default without one); any other answer
 * lets the normal outcome stand. Called outside any transaction, as GoTrue calls it.
 */
import { FoyerError } from '../../errors.js';
import { deleteSessions } from '../../store/sessions.js';
import type { AuthDeps } from '../deps.js';
import { hookEnabled, hookMetadata, invokeHook } from './invoke.js';

/** GoTrue's message when the hook rejects without one. */
const DEFAULT_REJECTION = 'Further MFA verification attempts will be rejected.';

export interface MfaAttempt {
  readonly userId: string;
  readonly factorId: string;
  readonly factorType: string;
  readonly valid: boolean;
  readonly ip: string | null;
}

/** Resolves when the attempt may go on; throws the rejection (after the sign-out) or the hook's failure. */
export async function checkMfaVerificationAttempt(deps: AuthDeps, attempt: MfaAttempt): Promise<void> {
  if (!hookEnabled(deps.config, 'mfa_verification_attempt')) return;
  const answer = await invokeHook(deps, 'mfa_verification_attempt', {
    metadata: hookMetadata('mfa_verification_attempt', attempt.ip),
    user_id: attempt.userId,
    factor_id: attempt.factorId,
    factor_type: attempt.factorType,
    valid: attempt.valid,
  });
  if (answer.decision !== 'reject') return;
  await deleteSessions(deps.db, attempt.userId, null, 'global');
  throw new FoyerError('mfa_verification_rejected', answer.message || DEFAULT_REJECTION);
}
