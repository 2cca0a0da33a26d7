/**
 * The anonymous-user cleanup job: a dry run (plan) and a run, by one process at a time.
 *
 * Exclusion: an advisory lock across processes (PostgreSQL; `tryWithAdvisoryLock`, so a second run
 * is refused at once rather than queued) and a per-database flag inside this process (which is all
 * PGlite needs: one process owns an embedded database).
 * Crash safety: each batch commits its deletions, their audit entries and the run's counters in one
 * transaction. A process killed half-way loses only the batch in flight (rolled back, nothing
 * deleted); its run stays 'running' until the next run, which marks it 'interrupted' and carries on
 * from what is still stale. Abort (shutdown, Ctrl-C) stops between batches and marks the run 'aborted'.
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/load.js';
import type { Db, Queryable, ScriptRunner } from '../store/db.js';
import {
  dataReferences,
  deleteCandidates,
  lockCandidates,
  lockSessions,
  planCleanup,
  START_CURSOR,
  type BatchCursor,
  type CleanupCriteria,
  type DataReference,
} from '../store/cleanup.js';
import {
  finishCleanupRun,
  insertCleanupRun,
  latestRunningCleanup,
  markInterruptedRuns,
  type CleanupRun,
  type CleanupTrigger,
} from '../store/cleanup-runs.js';

/** Advisory-lock key of the cleanup ("Foyer" + 1; migrations use "Foyer"). */
export const CLEANUP_LOCK_KEY = 0x466f796572 + 1;

export interface CleanupSettings {
  readonly inactiveDays: number;
  readonly keepDataOwners: boolean;
  readonly batchSize: number;
  /** The share (1–100) of a run's time spent in batches; it waits between them for the rest. */
  readonly pacePercent: number;
}

export const cleanupSettings = (config: Config): CleanupSettings => ({
  inactiveDays: config.cleanupInactiveDays,
  keepDataOwners: config.cleanupKeepDataOwners,
  batchSize: config.cleanupBatchSize,
  pacePercent: config.cleanupPacePercent,
});

/** The longest wait between two batches, however long the batch before it took (a lock wait, say). */
const MAX_PAUSE_MS = 5_000;

/**
 * How long to wait after a batch that took `batchMs` so that batches fill `pacePercent` of the run's
 * time. A batch is a burst of deletes, index updates and WAL that competes with live sign-ins for the
 * same cores and disk; at 1 000 000 users an unpaced run doubled sign-in p99 (docs/operations.md).
 */
export function pauseAfterBatchMs(batchMs: number, pacePercent: number): number {
  if (pacePercent >= 100 || batchMs <= 0) return 0;
  return Math.min(MAX_PAUSE_MS, (batchMs * (100 - pacePercent)) / pacePercent);
}

/** Waits `ms`, or less when `signal` aborts (the loop then stops before the next batch). */
async function pauseBetweenBatches(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || signal?.aborted) return;
  await sleep(ms, undefined, { signal }).catch(() => {});
}

export interface CleanupPlan {
  readonly settings: CleanupSettings;
  /** Stale anonymous users (inactive for inactiveDays), data owners included. */
  readonly stale: number;
  /** What a run would delete now. */
  readonly deletable: number;
  readonly keptDataOwners: number;
  readonly sampleIds: readonly string[];
  readonly keptSampleIds: readonly string[];
  /** Every table with a foreign key to auth.users, its ON DELETE rule and how many stale users own rows there. */
  readonly references: readonly (DataReference & { stale_owners: number; keeps_owners: boolean })[];
  readonly oldestLastActiveAt: string | null;
}

export async function previewCleanup(db: Queryable, settings: CleanupSettings, sampleSize = 10): Promise<CleanupPlan> {
  const references = await dataReferences(db);
  const row = await planCleanup(db, { references, keepDataOwners: settings.keepDataOwners }, settings.inactiveDays, sampleSize);
  return {
    settings,
    stale: row.stale,
    deletable: row.deletable,
    keptDataOwners: row.kept_data_owners,
    sampleIds: row.sample_ids,
    keptSampleIds: row.kept_sample_ids,
    references: references.map((reference, index) => ({
      ...reference,
      stale_owners: row.owners_by_reference[index] ?? 0,
      keeps_owners: settings.keepDataOwners || (reference.on_delete !== 'cascade' && reference.on_delete !== 'set null'),
    })),
    oldestLastActiveAt: row.oldest_last_active_at,
  };
}

export interface CleanupProgress {
  readonly run: CleanupRun;
  readonly deleted: number;
  readonly keptDataOwners: number;
  readonly spared: number;
  readonly batches: number;
}

export interface RunCleanupOptions {
  readonly trigger: CleanupTrigger;
  /** Checked between batches: the batch in flight finishes, then the run stops as 'aborted'. */
  readonly signal?: AbortSignal;
  readonly onStart?: (run: CleanupRun) => void;
  readonly onProgress?: (progress: CleanupProgress) => void;
}

export type CleanupOutcome =
  | { readonly status: 'completed' | 'aborted'; readonly run: CleanupRun; readonly interruptedRunsMarked: number }
  /** Another run holds the lock; `holder` is the newest run recorded as running (if any). */
  | { readonly status: 'skipped'; readonly holder: CleanupRun | undefined };

const runningHere = new WeakSet<Db>();

/** Errors after which the same batch is simply tried again (a deadlock victim, a lock wait that timed out). */
const retryable = new Set(['40P01', '40001', '55P03']);
const MAX_ATTEMPTS = 3;

/** Transactions for the batches: on the locked connection itself (PostgreSQL), or PGlite's own. */
function transactionsOn(db: Db, locked: ScriptRunner) {
  if (db.engine === 'pglite') return <T>(work: (tx: Queryable) => Promise<T>) => db.transaction(work);
  return async <T>(work: (tx: Queryable) => Promise<T>): Promise<T> => {
    await locked.query('begin');
    try {
      const value = await work(locked);
      await locked.query('commit');
      return value;
    } catch (error) {
      await locked.query('rollback').catch(() => {});
      throw error;
    }
  };
}

export async function runCleanup(db: Db, settings: CleanupSettings, options: RunCleanupOptions): Promise<CleanupOutcome> {
  if (runningHere.has(db)) return { status: 'skipped', holder: await latestRunningCleanup(db) };
  runningHere.add(db);
  try {
    const result = await db.tryWithAdvisoryLock(CLEANUP_LOCK_KEY, (locked) => runLocked(db, locked, settings, options));
    if (!result.acquired) return { status: 'skipped', holder: await latestRunningCleanup(db) };
    return result.value;
  } finally {
    runningHere.delete(db);
  }
}

async function runLocked(db: Db, locked: ScriptRunner, settings: CleanupSettings, options: RunCleanupOptions): Promise<CleanupOutcome> {
  const interruptedRunsMarked = await markInterruptedRuns(locked);
  const criteria: CleanupCriteria = { references: await dataReferences(locked), keepDataOwners: settings.keepDataOwners };
  const run = await insertCleanupRun(locked, { trigger: options.trigger, ...settings, host: hostname(), pid: process.pid });
  options.onStart?.(run);
  const transaction = transactionsOn(db, locked);
  let cursor: BatchCursor = START_CURSOR;
  let deleted = 0;
  let keptDataOwners = 0;
  let spared = 0;
  let batches = 0;
  try {
    for (;;) {
      if (options.signal?.aborted) {
        return { status: 'aborted', run: await finishCleanupRun(locked, run.id, 'aborted', 'stopped between batches on request'), interruptedRunsMarked };
      }
      const batchStartedMs = performance.now();
      const batch = await withRetries(() =>
        transaction(async (tx) => {
          await tx.query(`set local lock_timeout = '10s'`);
          const candidates = await lockCandidates(tx, criteria, run.cutoff, cursor, settings.batchSize);
          if (candidates.length === 0) return undefined;
          const toDelete = candidates.filter((candidate) => !candidate.keep).map((candidate) => candidate.id);
          if (toDelete.length > 0) await lockSessions(tx, toDelete);
          const kept = candidates.length - toDelete.length;
          const gone = await deleteCandidates(tx, criteria, { runId: run.id, cutoff: run.cutoff, userIds: toDelete, kept });
          const last = candidates[candidates.length - 1];
          // A short batch was the last one: the walk is past every stale user of this run's cutoff.
          const final = candidates.length < settings.batchSize;
          return { cursor: { createdAt: last.created_at, id: last.id }, deleted: gone.length, kept, spared: toDelete.length - gone.length, final };
        }),
      );
      if (!batch) break;
      cursor = batch.cursor;
      deleted += batch.deleted;
      keptDataOwners += batch.kept;
      spared += batch.spared;
      batches += 1;
      options.onProgress?.({ run, deleted, keptDataOwners, spared, batches });
      // No wait after the last batch: nothing is left to pace.
      if (!batch.final) await pauseBetweenBatches(pauseAfterBatchMs(performance.now() - batchStartedMs, settings.pacePercent), options.signal);
    }
    return { status: 'completed', run: await finishCleanupRun(locked, run.id, 'completed'), interruptedRunsMarked };
  } catch (error) {
    await finishCleanupRun(locked, run.id, 'failed', (error as Error).message).catch(() => {});
    throw error;
  }
}

async function withRetries<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries += 1) {
    try {
      return await attempt();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (tries >= MAX_ATTEMPTS || !code || !retryable.has(code)) throw error;
    }
  }
}

/** The plan as the admin API and `foyer cleanup --dry-run --json` show it. */
export function planView(plan: CleanupPlan) {
  return {
    dry_run: true,
    settings: {
      inactive_days: plan.settings.inactiveDays,
      keep_data_owners: plan.settings.keepDataOwners,
      batch_size: plan.settings.batchSize,
      pace_percent: plan.settings.pacePercent,
    },
    stale: plan.stale,
    would_delete: plan.deletable,
    kept_data_owners: plan.keptDataOwners,
    sample_ids: plan.sampleIds,
    kept_sample_ids: plan.keptSampleIds,
    oldest_last_active_at: plan.oldestLastActiveAt,
    data_tables: plan.references.map((reference) => ({
      table: reference.table_name,
      column: reference.column_name,
      on_delete: reference.on_delete,
      stale_owners: reference.stale_owners,
      owners_kept: reference.keeps_owners,
    })),
  };
}

/** Runs started in the background (admin API), per database, so shutdown can stop them between batches. */
const background = new Map<Db, Set<{ controller: AbortController; done: Promise<unknown> }>>();

export interface LaunchedCleanup {
  /** The run as recorded when it started; undefined when it did not start (another run holds the lock, or it failed first). */
  readonly started: Promise<CleanupRun | undefined>;
  readonly done: Promise<CleanupOutcome>;
}

export function launchCleanup(db: Db, settings: CleanupSettings, trigger: CleanupTrigger): LaunchedCleanup {
  const controller = new AbortController();
  let announce: (run: CleanupRun | undefined) => void = () => {};
  const started = new Promise<CleanupRun | undefined>((resolve) => {
    announce = resolve;
  });
  const done = runCleanup(db, settings, { trigger, signal: controller.signal, onStart: (run) => announce(run) });
  const entry = { controller, done: done.catch(() => {}) };
  const runs = background.get(db) ?? new Set();
  background.set(db, runs.add(entry));
  void done.then(
    () => announce(undefined),
    () => announce(undefined),
  );
  void entry.done.then(() => {
    runs.delete(entry);
    if (runs.size === 0) background.delete(db);
  });
  return { started, done };
}

/** Asks background runs on `db` to stop after their current batch and waits for them. */
export async function stopBackgroundCleanups(db: Db): Promise<void> {
  const runs = [...(background.get(db) ?? [])];
  for (const run of runs) run.controller.abort();
  await Promise.all(runs.map((run) => run.done));
}
