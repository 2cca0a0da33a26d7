/**
 * Coalesces concurrent calls of one write into batches that run as one statement: group commit done
 * by the application. PostgreSQL spends most of a small write on the statement around it (parse/bind,
 * snapshot, locks, the commit and its WAL flush), so N rows in one statement cost far less than N
 * statements. Nothing waits for a timer: while fewer than `maxInFlight` batches are running, a batch
 * starts at the end of the current turn of the event loop with every call made in it; otherwise calls
 * join the next batch, which starts as soon as one finishes. An idle server answers as without
 * batching (one turn later: microseconds); a busy one answers more per commit.
 *
 * Requests stay independent: when a batch fails, each of its calls runs again on its own, so one bad
 * input (or a deadlock victim) fails only its own request. The batch's statement either commits every
 * row or none, so a retried call never writes twice.
 */
import type { Db, Queryable } from './db.js';

export interface CoalescerOptions {
  /** Batches under way at once (for a database: its `batchLane`'s). */
  readonly maxInFlight: number;
  /** The most calls one statement carries. */
  readonly maxBatch: number;
}

/** What a coalescer has done since it was made (read by the metrics). */
export interface BatchStats {
  /** Statements run (retries of single requests after a failed batch included). */
  readonly batches: number;
  /** Requests carried by those statements, retries included. */
  readonly requests: number;
  /** Batches that failed and whose requests then ran one by one. */
  readonly retried: number;
  /** Requests waiting for a batch right now. */
  readonly waiting: number;
}

/** Runs `inputs` as one statement; returns one output per input, in order. */
export type BatchRunner<In, Out> = (inputs: readonly In[]) => Promise<readonly Out[]>;

interface Pending<In, Out> {
  readonly input: In;
  readonly resolve: (output: Out) => void;
  readonly reject: (error: unknown) => void;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class Coalescer<In, Out> {
  readonly #run: BatchRunner<In, Out>;
  readonly #options: CoalescerOptions;
  #queue: Pending<In, Out>[] = [];
  #inFlight = 0;
  #gathering = false;
  #batches = 0;
  #requests = 0;
  #retried = 0;

  constructor(run: BatchRunner<In, Out>, options: CoalescerOptions) {
    if (!(options.maxInFlight >= 1) || !(options.maxBatch >= 1)) throw new RangeError('maxInFlight and maxBatch must be at least 1');
    this.#run = run;
    this.#options = options;
  }

  get stats(): BatchStats {
    return { batches: this.#batches, requests: this.#requests, retried: this.#retried, waiting: this.#queue.length };
  }

  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      if (this.#inFlight < this.#options.maxInFlight && !this.#gathering) {
        // The batch starts after this turn of the event loop, so the requests parsed in the same turn
        // join it. An embedded engine runs on this thread: nothing else could reach the queue while a
        // statement runs, and every batch would be a batch of one.
        this.#gathering = true;
        this.#inFlight += 1;
        setImmediate(() => {
          this.#gathering = false;
          this.#inFlight -= 1;
          // A batch that finished meanwhile may have taken the queue with it.
          if (this.#queue.length > 0) this.#dispatch();
        });
      }
    });
  }

  #dispatch(): void {
    const batch = this.#queue.length <= this.#options.maxBatch ? this.#queue : this.#queue.slice(0, this.#options.maxBatch);
    this.#queue = batch === this.#queue ? [] : this.#queue.slice(batch.length);
    this.#inFlight += 1;
    void this.#settle(batch);
  }

  /** The batch's slot is free: the calls that waited meanwhile start the next batch. */
  #release(): void {
    this.#inFlight -= 1;
    if (this.#queue.length > 0) this.#dispatch();
  }

  async #settle(batch: readonly Pending<In, Out>[]): Promise<void> {
    let outputs: readonly Out[];
    try {
      outputs = await this.#runChecked(batch.map((pending) => pending.input));
    } catch (error) {
      await this.#retryAlone(batch, error);
      this.#release();
      return;
    }
    // The next batch goes to the database before this one is answered. Answering takes the event loop for
    // a while (a token signed and a response written per call: some 4 ms for 32 refreshes), and the
    // database sat idle through it when the next batch started only afterwards. The driver sends a
    // statement at the end of the turn it was made in (setImmediate), so the answers wait two turns.
    this.#release();
    await nextTurn();
    await nextTurn();
    batch.forEach((pending, index) => pending.resolve(outputs[index]));
  }

  /** A failed batch: each of its calls runs again on its own, so one bad input fails only its own call. */
  async #retryAlone(batch: readonly Pending<In, Out>[], error: unknown): Promise<void> {
    if (batch.length === 1) {
      batch[0].reject(error);
      return;
    }
    this.#retried += 1;
    await Promise.all(
      batch.map(async (pending) => {
        try {
          pending.resolve((await this.#runChecked([pending.input]))[0]);
        } catch (alone) {
          pending.reject(alone);
        }
      }),
    );
  }

  async #runChecked(inputs: readonly In[]): Promise<readonly Out[]> {
    this.#batches += 1;
    this.#requests += inputs.length;
    const outputs = await this.#run(inputs);
    if (outputs.length !== inputs.length) throw new Error(`a batch of ${inputs.length} returned ${outputs.length} results`);
    return outputs;
  }
}

/**
 * SQL for a batch's requests as a relation `q`, from the jsonb array in `$1` (one object per request,
 * with `i`, its position, among its `columns`). `auth.foyer_batch_requests` tells the planner a batch is
 * small (migration 0012), so lookups go through indexes.
 */
export const batchRequestsSql = (columns: string): string =>
  `q as (select r.* from auth.foyer_batch_requests($1::jsonb) e cross join lateral jsonb_to_record(e) as r(i int, ${columns}))`;

/** Per database, its hot paths' coalescers by name, for the metrics. */
const pathsByDb = new WeakMap<object, Map<string, { readonly stats: BatchStats }>>();

/** One coalescer per database for the batch runner `run`, made on first use; `path` names it in the metrics. */
export function coalescerPerDb<In, Out>(
  path: string,
  run: (db: Queryable, inputs: readonly In[]) => Promise<readonly Out[]>,
  maxBatch: number,
): (db: Db) => Coalescer<In, Out> {
  const coalescers = new WeakMap<Db, Coalescer<In, Out>>();
  return (db) => {
    let coalescer = coalescers.get(db);
    if (!coalescer) {
      // The database says where the path's batches run and how many may be under way (its `batchLane`).
      const lane = db.batchLane(path);
      coalescer = new Coalescer((inputs) => run(lane.db, inputs), { maxInFlight: lane.batchesInFlight, maxBatch });
      coalescers.set(db, coalescer);
      let paths = pathsByDb.get(db);
      if (!paths) pathsByDb.set(db, (paths = new Map()));
      paths.set(path, coalescer);
    }
    return coalescer;
  };
}

/** The batch statistics of each hot path that has run on `db` since the process started. */
export function batchStatsOf(db: object): Record<string, BatchStats> {
  return Object.fromEntries([...(pathsByDb.get(db) ?? [])].map(([path, coalescer]) => [path, coalescer.stats]));
}
