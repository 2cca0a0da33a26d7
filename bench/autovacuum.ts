/**
 * One round of autovacuum, for a server that runs without it (CI images turn it off): what its worker
 * would do in one database at one naptime with the server's own autovacuum settings. Only the tables
 * past autovacuum's thresholds are vacuumed or analyzed — dead rows over `autovacuum_vacuum_threshold` +
 * `_scale_factor` × rows, rows inserted since the last vacuum over `autovacuum_vacuum_insert_threshold` +
 * `_scale_factor` × rows, rows changed since the last analyze over `autovacuum_analyze_threshold` +
 * `_scale_factor` × rows — one after the other, as one worker goes through them, and throttled as
 * autovacuum throttles itself (`autovacuum_vacuum_cost_delay` and `_cost_limit`, or the plain
 * `vacuum_cost_*` where those say -1). Per-table storage parameters are not read: the bench sets none.
 * An unthrottled VACUUM ANALYZE of every table each minute, which the soak ran before, took 5 s of
 * both CPUs at once by its tenth minute and pushed the p99 of the 10 s around it up by a quarter: a
 * cost the soak's database would not have on a server with autovacuum on.
 */
import { withClient } from './databases.js';

export interface AutovacuumWork {
  readonly table: string;
  readonly vacuum: boolean;
  readonly analyze: boolean;
}

const TABLES_DUE = `
  with setting as (
    select current_setting('autovacuum_vacuum_threshold')::float8 as vacuum_base,
           current_setting('autovacuum_vacuum_scale_factor')::float8 as vacuum_scale,
           current_setting('autovacuum_vacuum_insert_threshold')::float8 as insert_base,
           current_setting('autovacuum_vacuum_insert_scale_factor')::float8 as insert_scale,
           current_setting('autovacuum_analyze_threshold')::float8 as analyze_base,
           current_setting('autovacuum_analyze_scale_factor')::float8 as analyze_scale
  )
  select format('%I.%I', t.schemaname, t.relname) as "table",
         t.n_dead_tup > s.vacuum_base + s.vacuum_scale * c.rows
           or (s.insert_base >= 0 and t.n_ins_since_vacuum > s.insert_base + s.insert_scale * c.rows) as vacuum,
         t.n_mod_since_analyze > s.analyze_base + s.analyze_scale * c.rows as analyze
    -- reltuples is -1 until a table's first vacuum or analyze: autovacuum counts that as no rows.
    from pg_stat_user_tables t
    join (select oid, greatest(reltuples, 0) as rows from pg_class) c on c.oid = t.relid, setting s
   order by t.relid`;

/** autovacuum's throttle, for this session's VACUUM and ANALYZE. */
const THROTTLE = `
  select set_config('vacuum_cost_delay',
           case when current_setting('autovacuum_vacuum_cost_delay') like '-1%' then current_setting('vacuum_cost_delay')
                else current_setting('autovacuum_vacuum_cost_delay') end, false),
         set_config('vacuum_cost_limit',
           case when current_setting('autovacuum_vacuum_cost_limit') = '-1' then current_setting('vacuum_cost_limit')
                else current_setting('autovacuum_vacuum_cost_limit') end, false)`;

/** Runs one round on the database at `url`; returns what it did (nothing when no table was due). */
export async function autovacuumRound(url: string): Promise<AutovacuumWork[]> {
  return withClient(url, async (client) => {
    await client.query(THROTTLE);
    const { rows } = await client.query<AutovacuumWork>(TABLES_DUE);
    const due = rows.filter((row) => row.vacuum || row.analyze);
    for (const { table, vacuum, analyze } of due) {
      // The name comes from format('%I.%I'): quoted as an identifier by the server itself.
      await client.query(vacuum ? `vacuum ${analyze ? '(analyze) ' : ''}${table}` : `analyze ${table}`);
    }
    return due;
  });
}

/** "auth.users (vacuum, analyze), auth.sessions (analyze)". */
export function describeAutovacuumWork(work: readonly AutovacuumWork[]): string {
  if (work.length === 0) return 'no table due';
  return work.map(({ table, vacuum, analyze }) => `${table} (${[vacuum ? 'vacuum' : '', analyze ? 'analyze' : ''].filter(Boolean).join(', ')})`).join(', ');
}
