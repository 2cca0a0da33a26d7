/**
 * Counts for /metrics and the stats API, read from the database so that every process reports the
 * same numbers and they survive restarts. Nothing here is written per request: anonymous sign-ups
 * are auth.users rows (created_at, is_anonymous), conversions and deletions are audit entries.
 *
 * An anonymous sign-up is counted exactly once, in whichever state the user is now: still anonymous
 * (auth.users), converted (a user_converted audit entry, written by the promotion), merged into an
 * account (user_merged) or deleted while anonymous (user_deleted with traits.was_anonymous, written
 * by the cleanup and the admin API).
 */
import { AUDIT_ACTIONS, createdAnonymouslySql, deletedAnonymousSql, lastActiveJoinedSql, SESSIONS_ACTIVE_SQL } from './activity.js';
import type { Queryable } from './db.js';
import { userKindSql } from './user-kinds.js';

export interface TotalsRow {
  /** Every anonymous user, pending conversions included (the sign-up arithmetic counts them all). */
  anonymous_users: number;
  /** Of anonymous_users, those with an address awaiting confirmation. */
  pending_conversion_users: number;
  /** Permanent users, invited users who have not accepted excluded. */
  permanent_users: number;
  invited_users: number;
  converted: number;
  merged: number;
  deleted_anonymous: number;
  conversions_by_method: Record<string, number>;
  cleanup_deleted: number;
  cleanup_runs_by_status: Record<string, number>;
}

const action = (a: string) => `(${a}.payload ->> 'action')`;

export async function readTotals(db: Queryable): Promise<TotalsRow> {
  // Runs on every /metrics scrape: users are counted by kind in one pass, and conversions are read once
  // for both their total and their split by method.
  const rows = await db.query<TotalsRow>(
    `with users as (
       select (count(*) filter (where u.is_anonymous))::int as anonymous_users,
              (count(*) filter (where ${userKindSql('pending_conversion')}))::int as pending_conversion_users,
              (count(*) filter (where ${userKindSql('permanent')}))::int as permanent_users,
              (count(*) filter (where ${userKindSql('invited')}))::int as invited_users
         from auth.users u where u.deleted_at is null
     ), conversions as (
       select coalesce((a.payload -> 'traits') ->> 'method', 'unknown') as method, count(*)::int as n
         from auth.audit_log_entries a where ${action('a')} = '${AUDIT_ACTIONS.converted}' group by 1
     )
     select users.anonymous_users, users.pending_conversion_users, users.permanent_users, users.invited_users,
       (select coalesce(sum(n), 0)::int from conversions) as converted,
       (select count(*)::int from auth.audit_log_entries a where ${action('a')} = '${AUDIT_ACTIONS.merged}') as merged,
       (select count(*)::int from auth.audit_log_entries a where ${action('a')} = '${AUDIT_ACTIONS.deleted}' and ${deletedAnonymousSql('a')}) as deleted_anonymous,
       coalesce((select json_object_agg(method, n) from conversions), '{}'::json) as conversions_by_method,
       (select coalesce(sum(deleted), 0)::int from auth.foyer_cleanup_runs) as cleanup_deleted,
       coalesce((select json_object_agg(status, n) from (
                   select status, count(*)::int as n from auth.foyer_cleanup_runs group by 1) r), '{}'::json) as cleanup_runs_by_status
       from users`,
  );
  return rows[0];
}

/**
 * True for a user_deleted entry (aliased `a`) whose user may have been created at `from` (a timestamptz
 * expression) or later; the exact test follows it. It is what foyer_audit_log_entries_deleted_user_created_idx
 * (migration 0017) answers, so a window reads the entries of users created in it, not every deletion since
 * (a cleanup's deletions are recent, of users created long ago). The creation time's ISO 8601 text sorts
 * as time within one UTC offset (Foyer writes UTC); a day's margin keeps it true whatever the offset.
 * The queries leave out the entry's own time (a deletion comes after the creation anyway): with it, the
 * planner may walk the deletions by time instead, all of them since `from`.
 */
const deletedUserCreatedSinceSql = (a: string, from: string) =>
  `(((${a}.payload -> 'traits') ->> 'user_created_at') collate "C") >= to_char((${from}) at time zone 'UTC' - interval '1 day', 'YYYY-MM-DD')`;

/** Anonymous sign-ups created in [from, to): existing users plus those deleted while anonymous. */
const signupsBetweenSql = (from: string, to: string) => `(
  (select count(*) from auth.users u
    where u.created_at >= ${from} and u.created_at < ${to} and ${createdAnonymouslySql('u', from)})
  + (select count(*) from auth.audit_log_entries a
      where ${action('a')} = '${AUDIT_ACTIONS.deleted}' and ${deletedUserCreatedSinceSql('a', from)} and ${deletedAnonymousSql('a')}
        and ((a.payload -> 'traits') ->> 'user_created_at')::timestamptz >= ${from}
        and ((a.payload -> 'traits') ->> 'user_created_at')::timestamptz < ${to}))::int`;

export interface SpikeRow {
  last_hour: number;
  baseline: number;
}

/** Sign-ups in the last hour, and in the `baselineHours` before it. */
export async function readSpikeWindow(db: Queryable, baselineHours: number): Promise<SpikeRow> {
  const rows = await db.query<SpikeRow>(
    `with t as (select now() as now, now() - interval '1 hour' as hour_ago,
                       now() - interval '1 hour' - make_interval(hours => $1::int) as baseline_start)
     select ${signupsBetweenSql('t.hour_ago', 't.now')} as last_hour,
            ${signupsBetweenSql('t.baseline_start', 't.hour_ago')} as baseline
       from t`,
    [baselineHours],
  );
  return rows[0];
}

export type Bucket = 'hour' | 'day';

export interface SeriesRow {
  start: string;
  anonymous_signups: number;
  /** Of the users behind anonymous_signups still in auth.users, how many are permanent now. */
  converted_since: number;
  conversions: number;
  cleaned_up: number;
}

/** `buckets` consecutive hour or day buckets (UTC) ending with the current one, oldest first. */
export async function readSeries(db: Queryable, bucket: Bucket, buckets: number): Promise<SeriesRow[]> {
  return db.query<SeriesRow>(
    `with span as (
       select date_trunc($1, now()) - ($2::int - 1) * ('1 ' || $1)::interval as first, ('1 ' || $1)::interval as step
     ), buckets as (
       select generate_series(span.first, date_trunc($1, now()), span.step) as start from span
     ), signups as (
       select date_trunc($1, u.created_at) as start, count(*)::int as n, (count(*) filter (where not u.is_anonymous))::int as converted
         from auth.users u, span
        where u.created_at >= span.first and ${createdAnonymouslySql('u', 'span.first')}
        group by 1
     ), deleted_signups as (
       select date_trunc($1, ((a.payload -> 'traits') ->> 'user_created_at')::timestamptz) as start, count(*)::int as n
         from auth.audit_log_entries a, span
        where ${action('a')} = '${AUDIT_ACTIONS.deleted}' and ${deletedUserCreatedSinceSql('a', 'span.first')} and ${deletedAnonymousSql('a')}
          and ((a.payload -> 'traits') ->> 'user_created_at')::timestamptz >= span.first
        group by 1
     ), conversions as (
       select date_trunc($1, a.created_at) as start, count(*)::int as n
         from auth.audit_log_entries a, span
        where ${action('a')} in ('${AUDIT_ACTIONS.converted}', '${AUDIT_ACTIONS.merged}') and a.created_at >= span.first
        group by 1
     ), cleaned_up as (
       -- In the terms of foyer_audit_log_entries_cleanup_deleted_idx (migration 0017): only the entries' times are read.
       select date_trunc($1, a.created_at) as start, count(*)::int as n
         from auth.audit_log_entries a, span
        where ${action('a')} = '${AUDIT_ACTIONS.deleted}' and ((a.payload -> 'traits') ->> 'reason') = 'anonymous_cleanup'
          and a.created_at >= span.first
        group by 1
     )
     select b.start,
            coalesce(s.n, 0) + coalesce(d.n, 0) as anonymous_signups,
            coalesce(s.converted, 0) as converted_since,
            coalesce(c.n, 0) as conversions,
            coalesce(k.n, 0) as cleaned_up
       from buckets b
       left join signups s on s.start = b.start
       left join deleted_signups d on d.start = b.start
       left join conversions c on c.start = b.start
       left join cleaned_up k on k.start = b.start
      order by b.start`,
    [bucket, buckets],
  );
}

export interface ActiveRow {
  last_hour: number;
  last_day: number;
  last_7_days: number;
  last_30_days: number;
}

/**
 * Anonymous users by their latest activity (sign-in or refresh). Only the latest activity is stored,
 * so this is "active within the window as of now", not a history. Reads every anonymous user and every
 * session, each once.
 */
export async function readActiveAnonymous(db: Queryable): Promise<ActiveRow> {
  const rows = await db.query<ActiveRow>(
    `select (count(*) filter (where last_active_at >= now() - interval '1 hour'))::int as last_hour,
            (count(*) filter (where last_active_at >= now() - interval '1 day'))::int as last_day,
            (count(*) filter (where last_active_at >= now() - interval '7 days'))::int as last_7_days,
            (count(*) filter (where last_active_at >= now() - interval '30 days'))::int as last_30_days
       from (select ${lastActiveJoinedSql('u', 'a')} as last_active_at
               from auth.users u left join ${SESSIONS_ACTIVE_SQL} a on a.user_id = u.id
              where u.is_anonymous and u.deleted_at is null) x`,
  );
  return rows[0];
}
