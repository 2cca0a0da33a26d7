/** The bench's own databases on the local PostgreSQL: created fresh, dropped at the end. */
import pg from 'pg';

/** Only databases with this prefix are ever created or dropped here (never `test` or anything else). */
const PREFIX = 'foyer_bench';

export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function assertBenchName(name: string): void {
  if (!/^[a-z0-9_]+$/.test(name) || !name.startsWith(PREFIX)) throw new Error(`refusing to touch database "${name}"`);
}

/** Drops (if left over from an interrupted run) and creates `name`; returns its URL. */
export async function recreateDatabase(serverUrl: string, name: string): Promise<string> {
  assertBenchName(name);
  await withClient(databaseUrl(serverUrl, 'postgres'), async (client) => {
    await client.query(`drop database if exists ${name} with (force)`);
    await client.query(`create database ${name}`);
  });
  return databaseUrl(serverUrl, name);
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  assertBenchName(name);
  await withClient(databaseUrl(serverUrl, 'postgres'), (client) => client.query(`drop database if exists ${name} with (force)`));
}

/** Writes dirty buffers out, so no checkpoint lands in the middle of the next measurement. */
export async function checkpoint(serverUrl: string): Promise<void> {
  await withClient(databaseUrl(serverUrl, 'postgres'), (client) => client.query('checkpoint'));
}

/**
 * Refreshes the planner's statistics. The bench grows tables from a few dozen rows to hundreds of
 * thousands within a minute, faster than autovacuum (its naptime alone is a minute) re-analyzes them
 * in production, where a table rarely grows tenfold between two analyzes. Prepared statements keep
 * the plan they got while a table was tiny (a sequential scan) until an ANALYZE invalidates it; this
 * does for every contender what autovacuum does at real growth rates.
 */
export async function analyze(url: string): Promise<void> {
  await withClient(url, (client) => client.query('analyze'));
}

/** Whether the server runs autovacuum (PostgreSQL's default; some CI images turn it off). */
export async function autovacuumOn(url: string): Promise<boolean> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ on: string }>(`select current_setting('autovacuum') as on`);
    return rows[0].on === 'on';
  });
}

export async function serverVersion(serverUrl: string): Promise<string> {
  return withClient(databaseUrl(serverUrl, 'postgres'), async (client) => {
    const { rows } = await client.query<{ v: string }>(`select current_setting('server_version') as v`);
    return rows[0].v;
  });
}

export async function query(url: string, text: string): Promise<void> {
  await withClient(url, (client) => client.query(text));
}

/** pg_advisory_lock key of a bench run: two runs on one server would drop each other's databases. */
const BENCH_LOCK_KEY = 0x666f7965; // "foye"

/**
 * Holds the server-wide bench lock until the returned function is called (or this process ends): a
 * second `npm run bench` on the same PostgreSQL waits here instead of dropping the first one's databases
 * (and both would measure each other's load).
 */
export async function lockBenchServer(serverUrl: string, log: (message: string) => void): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: databaseUrl(serverUrl, 'postgres'), application_name: 'foyer bench lock' });
  await client.connect();
  const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [BENCH_LOCK_KEY]);
  if (!rows[0].locked) {
    log('another bench run is using this PostgreSQL server: waiting for it to end…');
    await client.query('select pg_advisory_lock($1)', [BENCH_LOCK_KEY]);
  }
  return async () => {
    await client.end();
  };
}
