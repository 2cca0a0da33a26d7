/**
 * SQL for rate-limit counters in `foyer.rate_limits` (an unlogged table): one fixed window per key.
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
  const left = 'ceil(extract(epoch from (expires_at - now())) * 1000)';
  return `points::float8 as points,
  case when expires_at is null then -1
       else greatest(0, ${capMs === undefined ? left : `least(${capMs}::float8, ${left})`}) end::float8 as ms_before_next`;
}

/** `insert … on conflict … returning points, ms_before_next` for the given inputs. */
export function counterUpsertSql({ key, points, windowMs, forceExpire }: CounterUpsertInputs): string {
  return `insert into foyer.rate_limits as r (key, points, expires_at)
values (${key}, ${points}, case when ${windowMs}::float8 > 0 then now() + ${windowMs}::float8 * interval '1 millisecond' end)
on conflict (key) do update set
  points = case when ${forceExpire} or r.expires_at <= now() then excluded.points else r.points + excluded.points end,
  expires_at = case when ${forceExpire} or r.expires_at <= now() then excluded.expires_at else r.expires_at end
returning ${counterStateSql(windowMs)}`;
}

/**
 * SQL pieces for a statement that counts one request and writes only when the request is allowed.
 * The counter's three parameters (`counterParams`) follow the statement's own, from `$<firstParam>`:
 *
 *   with ${pieces.cte}, u as (insert into … select … from rl where ${pieces.allowed} returning …)
 *   select rl.points, rl.ms_before_next, u.* from rl left join u on true
 *
 * The counter's row stays locked until the statement commits, so concurrent requests of one key
 * queue behind each other; requests of different keys (clients) do not.
 */
export function inlineCounterSql(firstParam: number): { readonly cte: string; readonly allowed: string } {
  const upsert = counterUpsertSql({ key: `$${firstParam}`, points: '1', windowMs: `$${firstParam + 1}`, forceExpire: 'false' });
  return { cte: `rl as (${upsert})`, allowed: `rl.points <= $${firstParam + 2}` };
}

export const counterParams = (counter: InlineCounter): [string, number, number] => [counter.key, counter.windowMs, counter.limit];

/** What a counted statement returns: the counter, and its result unless the request was refused. */
export interface Counted<T> {
  readonly counter: CounterState;
  readonly result: T | undefined;
}
