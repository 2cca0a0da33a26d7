/**
 * SQL for rate-limit counters in `auth.foyer_rate_limits` (an unlogged table): one fixed window per key.
 * The same upsert serves the limiter's own statement and the hot paths that fold their counter into
 * the statement doing their writes (one round trip and one commit instead of two).
 *
 * Exactness: `INSERT … ON CONFLICT (key) DO UPDATE` takes the row lock and evaluates the update
 * against the newest committed row version, so N concurrent consumes, from any number of processes,
 * add exactly N points. The window is measured with the database clock, never a process clock.
 */

/** A counter after a consume. */
export interface CounterState {
  /** Points spent in the current window, this consume included. */
  readonly points: number;
  /** Milliseconds until the window ends; -1 when the key never expires. */
  readonly ms_before_next: number;
}

/** What a folded statement needs to count one request: the full key and its window. */
export interface InlineCounter {
  readonly key: string;
  readonly windowMs: number;
  /** The most points a window allows; requests beyond it are refused and write nothing else. */
  readonly limit: number;
}

/** SQL expressions (placeholders or literals) for the upsert's inputs. */
export interface CounterUpsertInputs {
  readonly key: string;
  readonly points: string;
  readonly windowMs: string;
  /** A boolean expression: start a new window even when the current one has not ended. */
  readonly forceExpire: string;
}

/**
 * The counter's `points, ms_before_next` columns. `now()` is when the transaction began: one that
 * waited for the row lock may be older than the window another opened, so with `capMs` the time left
 * is capped at the window's length.
 */
export function counterStateSql(capMs?: string): string {
  return `points::float8 as points,
  ${msBeforeNextSql(capMs)} as ms_before_next`;
}

function msBeforeNextSql(capMs?: string, row?: string): string {
  const expiresAt = row ? `${row}.expires_at` : 'expires_at';
  const left = `ceil(extract(epoch from (${expiresAt} - now())) * 1000)`;
  return `case when ${expiresAt} is null then -1
       else greatest(0, ${capMs === undefined ? left : `least(${capMs}::float8, ${left})`}) end::float8`;
}

/**
 * The upsert's conflict clause: add to the window, or start a new one when it ended (or `forceExpire`).
 * A window ends no later than one window length from now (`excluded.expires_at`; `least` ignores a null
 * there): when a limit's window is shortened the counts stay and the window is at most the new length;
 * a lengthened one keeps its end. Unchanged, the cap bites at most by the milliseconds a statement
 * waited for the row lock (its `now()` is when its transaction began).
 */
const counterConflictSql = (forceExpire: string) => `on conflict (key) do update set
  points = case when ${forceExpire} or r.expires_at <= now() then excluded.points else r.points + excluded.points end,
  expires_at = case when ${forceExpire} or r.expires_at <= now() then excluded.expires_at else least(r.expires_at, excluded.expires_at) end`;

const windowEndSql = (windowMs: string) => `case when ${windowMs}::float8 > 0 then now() + ${windowMs}::float8 * interval '1 millisecond' end`;

/** `insert … on conflict … returning points, ms_before_next` for the given inputs. */
export function counterUpsertSql({ key, points, windowMs, forceExpire }: CounterUpsertInputs): string {
  return `insert into auth.foyer_rate_limits as r (key, points, expires_at)
values (${key}, ${points}, ${windowEndSql(windowMs)})
${counterConflictSql(forceExpire)}
returning ${counterStateSql(windowMs)}`;
}

/**
 * CTEs that count a batch of requests, each with its own key (or none): `source` is a relation with
 * columns `i` (the request's position), `rl_key`, `rl_window_ms` and `rl_limit`. Each key's row is
 * upserted once with all of its requests' points, rows locked in key order so that concurrent batches
 * cannot deadlock. `${ctes.counted}` then has one row per request: `i`, `points` (its own place in the
 * window: the k-th request of a key in the batch gets the points before the batch plus k),
 * `ms_before_next` and `allowed` (true for requests without a key).
 */
export function batchCounterSql(source: string): { readonly ctes: string; readonly counted: string } {
  const ctes = `rl_keys as (
       select rl_key, max(rl_window_ms) as window_ms, count(*)::int as n from ${source} where rl_key is not null group by rl_key
     ), rl_rows as (
       insert into auth.foyer_rate_limits as r (key, points, expires_at)
       select rl_key, n, ${windowEndSql('window_ms')} from rl_keys order by rl_key
       ${counterConflictSql('false')}
       returning r.key, r.points, r.expires_at
     ), rl_counted as (
       select q.i, q.rl_limit, k.key is not null as has_key,
              (k.points - rk.n + row_number() over (partition by q.rl_key order by q.i))::float8 as points,
              ${msBeforeNextSql('rk.window_ms', 'k')} as ms_before_next
         from ${source} q left join rl_rows k on k.key = q.rl_key left join rl_keys rk on rk.rl_key = q.rl_key
     ), rl_allowed as (
       select i, points, ms_before_next, not has_key or points <= rl_limit as allowed from rl_counted
     )`;
  return { ctes, counted: 'rl_allowed' };
}

/** The counter of one request of a batch, from its row's `points, ms_before_next`; undefined when not counted. */
export function batchCounterState(row: { points: number | null; ms_before_next: number | null }): CounterState | undefined {
  return row.points === null ? undefined : { points: row.points, ms_before_next: row.ms_before_next ?? -1 };
}

/** A request's counter fields for `batchCounterSql`'s source, as JSON object members (null: not counted). */
export function batchCounterJson(limit: InlineCounter | undefined): string {
  if (!limit) return '"rl_key":null,"rl_window_ms":null,"rl_limit":null';
  return `"rl_key":${JSON.stringify(limit.key)},"rl_window_ms":${limit.windowMs},"rl_limit":${limit.limit}`;
}

/** What a counted statement returns: the counter, and its result unless the request was refused. */
export interface Counted<T> {
  readonly counter: CounterState;
  readonly result: T | undefined;
}
