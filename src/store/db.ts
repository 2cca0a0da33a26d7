/**
 * The one database seam: PostgreSQL (postgres.js, pooled) or PGlite (embedded), same SQL on both.
 * Values come back with timestamps as RFC 3339 strings in UTC (microseconds kept), jsonb parsed,
 * so rows can go to the wire without Date round-trips.
 */
export type SqlParam = string | number | boolean | null | readonly string[];

export interface Queryable {
  /** One statement, parameters as $1…$n; prepared where the engine supports it. */
  query<Row = Record<string, unknown>>(text: string, params?: readonly SqlParam[], options?: QueryOptions): Promise<Row[]>;
}

export interface QueryOptions {
  /**
   * In a transaction: nothing follows this statement, so COMMIT may be sent right behind it, in the
   * same write (PostgreSQL), instead of after its answer. Only for a statement whose failure the
   * caller does not catch to go on. A statement after it fails (PostgreSQL: the connection may already
   * serve another transaction). Ignored elsewhere.
   */
  readonly last?: boolean;
}

/** Thrown for a statement sent after the one marked `last`: a mistake in the caller, on either engine. */
export class StatementAfterLastError extends Error {
  constructor() {
    super('a statement after the one marked last in a transaction');
    this.name = 'StatementAfterLastError';
  }
}

/** A connection that can also run a script of several statements (one implicit transaction). */
export interface ScriptRunner extends Queryable {
  execScript(script: string): Promise<void>;
}

export type AdvisoryLockResult<T> = { readonly acquired: true; readonly value: T } | { readonly acquired: false };

/** A hot path's place to run its batches, and how many of them may be under way there at once. */
export interface BatchLane {
  readonly db: Queryable;
  readonly batchesInFlight: number;
}

export interface Db extends ScriptRunner {
  readonly engine: 'postgres' | 'pglite';
  /** Statements that can run at once: the pool's size (1 for the embedded engine). */
  readonly connections: number;
  /**
   * Where one hot path's batches run (`Coalescer`, coalesce.ts): single statements, each its own
   * transaction. `path` names the hot path; the same name gives the same lane.
   */
  batchLane(path: string): BatchLane;
  /** Runs `work` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs `work` on one connection holding a session-level advisory lock, so only one Foyer process
   * at a time does it (migrations, cleanup). `work` must use the connection it is given.
   */
  withAdvisoryLock<T>(lockKey: number, work: (locked: ScriptRunner) => Promise<T>): Promise<T>;
  /**
   * Like withAdvisoryLock, but does not wait: `{ acquired: false }` at once when another session holds
   * the lock (a scheduled job that another process is already running).
   */
  tryWithAdvisoryLock<T>(lockKey: number, work: (locked: ScriptRunner) => Promise<T>): Promise<AdvisoryLockResult<T>>;
  close(): Promise<void>;
}

/** `2024-04-17 09:25:01.512227+00` → `2024-04-17T09:25:01.512227Z` (the session runs in UTC). */
export function timestampToRfc3339(text: string): string {
  const withT = text.replace(' ', 'T');
  if (withT.endsWith('+00')) return `${withT.slice(0, -3)}Z`;
  if (/[+-]\d\d(:\d\d)?$/.test(withT)) return new Date(withT).toISOString();
  return `${withT}Z`;
}

export const OID = { timestamp: 1114, timestamptz: 1184, int8: 20 } as const;

export class DbUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DbUnavailableError';
  }
}
