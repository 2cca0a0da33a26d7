/** auth.foyer_cleanup_runs: the history of anonymous-user cleanup runs (console, admin API, /metrics). */
import type { Queryable } from './db.js';

export type CleanupRunStatus = 'running' | 'completed' | 'aborted' | 'interrupted' | 'failed';
export type CleanupTrigger = 'schedule' | 'cli' | 'api';

export interface CleanupRun {
  id: number;
  started_at: string;
  finished_at: string | null;
  heartbeat_at: string;
  status: CleanupRunStatus;
  trigger: CleanupTrigger;
  inactive_days: number;
  keep_data_owners: boolean;
  batch_size: number;
  cutoff: string;
  deleted: number;
  kept_data_owners: number;
  spared: number;
  batches: number;
  host: string | null;
  pid: number | null;
  error: string | null;
}

// `id` comes back as a number; ORDER BY names the table's column (r.id), which its primary key serves,
// not this cast.
const RUN_COLUMNS = `id::int as id, started_at, finished_at, heartbeat_at, status, trigger, inactive_days, keep_data_owners, batch_size,
  cutoff, deleted, kept_data_owners, spared, batches, host, pid, error`;

export interface NewCleanupRun {
  trigger: CleanupTrigger;
  inactiveDays: number;
  keepDataOwners: boolean;
  batchSize: number;
  host: string;
  pid: number;
}

/** Records a run; its cutoff is computed by the database clock, so every process agrees on it. */
export async function insertCleanupRun(db: Queryable, run: NewCleanupRun): Promise<CleanupRun> {
  const rows = await db.query<CleanupRun>(
    `insert into auth.foyer_cleanup_runs (trigger, inactive_days, keep_data_owners, batch_size, cutoff, host, pid)
     values ($1, $2::int, $3::boolean, $4::int, now() - make_interval(days => $2::int), $5, $6::int)
     returning ${RUN_COLUMNS}`,
    [run.trigger, run.inactiveDays, run.keepDataOwners, run.batchSize, run.host, run.pid],
  );
  return rows[0];
}

/**
 * Runs still marked running whose process is gone. Only call it holding the cleanup lock: then no
 * other run can be alive, and whatever such a run committed (whole batches) stays counted.
 */
export async function markInterruptedRuns(db: Queryable): Promise<number> {
  const rows = await db.query<{ id: number }>(
    `update auth.foyer_cleanup_runs
        set status = 'interrupted', finished_at = now(),
            error = 'the process running it stopped before it finished; its committed batches are counted, the next run did the rest'
      where status = 'running' returning id`,
  );
  return rows.length;
}

export async function finishCleanupRun(db: Queryable, id: number, status: Exclude<CleanupRunStatus, 'running'>, error?: string): Promise<CleanupRun> {
  const rows = await db.query<CleanupRun>(
    `update auth.foyer_cleanup_runs set status = $2, finished_at = now(), heartbeat_at = now(), error = $3
      where id = $1::bigint returning ${RUN_COLUMNS}`,
    [id, status, error ?? null],
  );
  return rows[0];
}

export async function getCleanupRun(db: Queryable, id: number): Promise<CleanupRun | undefined> {
  const rows = await db.query<CleanupRun>(`select ${RUN_COLUMNS} from auth.foyer_cleanup_runs where id = $1::bigint`, [id]);
  return rows[0];
}

/** Newest first. */
export async function listCleanupRuns(db: Queryable, limit: number, beforeId?: number): Promise<CleanupRun[]> {
  return db.query<CleanupRun>(
    `select ${RUN_COLUMNS} from auth.foyer_cleanup_runs r where ($2::bigint is null or r.id < $2::bigint) order by r.id desc limit $1`,
    [limit, beforeId ?? null],
  );
}

export async function latestRunningCleanup(db: Queryable): Promise<CleanupRun | undefined> {
  const rows = await db.query<CleanupRun>(
    `select ${RUN_COLUMNS} from auth.foyer_cleanup_runs r where r.status = 'running' order by r.id desc limit 1`,
  );
  return rows[0];
}
