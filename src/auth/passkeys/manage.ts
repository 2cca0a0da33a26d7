/**
 * A user's passkeys: listing, renaming and deleting them (GET/PATCH/DELETE /passkeys[/{id}]), and the
 * admin API's view of any user's (GET/DELETE /admin/users/{id}/passkeys[/{id}]). GoTrue's answers:
 * a passkey that is not the caller's is "not found", whoever's it is.
 */
import { FoyerError } from '../../errors.js';
import { insertAuditEntry } from '../../store/audit.js';
import { findUserById, NIL_UUID } from '../../store/users.js';
import { deleteWebAuthnCredential, listWebAuthnCredentials, renameWebAuthnCredential } from '../../store/webauthn-credentials.js';
import { isUuid, type Caller } from '../authenticate.js';
import type { AuthDeps } from '../deps.js';
import { assertMayManagePasskeys } from './access.js';
import { toPasskeyListItem, type PasskeyListItem } from './view.js';

/** GoTrue's limit on a passkey's name, in bytes (Go's len). */
const MAX_FRIENDLY_NAME_BYTES = 120;

const passkeyNotFound = () => new FoyerError('validation_failed', 'Passkey not found', { status: 404 });

function passkeyId(raw: string): string {
  if (!isUuid(raw)) throw passkeyNotFound();
  return raw;
}

export async function listPasskeys(deps: AuthDeps, caller: Caller): Promise<PasskeyListItem[]> {
  return (await listWebAuthnCredentials(deps.db, caller.user.id)).map(toPasskeyListItem);
}

/** PATCH /passkeys/{id}: the body is read after the id is checked (GoTrue's order). */
export async function renamePasskey(deps: AuthDeps, caller: Caller, rawId: string, body: unknown, ip: string | null): Promise<PasskeyListItem> {
  const id = passkeyId(rawId);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new FoyerError('bad_json', 'Could not parse request body as JSON: expected an object');
  }
  const name = (body as { friendly_name?: unknown }).friendly_name;
  if (name !== undefined && name !== null && typeof name !== 'string') {
    throw new FoyerError('bad_json', 'Could not parse request body as JSON: friendly_name must be a string');
  }
  if (!name) throw new FoyerError('validation_failed', 'friendly_name is required');
  if (Buffer.byteLength(name, 'utf8') > MAX_FRIENDLY_NAME_BYTES) {
    throw new FoyerError('validation_failed', `friendly_name must be ${MAX_FRIENDLY_NAME_BYTES} characters or less`);
  }
  const renamed = await deps.db.transaction(async (tx) => {
    const row = await renameWebAuthnCredential(tx, id, caller.user.id, name);
    if (row) await insertAuditEntry(tx, { actorId: caller.user.id, action: 'passkey_updated', logType: 'user', traits: { passkey_id: id }, ip });
    return row;
  });
  if (!renamed) throw passkeyNotFound();
  return toPasskeyListItem(renamed);
}

/** DELETE /passkeys/{id}: behind the aal2 rule for MFA users, checked before the id (GoTrue's order). */
export async function deletePasskey(deps: AuthDeps, caller: Caller, rawId: string, ip: string | null): Promise<void> {
  await assertMayManagePasskeys(deps, caller, 'delete');
  const id = passkeyId(rawId);
  const deleted = await deps.db.transaction(async (tx) => {
    const done = await deleteWebAuthnCredential(tx, id, caller.user.id);
    if (done) await insertAuditEntry(tx, { actorId: caller.user.id, action: 'passkey_deleted', logType: 'user', traits: { passkey_id: id }, ip });
    return done;
  });
  if (!deleted) throw passkeyNotFound();
}

/** GoTrue's loadUser for /admin/users/{user_id}/…: a UUID, of a user that exists. */
async function adminTargetUser(deps: AuthDeps, rawUserId: string): Promise<string> {
  if (!isUuid(rawUserId)) throw new FoyerError('validation_failed', 'user_id must be an UUID', { status: 404 });
  if (!(await findUserById(deps.db, rawUserId))) throw new FoyerError('user_not_found', 'User not found');
  return rawUserId;
}

export async function adminListPasskeys(deps: AuthDeps, rawUserId: string): Promise<PasskeyListItem[]> {
  const userId = await adminTargetUser(deps, rawUserId);
  return (await listWebAuthnCredentials(deps.db, userId)).map(toPasskeyListItem);
}

/** The audit entry names the admin as GoTrue does: the nil user id, with the user and passkey as traits. */
export async function adminDeletePasskey(deps: AuthDeps, rawUserId: string, rawPasskeyId: string, ip: string | null): Promise<void> {
  const userId = await adminTargetUser(deps, rawUserId);
  const id = passkeyId(rawPasskeyId);
  const deleted = await deps.db.transaction(async (tx) => {
    const done = await deleteWebAuthnCredential(tx, id, userId);
    if (done) {
      await insertAuditEntry(tx, { actorId: NIL_UUID, action: 'passkey_deleted', logType: 'user', traits: { user_id: userId, passkey_id: id }, ip });
    }
    return done;
  });
  if (!deleted) throw passkeyNotFound();
}
