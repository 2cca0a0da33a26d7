/**
 * What every enrolment checks (GoTrue's validateFactors), whatever the factor type: expired unverified
 * factors go first; then a friendly name already used by the user, too many factors, too many verified
 * factors, or an aal1 session of a user who already has a verified factor refuse it. The checks and
 * the new factor's rows run in one transaction holding the user's row, so two enrolments at once
 * cannot both pass a limit.
 */
import { FoyerError } from '../../errors.js';
import type { Queryable } from '../../store/db.js';
import { deleteExpiredFactors, factorCensus } from '../../store/mfa-factors.js';
import { sessionAal } from '../../store/mfa-sessions.js';
import type { AuthDeps } from '../deps.js';

const tooMany = () => new FoyerError('too_many_enrolled_mfa_factors', 'Maximum number of verified factors reached, unenroll to continue');
const nameConflict = (name: string) =>
  new FoyerError('mfa_factor_name_conflict', `A factor with the friendly name ${JSON.stringify(name)} for this user already exists`);

/** The checks, then `insert` (the new factor's rows), in one transaction. */
export async function enrolWithinLimits(
  deps: AuthDeps,
  enrolment: { readonly userId: string; readonly sessionId: string; readonly friendlyName: string },
  insert: (tx: Queryable) => Promise<void>,
): Promise<void> {
  const { config } = deps;
  const { userId, sessionId, friendlyName } = enrolment;
  await deps.db
    .transaction(async (tx) => {
      await tx.query('select 1 from auth.users where id = $1 for update', [userId]);
      await deleteExpiredFactors(tx, config.mfaFactorExpirySeconds);
      const factors = await factorCensus(tx, userId);
      if (factors.some((factor) => (factor.friendly_name ?? '') === friendlyName)) throw nameConflict(friendlyName);
      const verified = factors.filter((factor) => factor.status === 'verified').length;
      if (factors.length >= config.mfaMaxEnrolledFactors || verified >= config.mfaMaxVerifiedFactors) throw tooMany();
      if (verified > 0 && (await sessionAal(tx, sessionId, userId)) !== 'aal2') {
        throw new FoyerError('insufficient_aal', 'AAL2 required to enroll a new factor', { status: 403 });
      }
      await insert(tx);
    })
    .catch((error: unknown) => {
      // The unique index on (friendly_name, user_id) (names that are not blank) has the last word.
      if ((error as { code?: string }).code === '23505') throw nameConflict(friendlyName);
      throw error;
    });
}
