/**
 * SQL of the anonymous-user cleanup (architecture decision 4): which users are stale, which own data,
 * and the batch that locks, re-checks and deletes them. The orchestration is src/jobs/cleanup.ts.
 *
 * A batch is three statements in one transaction:
 *   1. lock the next stale anonymous users (`for update of u skip locked`, in creation order after a
 *      cursor), flagging those that own data;
 *   2. lock the sessions of those to delete, which waits for refreshes in flight to commit;
 *   3. delete them with every condition checked again on a fresh snapshot (still anonymous, still
 *      stale, still owning nothing), writing one audit entry per user and the run's counters.
 * A conversion commits before 1 (the row no longer qualifies), holds the row lock during 1 (skipped)
 * or waits for our lock and then finds no user: never a deleted user that had converted.
 */
import type { Queryable, SqlParam } from './db.js';
import { AUDIT_ACTIONS, lastActiveSql, staleAnonymousSql } from './activity.js';
import { userReferences, type UserReference } from './merge.js';
import { NIL_UUID } from './users.js';

export type DeleteRule = 'cascade' | 'set null' | 'set default' | 'restrict' | 'no action';

export interface DataReference extends UserReference {
  readonly on_delete: DeleteRule;
}

const ruleNames: Record<string, DeleteRule> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };

/** The application's tables with a foreign key to auth.users (merge.ts's userReferences) and their ON DELETE rule. */
export async function dataReferences(db: Queryable): Promise<DataReference[]> {
  const references = await userReferences(db);
  if (references.length === 0) return [];
  const rules = await db.query<{ table_name: string; column_name: string; rule: string }>(
    `select c.conrelid::regclass::text as table_name, quote_ident(a.attname) as column_name, c.confdeltype::text as rule
       from pg_constraint c
       join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
      where c.contype = 'f' and c.confrelid = 'auth.users'::regclass and cardinality(c.conkey) = 1`,
  );
  const ruleOf = new Map(rules.map((row) => [`${row.table_name}.${row.column_name}`, ruleNames[row.rule] ?? 'no action']));
  return references.map((reference) => ({ ...reference, on_delete: ruleOf.get(`${reference.table_name}.${reference.column_name}`) ?? 'no action' }));
}

/** A reference whose rows would stop a delete (or be rewritten to a default): its owners are always kept. */
export const blocksDelete = (reference: DataReference): boolean => reference.on_delete !== 'cascade' && reference.on_delete !== 'set null';

const owns = (reference: UserReference, u: string) =>
  `exists (select 1 from ${reference.table_name} r where r.${reference.column_name} = ${u}.id)`;

/** SQL that is true when the user aliased `u` must be kept because of its data. */
export function keepForDataSql(references: readonly DataReference[], keepDataOwners: boolean, u = 'u'): string {
  const relevant = keepDataOwners ? references : references.filter(blocksDelete);
  return relevant.length ? `(${relevant.map((reference) => owns(reference, u)).join(' or ')})` : 'false';
}

export interface CleanupCriteria {
  readonly references: readonly DataReference[];
  readonly keepDataOwners: boolean;
}

export interface CleanupPlanRow {
  stale: number;
  deletable: number;
  kept_data_owners: number;
  sample_ids: string[];
  kept_sample_ids: string[];
  /** Per reference (same order as `references`): stale users owning rows there. */
  owners_by_reference: number[];
  oldest_last_active_at: string | null;
}

/** What a run started now would do: counts and samples, nothing locked or changed. */
export async function planCleanup(db: Queryable, criteria: CleanupCriteria, inactiveDays: number, sampleSize: number): Promise<CleanupPlanRow> {
  const { references } = criteria;
  const ownerColumns = references.map((reference, index) => `, ${owns(reference, 'u')} as r${index}`).join('');
  const ownerCounts = references.length
    ? `array[${references.map((_, index) => `count(*) filter (where r${index})::int`).join(', ')}]`
    : `'{}'::int[]`;
  const rows = await db.query<CleanupPlanRow>(
    `with cutoff as (select now() - make_interval(days => $1::int) as at),
     stale as materialized (
       select u.id, u.created_at, ${lastActiveSql('u')} as last_active_at,
              ${keepForDataSql(references, criteria.keepDataOwners)} as keep${ownerColumns}
         from auth.users u, cutoff
        where u.created_at < cutoff.at and ${staleAnonymousSql('u', 'cutoff.at')}
     )
     select count(*)::int as stale,
            (count(*) filter (where not keep))::int as deletable,
            (count(*) filter (where keep))::int as kept_data_owners,
            array(select id::text from stale where not keep order by created_at, id limit $2) as sample_ids,
            array(select id::text from stale where keep order by created_at, id limit $2) as kept_sample_ids,
            ${ownerCounts} as owners_by_reference,
            min(last_active_at) as oldest_last_active_at
       from stale`,
    [inactiveDays, sampleSize],
  );
  return rows[0];
}

export interface BatchCursor {
  readonly createdAt: string;
  readonly id: string;
}

export const START_CURSOR: BatchCursor = { createdAt: '-infinity', id: NIL_UUID };

export interface LockedCandidate {
  id: string;
  created_at: string;
  keep: boolean;
}

/** Statement 1: the next stale anonymous users after `cursor`, locked (rows others hold are skipped). */
export async function lockCandidates(
  tx: Queryable,
  criteria: CleanupCriteria,
  cutoff: string,
  cursor: BatchCursor,
  batchSize: number,
): Promise<LockedCandidate[]> {
  // `keep` is decided for the locked batch only, outside the subquery: in the same select as the scan,
  // PostgreSQL plans for every stale user and reads each application table whole into a hash.
  return tx.query<LockedCandidate>(
    `select c.id::text as id, c.created_at, ${keepForDataSql(criteria.references, criteria.keepDataOwners, 'c')} as keep
       from (select u.id, u.created_at
               from auth.users u
              where u.created_at < $1::timestamptz and (u.created_at, u.id) > ($2::timestamptz, $3::uuid)
                and ${staleAnonymousSql('u', '$1::timestamptz')}
              order by u.created_at, u.id
              limit $4
                for update of u skip locked) c
      order by c.created_at, c.id`,
    [cutoff, cursor.createdAt, cursor.id, batchSize],
  );
}

/** Statement 2: lock the sessions of the users about to go, so refreshes in flight finish first (and later ones wait). */
export async function lockSessions(tx: Queryable, userIds: readonly string[]): Promise<void> {
  await tx.query(`select s.id from auth.sessions s where s.user_id = any($1::uuid[]) order by s.id for update of s`, [userIds]);
}

/**
 * Statement 3: delete the users that still qualify (anonymous, stale, owning nothing that keeps them),
 * write a GoTrue-style user_deleted audit entry for each and add the batch to the run's counters.
 * Sessions, refresh tokens, identities, MFA rows and one-time tokens go by ON DELETE CASCADE.
 */
export async function deleteCandidates(
  tx: Queryable,
  criteria: CleanupCriteria,
  input: { runId: number; cutoff: string; userIds: readonly string[]; kept: number },
): Promise<string[]> {
  const params: SqlParam[] = [input.userIds, input.cutoff, input.runId, input.kept];
  const rows = await tx.query<{ id: string }>(
    `with deleted as (
       delete from auth.users u
        where u.id = any($1::uuid[])
          and ${staleAnonymousSql('u', '$2::timestamptz')}
          and not ${keepForDataSql(criteria.references, criteria.keepDataOwners)}
       returning u.id, u.email, u.phone, u.created_at, ${lastActiveSql('u')} as last_active_at
     ), audit as (
       insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
       select '${NIL_UUID}', auth.foyer_uuid_v7(),
              json_build_object('actor_id', '${NIL_UUID}', 'actor_username', 'foyer-cleanup', 'actor_via_sso', false,
                                'action', '${AUDIT_ACTIONS.deleted}', 'log_type', 'team',
                                'traits', json_build_object('user_id', d.id, 'user_email', coalesce(d.email, ''),
                                                            'user_phone', coalesce(d.phone, ''), 'reason', 'anonymous_cleanup',
                                                            'was_anonymous', true, 'user_created_at', d.created_at,
                                                            'last_active_at', d.last_active_at, 'cleanup_run_id', $3::bigint)),
              now(), ''
         from deleted d
     ), progress as (
       update auth.foyer_cleanup_runs
          set deleted = deleted + (select count(*) from deleted),
              kept_data_owners = kept_data_owners + $4::int,
              spared = spared + cardinality($1::uuid[]) - (select count(*) from deleted),
              batches = batches + 1,
              heartbeat_at = now()
        where id = $3::bigint
     )
     select id::text as id from deleted`,
    params,
  );
  return rows.map((row) => row.id);
}

/** Foreign keys to auth.users whose column leads no index: the cleanup and merges scan those tables per user. */
export async function unindexedUserReferences(db: Queryable): Promise<UserReference[]> {
  return db.query<UserReference>(
    `select c.conrelid::regclass::text as table_name, quote_ident(a.attname) as column_name
       from pg_constraint c
       join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
      where c.contype = 'f' and c.confrelid = 'auth.users'::regclass and cardinality(c.conkey) = 1
        and c.conrelid::regclass::text not like 'auth.%'
        and not exists (select 1 from pg_index i where i.indrelid = c.conrelid and i.indkey[0] = c.conkey[1])
      order by 1, 2`,
  );
}
