/**
 * SQL for POST /token?grant_type=refresh_token. Every outcome (rotation, lost-response recovery,
 * reuse detection, expiry, bans, OAuth clients' sessions) is decided by `auth.foyer_refresh_token_grant`
 * (migrations 0001, 0014).
 * The common case, a live token of a valid session, is first tried as one plain statement shared by
 * the concurrent refreshes (`Coalescer`): it does the same writes with a fraction of the function's
 * per-statement work (one snapshot, one plan, each relation locked once, one commit for the batch).
 * When it rotates nothing for a request, the function decides, as it always could.
 */
import { batchRequestsSql, coalescerPerDb } from './coalesce.js';
import type { Db, Queryable, SqlParam } from './db.js';
import { batchCounterJson, batchCounterSql, batchCounterState, type Counted, type CounterState, type InlineCounter } from './rate-limits.js';
import { sessionAmrSql } from './mfa-sessions.js';
import type { AmrEntry } from './sessions.js';
import { USER_COLUMNS, type UserRow } from './users.js';

export type RefreshOutcome =
  | 'rotated'
  | 'reissued'
  | 'refresh_token_not_found'
  | 'session_not_found'
  | 'session_expired'
  | 'user_banned'
  | 'refresh_token_already_used'
  | 'oauth_client_required'
  | 'oauth_client_not_allowed'
  | 'oauth_client_mismatch';

export interface RefreshRow extends UserRow {
  outcome: RefreshOutcome;
  refresh_token: string | null;
  session_id: string | null;
  aal: string | null;
  amr: AmrEntry[] | null;
  /** The OAuth scopes of a session begun for an OAuth client (migration 0014); null otherwise. */
  scopes?: string | null;
}

/** What decides a refresh besides the token, the same for both of GoTrue's token formats. */
export interface SessionRotationRules {
  readonly reuseIntervalSeconds: number;
  readonly rotationEnabled: boolean;
  readonly timeboxSeconds: number;
  readonly inactivitySeconds: number;
  readonly userAgent: string | null;
  readonly ip: string | null;
}

export interface RefreshInput extends SessionRotationRules {
  token: string;
  newToken: string;
  /** The OAuth client that authenticated (POST /oauth/token); its sessions refresh only with it. */
  oauthClientId?: string | null;
}

const grantParams = (input: RefreshInput): SqlParam[] => [
  input.token, input.newToken, input.reuseIntervalSeconds, input.rotationEnabled, input.timeboxSeconds,
  input.inactivitySeconds, input.userAgent, input.ip, input.oauthClientId ?? null,
];

// The amr list is read here rather than taken from the function (which orders by created_at): one
// definition, GoTrue's, for every token (src/store/mfa-sessions.ts).
const GRANT_SQL = `select r.outcome, r.refresh_token, r.session_id, r.aal, r.scopes,
            case when r.outcome in ('rotated', 'reissued') then ${sessionAmrSql('r.session_id')} end as amr, ${USER_COLUMNS}
       from auth.foyer_refresh_token_grant($1, $2, $3, $4, $5, $6, $7, $8, $9::uuid) r
       left join auth.users u on u.id = r.user_id`;

/** The function's answer for every case (OAuth clients' refreshes go straight here: they are few). */
export async function grant(db: Queryable, input: RefreshInput): Promise<RefreshRow> {
  const rows = await db.query<RefreshRow>(GRANT_SQL, grantParams(input));
  return rows[0];
}

/**
 * The common rotation for a batch of requests (`$1`: a jsonb array, `requestsJson`), counted against
 * each request's rate limit. Per token, only the first allowed request rotates here; a second one in
 * the same batch, like any request that rotates nothing, goes to the function after this statement
 * commits (for a duplicate: lost-response recovery, exactly as for two concurrent requests).
 * Lock order is the function's own: sessions first (in id order, so concurrent batches cannot
 * deadlock), then tokens. A token is revoked only while still live, so of two concurrent rotations
 * of one token exactly one rotates. The session checks are the negations of the function's expiry
 * and ban checks.
 */
const counter = batchCounterSql('q');
const REQUESTS = batchRequestsSql(
  'token text, new_token text, timebox float8, inactivity float8, user_agent text, ip inet, rl_key text, rl_window_ms float8, rl_limit float8',
);
const ROTATION_SQL = `with ${REQUESTS}, ${counter.ctes}, lead as (
       select distinct on (q.token) q.* from q join ${counter.counted} c on c.i = q.i where c.allowed order by q.token, q.i
     ), sess as (
       select s.id, s.user_id, s.aal, lead.i, lead.token, lead.new_token, lead.user_agent, lead.ip
         from lead
         join auth.refresh_tokens t on t.token = lead.token
         join auth.sessions s on s.id = t.session_id
         join auth.users u on u.id = s.user_id
        where (s.not_after is null or now() <= s.not_after)
          and (lead.timebox <= 0 or now() <= s.created_at + make_interval(secs => lead.timebox))
          and (lead.inactivity <= 0 or now() <= coalesce(s.refreshed_at at time zone 'UTC', s.updated_at, s.created_at)
                                                + make_interval(secs => lead.inactivity))
          and not coalesce(u.banned_until > now(), false)
          and s.oauth_client_id is null
        order by s.id
          for update of s
     ), revoked as (
       update auth.refresh_tokens t set revoked = true, updated_at = now()
         from sess where t.token = sess.token and t.session_id = sess.id and not coalesce(t.revoked, false)
       returning t.instance_id, t.user_id, t.token, t.session_id
     ), rotated as (
       select sess.*, r.instance_id from revoked r join sess on sess.token = r.token
     ), child as (
       insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
       select instance_id, new_token, user_id::text, false, now(), now(), token, id from rotated
     ), touched as (
       update auth.sessions s
          set refreshed_at = now() at time zone 'UTC', updated_at = now(), user_agent = x.user_agent, ip = x.ip
         from (select distinct on (id) id, user_agent, ip from rotated order by id, i desc) x where s.id = x.id
     )
     select c.i, c.points, c.ms_before_next,
            case when rot.i is not null then 'rotated' end as outcome, rot.new_token as refresh_token,
            rot.id as session_id, coalesce(rot.aal::text, 'aal1') as aal,
            ${sessionAmrSql('rot.id')} as amr,
            ${USER_COLUMNS}
       from ${counter.counted} c
       left join rotated rot on rot.i = c.i
       left join auth.users u on u.id = rot.user_id
      order by c.i`;

interface RotationRequest {
  readonly input: RefreshInput;
  /** Counted in the statement when present; a request over its limit touches no token. */
  readonly counter: InlineCounter | undefined;
}

function requestsJson(requests: readonly RotationRequest[]): string {
  const rows = requests.map(({ input, counter: limit }, index) =>
    `{"i":${index},"token":${JSON.stringify(input.token)},"new_token":${JSON.stringify(input.newToken)},` +
    `"timebox":${input.timeboxSeconds},"inactivity":${input.inactivitySeconds},` +
    `"user_agent":${JSON.stringify(input.userAgent)},"ip":${JSON.stringify(input.ip)},` +
    `${batchCounterJson(limit)}}`,
  );
  return `[${rows.join(',')}]`;
}

type RotationRow = Omit<RefreshRow, 'outcome'> & { i: number; outcome: 'rotated' | null; points: number | null; ms_before_next: number | null };

interface RotationOutcome {
  readonly counter: CounterState | undefined;
  /** The rotation; undefined when this statement rotated nothing for the request (or refused it). */
  readonly row: RefreshRow | undefined;
}

async function rotateAll(db: Queryable, requests: readonly RotationRequest[]): Promise<RotationOutcome[]> {
  const rows = await db.query<RotationRow>(ROTATION_SQL, [requestsJson(requests)]);
  // The rows go on as they are (their extra columns are in no response schema).
  return rows.map((row) => ({ counter: batchCounterState(row), row: row.outcome === 'rotated' ? (row as RefreshRow) : undefined }));
}

/** Concurrent requests share statements of up to 64 requests each. */
const coalescerFor = coalescerPerDb<RotationRequest, RotationOutcome>('refresh_rotation', rotateAll, 64);

/**
 * Rotation, reuse detection and the session's user. The common case shares one statement with the
 * other refreshes waiting for the database; anything else is the function's to decide.
 */
export async function rotateRefreshToken(db: Db, input: RefreshInput): Promise<RefreshRow> {
  const outcome = await coalescerFor(db).submit({ input, counter: undefined });
  return outcome.row ?? grant(db, input);
}

/**
 * The same, counted against a rate limit in the rotation's statement: a request over the limit is
 * counted and touches no token; `result` is then undefined.
 */
export async function rotateCountedRefreshToken(db: Db, input: RefreshInput, counter: InlineCounter): Promise<Counted<RefreshRow>> {
  const outcome = await coalescerFor(db).submit({ input, counter });
  if (!outcome.counter) throw new Error('the rotation statement did not count the request');
  if (outcome.counter.points > counter.limit) return { counter: outcome.counter, result: undefined };
  return { counter: outcome.counter, result: outcome.row ?? (await grant(db, input)) };
}
