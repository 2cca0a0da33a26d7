/**
 * PUT /user's MFA rule (GoTrue's UserUpdate): a user with a verified factor changes its password, email
 * or phone only from an aal2 session, so a stolen password alone cannot take the account over.
 */
import { FoyerError } from '../../errors.js';
import type { Caller } from '../authenticate.js';
import type { AuthDeps } from '../deps.js';
import { sessionIsAal2 } from './access.js';

export interface CredentialChange {
  readonly email?: string;
  readonly phone?: string;
  readonly password?: string;
}

export async function requireAal2ForCredentialChange(deps: AuthDeps, caller: Caller, change: CredentialChange): Promise<void> {
  const user = caller.user;
  if (!user.factors?.some((factor) => factor.status === 'verified')) return;
  const changing =
    Boolean(change.password) || (Boolean(change.email) && change.email !== user.email) || (Boolean(change.phone) && change.phone !== user.phone);
  if (!changing || (await sessionIsAal2(deps, caller))) return;
  throw new FoyerError('insufficient_aal', 'AAL2 session is required to update email or password when MFA is enabled.', { status: 401 });
}
