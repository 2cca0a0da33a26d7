/**
 * The admin factor API (GoTrue's adminUserGetFactors, adminUserUpdateFactor, adminUserDeleteFactor):
 * a user's factors, renaming one, removing one (its sessions drop back to aal1). Ids are checked as
 * GoTrue's loadUser and loadFactor check them: a malformed id is 404 validation_failed.
 */
import { FoyerError } from '../../errors.js';
import { deleteFactor, insertFactorAudit, listUserFactors, renameFactor } from '../../store/mfa-factors.js';
import { downgradeSessionsOfFactor } from '../../store/mfa-sessions.js';
import { findUserById } from '../../store/users.js';
import { isUuid } from '../authenticate.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { toPublicFactor, type PublicFactor } from '../user-view.js';
import { normalizePhone } from '../validate.js';
import { loadOwnedFactor } from './access.js';
import { amrMethodOf } from './assurance.js';

async function loadUserId(deps: AuthDeps, rawId: string): Promise<string> {
  if (!isUuid(rawId)) throw new FoyerError('validation_failed', 'user_id must be an UUID', { status: 404 });
  const user = await findUserById(deps.db, rawId);
  if (!user) throw new FoyerError('user_not_found', 'User not found');
  return user.id;
}

export async function adminListFactors(deps: AuthDeps, rawUserId: string): Promise<PublicFactor[]> {
  const userId = await loadUserId(deps, rawUserId);
  return (await listUserFactors(deps.db, userId)).map(toPublicFactor);
}

export interface AdminFactorUpdate {
  readonly friendlyName?: string;
  readonly phone?: string;
}

export async function adminUpdateFactor(
  deps: AuthDeps,
  admin: { readonly role: string },
  rawUserId: string,
  rawFactorId: string,
  update: AdminFactorUpdate,
): Promise<PublicFactor> {
  const userId = await loadUserId(deps, rawUserId);
  const factor = await loadOwnedFactor(deps, userId, rawFactorId);
  const phone = update.phone && factor.factor_type === 'phone' ? normalizePhone(update.phone) : undefined;
  const updated = await deps.db
    .transaction(async (tx) => {
      let current = toPublicFactor(factor);
      if (update.friendlyName) {
        const renamed = await renameFactor(tx, factor.id, update.friendlyName);
        if (renamed) current = toPublicFactor(renamed);
      }
      if (phone !== undefined) {
        const rows = await tx.query<{ phone: string; updated_at: string }>(
          `update auth.mfa_factors set phone = $2, updated_at = now() where id = $1 returning phone, updated_at`,
          [factor.id, phone],
        );
        if (rows[0]) current = { ...current, phone: rows[0].phone, updated_at: rows[0].updated_at };
      }
      // GoTrue records the admin as the actor here (the nil id, its role as the name) and no address.
      await insertFactorAudit(tx, {
        actorId: null,
        adminRole: admin.role,
        action: 'factor_updated',
        traits: { user_id: userId, factor_id: factor.id, factor_type: factor.factor_type },
        ip: null,
      });
      return current;
    })
    .catch((error: unknown) => {
      if ((error as { code?: string }).code === '23505') {
        throw new FoyerError('mfa_factor_name_conflict', `A factor with the friendly name ${JSON.stringify(update.friendlyName ?? '')} for this user already exists`);
      }
      throw error;
    });
  return updated;
}

export async function adminDeleteFactor(deps: AuthDeps, rawUserId: string, rawFactorId: string, meta: RequestMeta): Promise<PublicFactor> {
  const userId = await loadUserId(deps, rawUserId);
  const factor = await loadOwnedFactor(deps, userId, rawFactorId);
  await deps.db.transaction(async (tx) => {
    // GoTrue records the user whose factor it is as the actor of this one.
    await insertFactorAudit(tx, { actorId: userId, action: 'factor_deleted', traits: { user_id: userId, factor_id: factor.id }, ip: meta.ip });
    await deleteFactor(tx, factor.id);
    await downgradeSessionsOfFactor(tx, userId, factor.id, amrMethodOf[factor.factor_type]);
  });
  return toPublicFactor(factor);
}
