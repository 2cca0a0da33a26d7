/** SQL for auth.sessions, auth.refresh_tokens and auth.mfa_amr_claims. */
import type { Queryable, SqlParam } from './db.js';
import { counterParams, inlineCounterSql, type CounterState, type InlineCounter } from './rate-limits.js';
import { NIL_UUID, USER_COLUMNS, type UserRow } from './users.js';

export interface AmrEntry {
  method: string;
  timestamp: number;
}

export interface NewSession {
  userId: string;
  sessionId: string;
  refreshToken: string;
  authenticationMethod: string;
  userAgent: string | null;
  ip: string | null;
}

/**
 * Starts a session for an existing user in one statement (session, refresh token, AMR claim,
 * last_sign_in_at) and returns the user as it now is.
 */
export async function startSession(db: Queryable, input: NewSession): Promise<UserRow | undefined> {
  const rows = await db.query<UserRow>(
    `with s as (
       insert into auth.sessions (id, user_id, aal, created_at, updated_at, user_agent, ip)
       values ($2, $1, 'aal1', now(), now(), $5, $6::inet)
     ), r as (
       insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
       values ('${NIL_UUID}', $3, $1, false, now(), now(), null, $2)
     ), a as (
       insert into auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method)
       values (gen_random_uuid(), $2, now(), now(), $4)
     ), u as (
       update auth.users set last_sign_in_at = now(), updated_at = now() where id = $1 returning *
     )
     select ${USER_COLUMNS} from u`,
    [input.userId, input.sessionId, input.refreshToken, input.authenticationMethod, input.userAgent, input.ip],
  );
  return rows[0];
}

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

const refreshParams = (input: RefreshInput): SqlParam[] => [
  input.token, input.newToken, input.reuseIntervalSeconds, input.rotationEnabled, input.timeboxSeconds,
  input.inactivitySeconds, input.userAgent, input.ip,
];

const GRANT = 'foyer.refresh_token_grant($1, $2, $3, $4, $5, $6, $7, $8)';

const REFRESH_SQL = `select r.outcome, r.refresh_token, r.session_id, r.aal, r.amr, ${USER_COLUMNS}
       from ${GRANT} r
       left join auth.users u on u.id = r.user_id`;

const counted = inlineCounterSql(9);
// "offset 0" keeps the subquery from being merged into the join, so the limit check stays a gate in
// front of the grant (a one-time filter): a refused request never reaches the token.
const COUNTED_REFRESH_SQL = `with ${counted.cte}
     select rl.points, rl.ms_before_next, r.outcome, r.refresh_token, r.session_id, r.aal, r.amr, ${USER_COLUMNS}
       from rl
       left join lateral (select * from ${GRANT} g where ${counted.allowed} offset 0) r on true
       left join auth.users u on u.id = r.user_id`;

/** Rotation, reuse detection and the session's user in one round trip (see migration 0003). */
export async function rotateRefreshToken(db: Queryable, input: RefreshInput): Promise<RefreshRow> {
  const rows = await db.query<RefreshRow>(REFRESH_SQL, refreshParams(input));
  return rows[0];
}

/**
 * The same rotation counted against a rate limit in the same statement: a request over the limit is
 * counted and touches no token; `grant` is then undefined.
 */
export async function rotateCountedRefreshToken(
  db: Queryable,
  input: RefreshInput,
  counter: InlineCounter,
): Promise<{ counter: CounterState; grant: RefreshRow | undefined }> {
  const [row] = await db.query<RefreshRow & CounterState>(COUNTED_REFRESH_SQL, [...refreshParams(input), ...counterParams(counter)]);
  const { points, ms_before_next, ...grant } = row;
  return { counter: { points, ms_before_next }, grant: grant.outcome ? grant : undefined };
}

export type LogoutScope = 'global' | 'local' | 'others';

/** Deletes sessions (refresh tokens and AMR claims cascade). */
export async function deleteSessions(db: Queryable, userId: string, sessionId: string | null, scope: LogoutScope): Promise<number> {
  // Every statement sent must use each parameter it is given (a prepared statement refuses extras).
  if (scope === 'global') {
    const rows = await db.query<{ id: string }>('delete from auth.sessions where user_id = $1 returning id', [userId]);
    return rows.length;
  }
  const condition = scope === 'local' ? 'id = $2::uuid' : '($2::uuid is null or id <> $2::uuid)';
  const rows = await db.query<{ id: string }>(
    `delete from auth.sessions where user_id = $1 and ${condition} returning id`,
    [userId, sessionId],
  );
  return rows.length;
}

export async function listUserSessions(
  db: Queryable,
  userId: string,
): Promise<
  { id: string; created_at: string | null; updated_at: string | null; refreshed_at: string | null; user_agent: string | null; ip: string | null; aal: string | null; not_after: string | null }[]
> {
  return db.query(
    `select id, created_at, updated_at, refreshed_at, user_agent, host(ip) as ip, aal::text as aal, not_after
       from auth.sessions where user_id = $1 order by created_at desc limit 500`,
    [userId],
  );
}
