import postgres from 'postgres';
import { DbUnavailableError, OID, StatementAfterLastError, timestampToRfc3339, type BatchLane, type Db, type Queryable, type QueryOptions, type SqlParam } from './db.js';

export interface PostgresOptions {
  readonly url: string;
  readonly poolSize: number;
  readonly applicationName?: string;
}

type Sql = postgres.Sql<Record<string, never>>;

const asQueryable = (sql: postgres.Sql | postgres.TransactionSql): Queryable => ({
  async query<Row>(text: string, params: readonly SqlParam[] = []) {
    const rows = await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true });
    return rows as unknown as Row[];
  },
});

/** A statement `work` sent before a connection was chosen, answered once its transaction is under way. */
interface Queued {
  readonly text: string;
  readonly params: readonly SqlParam[];
  readonly last: boolean;
  readonly resolve: (rows: unknown[]) => void;
  readonly reject: (error: unknown) => void;
}

/** `sql.group`'s failure: the first error, with the index of its statement and each statement's own error. */
type GroupFailure = Error & { groupPart?: number; groupErrors?: readonly (Error | undefined)[]; groupStale?: boolean };

type Send = (text: string, params: readonly SqlParam[], last: boolean) => Promise<unknown[]>;

/**
 * One transaction. `work` runs first and its statements wait; what it sent before its first `await`
 * decides how they go:
 * - **As one query** (patches/postgres+3.4.9.patch, `sql.group`): when they end with the statement marked
 *   `last`, nothing can follow, so BEGIN, the statements and COMMIT go in one write, on any connection,
 *   with no reservation and no round trip in between. A Data API request (the caller's settings, the
 *   session check, the read or write) is such a transaction: measured, the reservation, BEGIN and COMMIT
 *   as queries of their own cost about as much of Foyer's CPU as the three statements together.
 * - **On a reserved connection** otherwise: BEGIN pipelined in front of the waiting statements instead of
 *   waiting for its answer (postgres.js's `begin` waits), the rest as `work` sends them.
 * As postgres.js's `begin` does, an error of any statement fails the transaction even when `work`
 * caught it: PostgreSQL would answer COMMIT of an aborted transaction with ROLLBACK, silently.
 */
async function pipelinedTransaction<T>(sql: Sql, work: (tx: Queryable) => Promise<T>): Promise<T> {
  let failure: { error: unknown } | undefined;
  const fail = (error: unknown) => {
    failure ??= { error };
  };
  let queued: Queued[] | undefined = [];
  let lastSent = false;
  /** Set once the transaction runs on a reserved connection: statements go straight to it. */
  let direct: Send | undefined;
  const tx: Queryable = {
    async query<Row>(text: string, params: readonly SqlParam[] = [], options?: QueryOptions) {
      // The connection may already serve another transaction: a statement now would run in it.
      if (lastSent) throw new StatementAfterLastError();
      const last = options?.last === true;
      lastSent = last;
      try {
        const rows = direct
          ? await direct(text, params, last)
          : await new Promise<unknown[]>((resolve, reject) => queued!.push({ text, params, last, resolve, reject }));
        return rows as Row[];
      } catch (error) {
        fail(error);
        throw error;
      }
    },
  };
  const working = work(tx);
  // Awaited below; until then its failure must not count as unhandled.
  working.catch(() => {});
  const waiting = queued;
  if (waiting.length > 0 && waiting[waiting.length - 1].last && typeof sql.group === 'function') {
    queued = undefined;
    await runAsGroup(sql, waiting).catch(fail);
    const result = await working;
    if (failure) throw failure.error;
    return result;
  }
  // Statements sent while the connection is reserved keep waiting; they go, in order, once it is.
  const connect = (send: Send) => {
    for (const statement of queued!) send(statement.text, statement.params, statement.last).then(statement.resolve, statement.reject);
    queued = undefined;
    direct = send;
  };
  return reservedTransaction(sql, working, connect, () => failure);
}

/**
 * The statements as one query (`sql.group`), each answered with its own rows or error. The statements
 * before a failing one ran (their answers are moot: the transaction is rolled back); the failing one and
 * those after it report their own errors (25P02 behind the failure), or the first when PostgreSQL never
 * saw them. Rejects with the first error.
 */
async function runAsGroup(sql: Sql, statements: readonly Queued[]): Promise<void> {
  const parts = statements.map((statement): [string, postgres.ParameterOrJSON<never>[]] => [statement.text, statement.params as postgres.ParameterOrJSON<never>[]]);
  let results: unknown[][];
  try {
    results = await sql.group(parts).catch((error: GroupFailure) => {
      // A statement prepared on that connection before a table it reads changed: the whole transaction
      // was rolled back and nothing of it was answered yet, so it runs once more, prepared anew.
      if (!error.groupStale) throw error;
      return sql.group(parts);
    });
  } catch (error) {
    const { groupPart = -1, groupErrors = [] } = error as GroupFailure;
    statements.forEach((statement, i) => (i < groupPart ? statement.resolve([]) : statement.reject(groupErrors[i] ?? error)));
    throw error;
  }
  statements.forEach((statement, i) => statement.resolve(results[i]));
}

/**
 * The transaction on a reserved connection: BEGIN, then the statements sent so far (`connect` sends them
 * and routes later ones straight to the connection). COMMIT goes right behind the statement marked
 * `last`, and the connection is handed on at once (patches/postgres+3.4.9.patch): a transaction waiting
 * for one sends its statements behind this COMMIT in the same write, instead of waiting a round trip.
 */
async function reservedTransaction<T>(
  sql: Sql,
  working: Promise<T>,
  connect: (send: Send) => void,
  failed: () => { error: unknown } | undefined,
): Promise<T> {
  const reserved = await sql.reserve();
  let commit: Promise<unknown> | undefined;
  /** False with an unpatched driver (`foyer start` warns): the connection is then released at the end. */
  const handsOver = typeof reserved.handOver === 'function';
  const send: Send = (text, params, last) => {
    const statement = reserved.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true }).execute();
    if (last) {
      commit = reserved.unsafe('commit').execute();
      commit.catch(() => {});
      if (handsOver) void reserved.handOver();
    }
    return statement as unknown as Promise<unknown[]>;
  };
  try {
    // execute() sends it now, ahead of the statements; its outcome is read below.
    const begun = reserved.unsafe('begin').execute();
    begun.catch(() => {});
    connect(send);
    let result: T;
    try {
      result = await working;
      await begun;
      const failure = failed();
      if (failure) throw failure.error;
    } catch (error) {
      // After a pipelined COMMIT there is no transaction left to roll back (PostgreSQL ended a failed
      // one with ROLLBACK); otherwise end it here.
      if (!commit) await reserved.unsafe('rollback').catch(() => {});
      else await commit.catch(() => {});
      throw error;
    }
    await (commit ?? reserved.unsafe('commit'));
    return result;
  } finally {
    // Once handed over, the connection is no longer this transaction's to release.
    if (!commit || !handsOver) reserved.release();
  }
}

/** A postgres.js instance of `max` connections to `url`, with Foyer's session settings and types. */
function connect(url: string, max: number, applicationName: string): Sql {
  return postgres(url, {
    max,
    idle_timeout: 60,
    connect_timeout: 10,
    onnotice: () => {},
    // JIT off: Foyer's statements run in milliseconds, and a cost estimate inflated by stale statistics
    // would otherwise make PostgreSQL compile one (100 ms and more) on every execution.
    connection: { TimeZone: 'UTC', application_name: applicationName, jit: 'off' },
    types: {
      // Foyer passes JSON as text it already serialised; postgres.js would stringify it a second time.
      json: {
        to: 3802,
        from: [114, 3802],
        serialize: (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value)),
        parse: (text: string) => JSON.parse(text) as unknown,
      },
      rfc3339: {
        to: OID.timestamptz,
        from: [OID.timestamptz, OID.timestamp],
        serialize: (value: unknown) => String(value),
        parse: timestampToRfc3339,
      },
    },
  }) as unknown as Sql;
}

/**
 * Batches in flight on a hot path's own connection: one running, one sent behind it. PostgreSQL starts
 * the second the moment the first commits, with no round trip in between, while Foyer answers the first;
 * the next batch gathers meanwhile. Measured on two cores with 32 clients against one batch at a time on
 * a pooled connection: the CPUs 81-85 % busy instead of 72-76 %, sign-ins 1.05-1.07x in the same rounds
 * (docs/operations.md). Batches on separate connections instead ran in parallel backends that competed
 * for the same cores and carried fewer requests each: no gain.
 */
const LANE_BATCHES_IN_FLIGHT = 2;

interface Lane extends BatchLane {
  close(): Promise<void>;
}

/** A lost connection (SQLSTATE classes 08 and 57, or the driver's own errors), as opposed to a statement's failure. */
const connectionLost = (error: unknown): boolean =>
  !(error instanceof postgres.PostgresError) || /^(08|57)/.test(error.code);

/**
 * A hot path's connection of its own, outside the pool, opened on first use: statements sent while one
 * runs queue on it. After a lost connection the next statement goes to a new one, rather than to the same
 * postgres.js instance reconnecting: with a single connection, a statement sent between the socket's
 * error and its close could be left waiting for good.
 */
function openLane(open: () => Sql): Lane {
  let current: Sql | undefined;
  const retired = new Set<Sql>();
  const retire = (sql: Sql) => {
    if (current !== sql) return;
    current = undefined;
    retired.add(sql);
    void sql.end({ timeout: 0 }).catch(() => {}).finally(() => retired.delete(sql));
  };
  return {
    batchesInFlight: LANE_BATCHES_IN_FLIGHT,
    db: {
      async query<Row>(text: string, params: readonly SqlParam[] = []) {
        const sql = (current ??= open());
        try {
          return await asQueryable(sql).query<Row>(text, params);
        } catch (error) {
          if (connectionLost(error)) retire(sql);
          throw error;
        }
      },
    },
    async close() {
      const sql = current;
      current = undefined;
      await Promise.all([...(sql ? [sql] : []), ...retired].map((each) => each.end({ timeout: 5 })));
    },
  };
}

export async function openPostgres(options: PostgresOptions): Promise<Db> {
  const applicationName = options.applicationName ?? 'foyer';
  const sql = connect(options.url, options.poolSize, applicationName);
  try {
    await sql`select 1`;
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw new DbUnavailableError(`Cannot connect to PostgreSQL at ${redact(options.url)}: ${(error as Error).message}`, { cause: error });
  }
  const base = asQueryable(sql);
  const lanes = new Map<string, Lane>();
  return {
    engine: 'postgres',
    connections: options.poolSize,
    query: base.query,
    batchLane(path) {
      let lane = lanes.get(path);
      if (!lane) lanes.set(path, (lane = openLane(() => connect(options.url, 1, applicationName))));
      return lane;
    },
    transaction: (work) => pipelinedTransaction(sql, work),
    async execScript(script) {
      await sql.unsafe(script);
    },
    async withAdvisoryLock(lockKey, work) {
      const reserved = await sql.reserve();
      try {
        await reserved.unsafe('select pg_advisory_lock($1)', [lockKey]);
        try {
          return await work({
            ...asQueryable(reserved),
            execScript: async (script) => {
              await reserved.unsafe(script);
            },
          });
        } finally {
          await reserved.unsafe('select pg_advisory_unlock($1)', [lockKey]);
        }
      } finally {
        reserved.release();
      }
    },
    async tryWithAdvisoryLock(lockKey, work) {
      const reserved = await sql.reserve();
      try {
        const [{ locked }] = await reserved.unsafe<{ locked: boolean }[]>('select pg_try_advisory_lock($1) as locked', [lockKey]);
        if (!locked) return { acquired: false };
        try {
          const value = await work({
            ...asQueryable(reserved),
            execScript: async (script) => {
              await reserved.unsafe(script);
            },
          });
          return { acquired: true, value };
        } finally {
          await reserved.unsafe('select pg_advisory_unlock($1)', [lockKey]);
        }
      } finally {
        reserved.release();
      }
    },
    async close() {
      await Promise.all([sql.end({ timeout: 5 }), ...[...lanes.values()].map((lane) => lane.close())]);
    },
  };
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
