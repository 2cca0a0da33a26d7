import postgres from 'postgres';
import { DbUnavailableError, OID, timestampToRfc3339, type Db, type Queryable, type SqlParam } from './db.js';

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
    async transaction(work) {
      return (await sql.begin((tx) => work(asQueryable(tx)))) as Awaited<ReturnType<typeof work>>;
    },
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
