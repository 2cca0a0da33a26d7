/**
 * DELETE /user/identities/{identity_id} with GoTrue's rules: never the last identity (so an anonymous
 * user, who has none, can never unlink), only one's own; afterwards the phone is cleared (phone identity)
 * or the address re-derived from the remaining identities (provider-verified first), and providers recomputed.
 */
import { FoyerError } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { deleteIdentity, listIdentities, type StoredIdentity } from '../store/identities.js';
import { clearUserPhone, emailUsedByOther, setProvidersFromIdentities, setUserEmail, unconfirmUserEmail } from '../store/oauth-users.js';
import { lockUser, type UserRow } from '../store/users.js';
import { isUuid, type Caller } from './authenticate.js';
import type { AuthDeps, RequestMeta } from './deps.js';
import { auditIdentityEvent } from './oauth/session.js';

export function assertManualLinkingEnabled(deps: AuthDeps): void {
  if (!deps.config.manualLinkingEnabled) throw new FoyerError('manual_linking_disabled', 'Manual linking is disabled');
}

export async function unlinkIdentity(
  deps: AuthDeps,
  caller: Caller,
  identityId: string,
  requestAud: string | undefined,
  meta: RequestMeta,
): Promise<void> {
  if (!isUuid(identityId)) throw new FoyerError('validation_failed', 'identity_id must be an UUID', { status: 404 });
  const aud = requestAud || deps.config.jwtAud;
  const claimed = Array.isArray(caller.claims.aud) ? caller.claims.aud : [caller.claims.aud];
  if (!claimed.includes(aud)) throw new FoyerError('unexpected_audience', "Token audience doesn't match request audience");

  await deps.db.transaction(async (tx) => {
    const user = await lockUser(tx, caller.user.id);
    if (!user) throw new FoyerError('user_not_found', 'User not found');
    const identities = await listIdentities(tx, user.id);
    if (identities.length <= 1) {
      throw new FoyerError('single_identity_not_deletable', 'User must have at least 1 identity after unlinking');
    }
    const identity = identities.find((candidate) => candidate.id === identityId);
    if (!identity) throw new FoyerError('identity_not_found', "Identity doesn't exist");
    await auditIdentityEvent(
      tx,
      'identity_unlinked',
      user.id,
      { identity_id: identity.id, provider: identity.provider, provider_id: identity.provider_id },
      meta.ip,
    );
    await deleteIdentity(tx, identity.id, user.id);
    const remaining = identities.filter((candidate) => candidate.id !== identity.id);
    if (identity.provider === 'phone') await clearUserPhone(tx, user.id);
    else await emailFromIdentities(deps, tx, user, remaining);
    await setProvidersFromIdentities(tx, user.id);
  });
}

/** GoTrue's UpdateUserEmailFromIdentities. */
async function emailFromIdentities(deps: AuthDeps, tx: Queryable, user: UserRow, identities: readonly StoredIdentity[]): Promise<void> {
  const current = user.email?.toLowerCase() ?? '';
  if (identities.some((identity) => (identity.email ?? '') === current)) return;
  const rank = (identity: StoredIdentity) => (!identity.email ? 2 : identity.email_verified ? 0 : 1);
  const ranked = [...identities].sort((a, b) => rank(a) - rank(b) || a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  const aud = user.aud ?? deps.config.jwtAud;
  let chosen: StoredIdentity | undefined;
  for (const identity of ranked) {
    if (!identity.email || !(await emailUsedByOther(tx, identity.email, aud, user.id))) {
      chosen = identity;
      break;
    }
  }
  if (!chosen) throw new FoyerError('email_conflict_identity_not_deletable', 'Unable to unlink identity due to email conflict');
  await setUserEmail(tx, user.id, chosen.email);
  if (!chosen.email || (!chosen.email_verified && !deps.config.mailerAutoconfirm)) await unconfirmUserEmail(tx, user.id);
}
