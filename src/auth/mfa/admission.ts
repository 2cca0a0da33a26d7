/**
 * GoTrue's validateFactors, shared by every factor type's enrolment: expired unverified factors go
 * first; then a friendly name already used by the user, too many factors, too many verified factors,
 * or an aal1 session of a user who already has a verified factor refuse the enrolment. Runs inside the
 * enrolment's transaction holding the user's row, so two enrolments at once cannot both pass a limit.
 */
import { FoyerError } from '../../errors.js';
import type { Queryable } from '../../store/db.js';
import { deleteExpiredFactors, factorCensus } from '../../store/mfa-factors.js';
import { sessionAal } from '../../store/mfa-sessions.js';
import type { AuthDeps } from '../deps.js';

const tooMany = () => new FoyerError('too_many_enrolled_mfa_factors', 'Maximum number of verified factors reached, unenroll to continue');
const nameConflict = (name: string) =>
  new FoyerError('mfa_factor_name_conflict', `A factor with the friendly name ${JSON.stringify(name)} for this user already exists`);

/** Locks the user's row; call first in the enrolment's transaction. */
export async function lockEnrollingUser(tx: Queryable, userId: string): Promise<void> {
  await tx.query('select 1 from auth.users where id = $1 for update', [userId]);
}

export async function admitNewFactor(deps: AuthDeps, tx: Queryable, enrolment: { userId: string; sessionId: string; friendlyName: string }): Promise<void> {
  const { config } = deps;
  await deleteExpiredFactors(tx, config.mfaFactorExpirySeconds);
  const factors = await factorCensus(tx, enrolment.userId);
  if (factors.some((factor) => (factor.friendly_name ?? '') === enrolment.friendlyName)) throw nameConflict(enrolment.friendlyName);
  const verified = factors.filter((factor) => factor.status === 'verified').length;
  if (factors.length >= config.mfaMaxEnrolledFactors || verified >= config.mfaMaxVerifiedFactors) throw tooMany();
  if (verified > 0 && (await sessionAal(tx, enrolment.sessionId, enrolment.userId)) !== 'aal2') {
    throw new FoyerError('insufficient_aal', 'AAL2 required to enroll a new factor', { status: 403 });
  }
}

/** The unique index on (friendly_name, user_id) (names that are not blank) has the last word. */
export function nameConflictOnUniqueViolation(friendlyName: string): (error: unknown) => never {
  return (error) => {
    if ((error as { code?: string }).code === '23505') throw nameConflict(friendlyName);
    throw error;
  };
}

/** The checks, then `insert` (the new factor's rows), in one transaction: enrolments with nothing of their own to check first. */
export async function enrolWithinLimits(
  deps: AuthDeps,
  enrolment: { readonly userId: string; readonly sessionId: string; readonly friendlyName: string },
  insert: (tx: Queryable) => Promise<void>,
): Promise<void> {
  await deps.db
    .transaction(async (tx) => {
      await lockEnrollingUser(tx, enrolment.userId);
      await admitNewFactor(deps, tx, enrolment);
      await insert(tx);
    })
    .catch(nameConflictOnUniqueViolation(enrolment.friendlyName));
}
