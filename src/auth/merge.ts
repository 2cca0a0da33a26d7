/**
 * Opt-in merge (beyond GoTrue): an anonymous user whose address already belongs to an account signs
 * in to that account and hands over its anonymous session; in one transaction its rows move to the
 * account and the anonymous user is deleted. Any constraint violation rolls everything back.
 */
import { FoyerError } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { callMergeFunction, repointReference, userReferences } from '../store/merge.js';
import { deleteUser, lockUser } from '../store/users.js';
import { authenticateUser, type Caller } from './authenticate.js';
import type { AuthDeps, RequestMeta } from './deps.js';

export interface MergeResult {
  readonly user_id: string;
  readonly merged_user_id: string;
  /** Rows moved per table (empty when an app-defined function did the moving). */
  readonly moved: Record<string, number>;
}

interface PgError {
  code?: string;
  table_name?: string;
  table?: string;
  constraint_name?: string;
  constraint?: string;
  detail?: string;
}

function latestSignInSeconds(caller: Caller): number {
  const amr = Array.isArray(caller.claims.amr) ? (caller.claims.amr as { timestamp?: unknown }[]) : [];
  return Math.max(0, ...amr.map((entry) => (typeof entry.timestamp === 'number' ? entry.timestamp : 0)));
}

export async function mergeAnonymousUser(
  deps: AuthDeps,
  owner: Caller,
  anonymousAuthorization: string,
  meta: RequestMeta,
): Promise<MergeResult> {
  const { config } = deps;
  if (!config.mergeEnabled) {
    throw new FoyerError('validation_failed', 'Merging anonymous users is disabled (set FOYER_MERGE_ANONYMOUS_ENABLED=true)', { status: 404 });
  }
  if (owner.user.is_anonymous) throw new FoyerError('validation_failed', 'Sign in to the account to merge into; it cannot be anonymous');
  if (Date.now() / 1000 - latestSignInSeconds(owner) > config.mergeProofMaxAgeSeconds) {
    throw new FoyerError('reauthentication_needed', 'Sign in to the account again to merge into it');
  }
  const anonymous = await authenticateUser(deps, `Bearer ${anonymousAuthorization}`);
  if (!anonymous.user.is_anonymous) throw new FoyerError('validation_failed', 'Only an anonymous user can be merged into an account');
  if (anonymous.user.id === owner.user.id) throw new FoyerError('validation_failed', 'A user cannot be merged into itself');

  const fromId = anonymous.user.id;
  const toId = owner.user.id;
  try {
    return await deps.db.transaction(async (tx) => {
      // Lock in a fixed order (by id) so two merges of crossing pairs cannot deadlock.
      for (const id of [fromId, toId].sort()) {
        const locked = await lockUser(tx, id);
        // 403 as when the token's user is found gone before the transaction (authenticateUser): a
        // concurrent merge that lost the race answers the same whichever side of the lock it lost on.
        if (!locked) throw new FoyerError('user_not_found', 'The anonymous user no longer exists (merged or cleaned up already)', { status: 403 });
        if (id === fromId && !locked.is_anonymous) throw new FoyerError('validation_failed', 'The user converted meanwhile; nothing to merge');
      }
      const moved = await moveRows(deps, tx, fromId, toId);
      await deleteUser(tx, fromId);
      await tx.query(
        `insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
         values ('00000000-0000-0000-0000-000000000000', auth.foyer_uuid_v7(),
                 json_build_object('actor_id', $1::text, 'action', 'user_merged', 'log_type', 'user',
                                   'traits', json_build_object('merged_user_id', $2::text, 'moved', $3::jsonb)),
                 now(), coalesce($4, ''))`,
        [toId, fromId, JSON.stringify(moved), meta.ip],
      );
      return { user_id: toId, merged_user_id: fromId, moved };
    });
  } catch (error) {
    const pg = error as PgError;
    if (pg.code && /^23/.test(pg.code)) {
      const table = pg.table_name ?? pg.table ?? 'unknown table';
      throw new FoyerError(
        'conflict',
        `Merge rolled back, nothing changed: rows of ${table} conflict with the account's (${pg.constraint_name ?? pg.constraint ?? pg.code}${pg.detail ? `: ${pg.detail}` : ''})`,
      );
    }
    throw error;
  }
}

async function moveRows(deps: AuthDeps, tx: Queryable, fromId: string, toId: string): Promise<Record<string, number>> {
  if (deps.config.mergeFunction) {
    await callMergeFunction(tx, deps.config.mergeFunction, fromId, toId);
    return {};
  }
  const moved: Record<string, number> = {};
  for (const reference of await userReferences(tx)) {
    const count = await repointReference(tx, reference, fromId, toId);
    if (count > 0) moved[`${reference.table_name}.${reference.column_name}`] = count;
  }
  return moved;
}
