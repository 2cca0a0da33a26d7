/**
 * Database readings that pass over whole tables — users by kind and the conversions in the audit log
 * (/metrics and the stats API), the spike window's sign-ups of the last day or so (both), every anonymous
 * user's last activity and the sign-ups of up to a year (the stats API) — kept exact but not read at every
 * call once the tables are large.
 *
 * Small tables (under LARGE_ROWS rows together, by PostgreSQL's own estimate, pg_class.reltuples): read
 * at every call, exact and current, as always. Large ones: a scrape at 1 000 000 users took 1.7 s and the
 * stats API 5 s, most of it counting the same rows again. There a call gets the last reading at once, and
 * a reading older than REFRESH_MS starts the next one in the background (one at a time per database and
 * process), so a scrape's work no longer grows with the tables, the database counts them at most once a
 * minute per process, and the figures are at most about a minute old (each reading says when it was
 * taken). One older than MAX_AGE_MS — nobody asked for a while — is not served: the call waits for a
 * fresh reading, as the first call after a start does.
 */
import type { Queryable } from '../store/db.js';

/** Rows (estimated) from which a reading is reused rather than taken at every call. */
export const LARGE_ROWS = 100_000;
/** A reading older than this is replaced in the background while it is still served. */
export const REFRESH_MS = 60_000;
/** A reading older than this is not served at all. */
export const MAX_AGE_MS = 10 * 60_000;

export interface Reading<T> {
  readonly value: T;
  /** When the reading began: the figures are at least as new as this. */
  readonly readAt: Date;
}

export interface ReadingCacheOptions {
  /** The tables the reading passes over, e.g. `auth.users`. */
  readonly tables: readonly string[];
  readonly largeRows?: number;
  readonly refreshMs?: number;
  readonly maxAgeMs?: number;
  /** The clock (tests). */
  readonly now?: () => number;
}

interface Slot<T> {
  last?: Reading<T>;
  /** The reading in flight on large tables, shared by every call meanwhile. */
  pending?: Promise<Reading<T>>;
}

interface PerDatabase<T> {
  /** One slot per distinct arguments of the reading (e.g. the series' bucket and count). */
  readonly slots: Map<string, Slot<T>>;
  /** Whether the tables were large when last looked at, and when that was. */
  large?: boolean;
  sizedAt?: number;
}

/** Keeps `reading` unless the slot holds one begun later. */
function keepNewer<T>(slot: Slot<T>, reading: Reading<T>): void {
  if (!slot.last || slot.last.readAt.getTime() <= reading.readAt.getTime()) slot.last = reading;
}

export class ReadingCache<T, A extends readonly (string | number)[] = []> {
  private readonly databases = new WeakMap<Queryable, PerDatabase<T>>();
  private readonly largeRows: number;
  private readonly refreshMs: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly read: (db: Queryable, ...args: A) => Promise<T>,
    private readonly options: ReadingCacheOptions,
  ) {
    this.largeRows = options.largeRows ?? LARGE_ROWS;
    this.refreshMs = options.refreshMs ?? REFRESH_MS;
    this.maxAgeMs = options.maxAgeMs ?? MAX_AGE_MS;
    this.now = options.now ?? Date.now;
  }

  async get(db: Queryable, ...args: A): Promise<Reading<T>> {
    const { database, slot } = this.place(db, args);
    if (!(await this.isLarge(db, database))) {
      // Exact and current: a reading of its own, never one begun before this call.
      const reading = await this.take(db, args);
      slot.last = reading;
      return reading;
    }
    const age = slot.last ? this.now() - slot.last.readAt.getTime() : Infinity;
    if (age > this.maxAgeMs) return this.refresh(db, slot, args);
    // A failed background reading leaves the last one in place; the next call tries again.
    if (age > this.refreshMs) this.refresh(db, slot, args).catch(() => undefined);
    return slot.last!;
  }

  /**
   * On large tables, takes a first reading in the background unless there is one, so that the first
   * call after a start does not wait for it; nothing on small ones (their calls read anyway).
   */
  async warm(db: Queryable, ...args: A): Promise<void> {
    const { database, slot } = this.place(db, args);
    if (!(await this.isLarge(db, database))) return;
    if (!slot.last) await this.refresh(db, slot, args);
  }

  /**
   * A reading of the same thing taken elsewhere (the spike detector counts the same window at its own
   * interval): kept when it is newer than the last one, so calls are served from it and no background
   * reading is needed while it keeps coming. Nothing changes for small tables, read at every call.
   */
  offer(db: Queryable, reading: Reading<T>, ...args: A): void {
    keepNewer(this.place(db, args).slot, reading);
  }

  /** The database's entry and the slot of these arguments, made on first use. */
  private place(db: Queryable, args: A): { database: PerDatabase<T>; slot: Slot<T> } {
    let database = this.databases.get(db);
    if (!database) this.databases.set(db, (database = { slots: new Map() }));
    const key = args.join('\u0000');
    let slot = database.slots.get(key);
    if (!slot) database.slots.set(key, (slot = {}));
    return { database, slot };
  }

  private async take(db: Queryable, args: A): Promise<Reading<T>> {
    const readAt = new Date(this.now());
    return { value: await this.read(db, ...args), readAt };
  }

  private refresh(db: Queryable, slot: Slot<T>, args: A): Promise<Reading<T>> {
    slot.pending ??= this.take(db, args)
      .then((reading) => {
        // An offered reading may have come in meanwhile, begun after this one.
        keepNewer(slot, reading);
        return reading;
      })
      .finally(() => {
        slot.pending = undefined;
      });
    return slot.pending;
  }

  /** Looked at once per REFRESH_MS: pg_class.reltuples, which ANALYZE (autovacuum) keeps up to date. */
  private async isLarge(db: Queryable, database: PerDatabase<T>): Promise<boolean> {
    if (database.large !== undefined && database.sizedAt !== undefined && this.now() - database.sizedAt < this.refreshMs) return database.large;
    const rows = await db.query<{ rows: number }>(
      // -1: never analyzed (PostgreSQL 14 and later), taken as empty.
      `select coalesce(sum(greatest(c.reltuples, 0)), 0)::float8 as rows from pg_class c where c.oid = any($1::regclass[])`,
      [this.options.tables],
    );
    database.large = Number(rows[0]?.rows ?? 0) >= this.largeRows;
    database.sizedAt = this.now();
    return database.large;
  }
}
