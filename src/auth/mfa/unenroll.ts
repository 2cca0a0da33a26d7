/**
 * DELETE /factors/{id} (GoTrue's UnenrollFactor): a verified factor can only be removed from an aal2
 * session. The factor goes with its challenges, and every session it raised drops back to aal1 and
 * loses its method, in one transaction.
 */
import { FoyerError } from '../../errors.js';
import { deleteFactor, insertFactorAudit, type OwnedFactor } from '../../store/mfa-factors.js';
import { downgradeSessionsOfFactor } from '../../store/mfa-sessions.js';
import type { Caller } from '../authenticate.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { requireSession, sessionIsAal2 } from './access.js';
import { amrMethodOf } from './assurance.js';

export async function unenrollFactor(deps: AuthDeps, caller: Caller, factor: OwnedFactor, meta: RequestMeta): Promise<{ id: string }> {
  const sessionId = requireSession(caller, 'unenroll a factor');
  if (factor.status === 'verified' && !(await sessionIsAal2(deps, caller))) {
    throw new FoyerError('insufficient_aal', 'AAL2 required to unenroll verified factor', { status: 422 });
  }
  await deps.db.transaction(async (tx) => {
    await deleteFactor(tx, factor.id);
    await insertFactorAudit(tx, {
      actorId: caller.user.id,
      action: 'factor_unenrolled',
      traits: { factor_id: factor.id, factor_status: factor.status, session_id: sessionId },
      ip: meta.ip,
    });
    await downgradeSessionsOfFactor(tx, caller.user.id, factor.id, amrMethodOf[factor.factor_type]);
  });
  return { id: factor.id };
}
