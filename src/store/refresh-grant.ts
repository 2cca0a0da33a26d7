/**
 * SQL for POST /token?grant_type=refresh_token. Every outcome (rotation, lost-response recovery,
 * reuse detection, expiry, bans) is decided by `foyer.refresh_token_grant` (migrations 0003, 0011).
 * The common case, a live token of a valid session, is first tried as one plain statement: it does
 * the same writes with a fraction of the function's per-statement work (one snapshot, one plan, each
 * relation locked once). When it rotates nothing, the function decides, as it always could.
 */
import type { Queryable, SqlParam } from './db.js';
import { counterParams, inlineCounterSql, type Counted, type CounterState, type InlineCounter } from './rate-limits.js';
import type { AmrEntry } from './sessions.js';
import { USER_COLUMNS, type UserRow } from './users.js';

export type RefreshOutcome =
  | 'rotated'
  | 'reissued'
  | 'refresh_token_not_found'
  | 'session_not_found'
  | 'session_expired'
  | 'user_banned'
  | 'refresh_token_already_used';

export interface RefreshRow extends UserRow {
  outcome: RefreshOutcome;
  refresh_token: string | null;
  session_id: string | null;
  aal: string | null;
  amr: AmrEntry[] | null;
}

export interface RefreshInput {
  token: string;
  newToken: string;
  reuseIntervalSeconds: number;
  rotationEnabled: boolean;
  timeboxSeconds: number;
  inactivitySeconds: number;
  userAgent: string | null;
  ip: string | null;
}

const grantParams = (input: RefreshInput): SqlParam[] => [
  input.token, input.newToken, input.reuseIntervalSeconds, input.rotationEnabled, input.timeboxSeconds,
  input.inactivitySeconds, input.userAgent, input.ip,
];

const GRANT_SQL = `select r.outcome, r.refresh_token, r.session_id, r.aal, r.amr, ${USER_COLUMNS}
       from foyer.refresh_token_grant($1, $2, $3, $4, $5, $6, $7, $8) r
       left join auth.users u on u.id = r.user_id`;

/** The function's answer for every case. */
async function grant(db: Queryable, input: RefreshInput): Promise<RefreshRow> {
  const rows = await db.query<RefreshRow>(GRANT_SQL, grantParams(input));
  return rows[0];
}

const rotationParams = (input: RefreshInput): SqlParam[] => [
  input.token, input.newToken, input.timeboxSeconds, input.inactivitySeconds, input.userAgent, input.ip,
];

/**
 * The common rotation, `$1…$6` = `rotationParams`, written only when `gate` (SQL, may be empty) holds.
 * Same lock order as the function: the session row first, then the token. The token is revoked only
 * while still live, so of two concurrent rotations of one token exactly one rotates here (the other
 * re-reads it as revoked, rotates nothing, and goes to the function: lost-response recovery).
 * The session checks are the negations of the function's expiry and ban checks.
 */
const rotationCtes = (gate: string) => `sess as (
       select s.id, s.user_id, s.aal
         from auth.sessions s join auth.users u on u.id = s.user_id
        where s.id = (select t.session_id from auth.refresh_tokens t where t.token = $1)
          and (s.not_after is null or now() <= s.not_after)
          and ($3::float8 <= 0 or now() <= s.created_at + make_interval(secs => $3::float8))
          and ($4::float8 <= 0 or now() <= coalesce(s.refreshed_at at time zone 'UTC', s.updated_at, s.created_at)
                                           + make_interval(secs => $4::float8))
          and not coalesce(u.banned_until > now(), false)
          ${gate}
          for update of s
     ), revoked as (
       update auth.refresh_tokens t set revoked = true, updated_at = now()
         from sess where t.token = $1 and t.session_id = sess.id and not coalesce(t.revoked, false)
       returning t.instance_id, t.user_id, t.token, t.session_id
     ), child as (
       insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
       select r.instance_id, $2, r.user_id, false, now(), now(), r.token, r.session_id from revoked r
     ), touched as (
       update auth.sessions s
          set refreshed_at = now() at time zone 'UTC', updated_at = now(), user_agent = $5, ip = $6::inet
         from revoked r where s.id = r.session_id
     )`;

const ROTATED = `select 'rotated'::text as outcome, $2::text as refresh_token, sess.id as session_id,
            coalesce(sess.aal::text, 'aal1') as aal,
            coalesce((select jsonb_agg(jsonb_build_object('method', c.authentication_method,
                                                          'timestamp', floor(extract(epoch from c.created_at))::bigint)
                                       order by c.created_at desc)
                        from auth.mfa_amr_claims c where c.session_id = sess.id), '[]'::jsonb) as amr,
            ${USER_COLUMNS}
       from revoked r join sess on sess.id = r.session_id join auth.users u on u.id = sess.user_id`;

const ROTATION_SQL = `with ${rotationCtes('')}
     ${ROTATED}`;

const counted = inlineCounterSql(7);
const COUNTED_ROTATION_SQL = `with ${counted.cte}, ${rotationCtes(`and (select ${counted.allowed} from rl)`)}
     select rl.points, rl.ms_before_next, f.* from rl left join (${ROTATED}) f on true`;

/** Rotation, reuse detection and the session's user: one round trip in the common case. */
export async function rotateRefreshToken(db: Queryable, input: RefreshInput): Promise<RefreshRow> {
  const [rotated] = await db.query<RefreshRow>(ROTATION_SQL, rotationParams(input));
  return rotated ?? grant(db, input);
}

/**
 * The same, counted against a rate limit in the rotation's statement: a request over the limit is
 * counted and touches no token; `result` is then undefined.
 */
export async function rotateCountedRefreshToken(
  db: Queryable,
  input: RefreshInput,
  counter: InlineCounter,
): Promise<Counted<RefreshRow>> {
  const [row] = await db.query<RefreshRow & CounterState>(COUNTED_ROTATION_SQL, [...rotationParams(input), ...counterParams(counter)]);
  // The row goes on as it is (its two counter columns are not in any response schema): copying a
  // row of thirty columns to drop two costs more than the rest of this function.
  const state = { points: row.points, ms_before_next: row.ms_before_next };
  if (state.points > counter.limit) return { counter: state, result: undefined };
  return { counter: state, result: row.outcome ? row : await grant(db, input) };
}
