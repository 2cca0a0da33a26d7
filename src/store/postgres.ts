import postgres from 'postgres';
import { DbUnavailableError, OID, StatementAfterLastError, timestampToRfc3339, type Db, type Queryable, type QueryOptions, type SqlParam } from './db.js';

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

/**
 * One transaction on a reserved connection, with BEGIN pipelined in front of `work`'s first statements
 * instead of waiting for its answer (postgres.js's `begin` waits): a transaction of one statement costs
 * two round trips (the statement, then COMMIT) instead of three, and a Data API request (BEGIN, the
 * caller's settings, the session check, the read) sends all of it in one write.
 * As postgres.js's `begin` does, an error of any statement fails the transaction even when `work`
 * caught it: PostgreSQL would answer COMMIT of an aborted transaction with ROLLBACK, silently.
 */
async function pipelinedTransaction<T>(sql: Sql, work: (tx: Queryable) => Promise<T>): Promise<T> {
  const reserved = await sql.reserve();
  let failure: { error: unknown } | undefined;
  /**
   * COMMIT, when `work` marked its last statement and it was sent behind it. The connection is then
   * handed on at once (patches/postgres+3.4.9.patch): a transaction waiting for one sends its statements
   * behind this COMMIT in the same write, instead of waiting a round trip for the answers. Under load
   * that is one write for several transactions (each a system call, and on loopback PostgreSQL's wake-up).
   */
  let commit: Promise<unknown> | undefined;
  /** False with an unpatched driver (`foyer start` warns): the connection is then released at the end. */
  const handsOver = typeof reserved.handOver === 'function';
  const tx: Queryable = {
    async query<Row>(text: string, params: readonly SqlParam[] = [], options?: QueryOptions) {
      // The connection may already serve another transaction: a statement now would run in it.
      if (commit) throw new StatementAfterLastError();
      const statement = reserved.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true }).execute();
      if (options?.last) {
        commit = reserved.unsafe('commit').execute();
        commit.catch(() => {});
        if (handsOver) void reserved.handOver();
      }
      try {
        return (await statement) as unknown as Row[];
      } catch (error) {
        failure ??= { error };
        throw error;
      }
    },
  };
  try {
    // execute() sends it now, ahead of anything `work` sends; its outcome is read below.
    const begun = reserved.unsafe('begin').execute();
    begun.catch(() => {});
    let result: T;
    try {
      result = await work(tx);
      await begun;
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

export async function openPostgres(options: PostgresOptions): Promise<Db> {
  const sql: Sql = postgres(options.url, {
    max: options.poolSize,
    idle_timeout: 60,
    connect_timeout: 10,
    onnotice: () => {},
    // JIT off: Foyer's statements run in milliseconds, and a cost estimate inflated by stale statistics
    // would otherwise make PostgreSQL compile one (100 ms and more) on every execution.
    connection: { TimeZone: 'UTC', application_name: options.applicationName ?? 'foyer', jit: 'off' },
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
  try {
    await sql`select 1`;
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw new DbUnavailableError(`Cannot connect to PostgreSQL at ${redact(options.url)}: ${(error as Error).message}`, { cause: error });
  }
  const base = asQueryable(sql);
  return {
    engine: 'postgres',
    connections: options.poolSize,
    query: base.query,
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
      await sql.end({ timeout: 5 });
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
