/**
 * SQL for anonymous sign-ins: user, session, refresh token and AMR claim, with the rate-limit counter,
 * in one statement. Concurrent sign-ins share that statement (`Coalescer`): a burst of new visitors
 * costs one commit per batch instead of one per visitor, and each visitor's rows are still written
 * all together or not at all.
 */
import { batchRequestsSql, coalescerPerDb } from './coalesce.js';
import type { Db, Queryable } from './db.js';
import { batchCounterJson, batchCounterSql, batchCounterState, type Counted, type CounterState, type InlineCounter } from './rate-limits.js';
import { NIL_UUID, USER_FIELDS, type UserRow } from './users.js';

export interface NewAnonymousSession {
  userId: string;
  sessionId: string;
  refreshToken: string;
  aud: string;
  role: string;
  userMetadataJson: string;
  userAgent: string | null;
  ip: string | null;
}

interface SignInRequest {
  readonly session: NewAnonymousSession;
  /** Counted in the statement when present; a request over its limit writes nothing else. */
  readonly counter: InlineCounter | undefined;
}

/** One sign-in's outcome; `counter` is undefined for requests that were not counted here. */
interface SignInOutcome {
  readonly counter: CounterState | undefined;
  readonly result: UserRow | undefined;
}

/** The requests, from one jsonb array (`requestsJson`). */
const REQUESTS = batchRequestsSql(
  'user_id uuid, aud text, role text, meta jsonb, session_id uuid, user_agent text, ip inet, token text, rl_key text, rl_window_ms float8, rl_limit float8',
);

const counter = batchCounterSql('q');

/** Each insert reads `u`, so none runs without its user. */
const SIGN_IN_SQL = `with ${REQUESTS}, ${counter.ctes}, ok as (
       select q.* from q join ${counter.counted} c on c.i = q.i where c.allowed
     ), u as (
       insert into auth.users (instance_id, id, aud, role, email, phone, encrypted_password, raw_app_meta_data,
                               raw_user_meta_data, is_anonymous, is_sso_user, last_sign_in_at, created_at, updated_at)
       select '${NIL_UUID}', user_id, aud, role, null, null, '', '{}'::jsonb, meta, true, false, now(), now(), now() from ok
       returning *
     ), s as (
       insert into auth.sessions (id, user_id, aal, created_at, updated_at, user_agent, ip)
       select ok.session_id, u.id, 'aal1', now(), now(), ok.user_agent, ok.ip from ok join u on u.id = ok.user_id
     ), t as (
       insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
       select '${NIL_UUID}', ok.token, u.id, false, now(), now(), null, ok.session_id from ok join u on u.id = ok.user_id
     ), a as (
       insert into auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method)
       select auth.foyer_uuid_v7(), ok.session_id, now(), now(), 'anonymous' from ok join u on u.id = ok.user_id
     )
     select c.i, c.points, c.ms_before_next, ${USER_FIELDS}, '[]'::json as identities
       from q join ${counter.counted} c on c.i = q.i left join u on u.id = q.user_id
      order by c.i`;

/** The jsonb array of requests; the metadata is JSON already, so it goes in as it is. */
function requestsJson(requests: readonly SignInRequest[]): string {
  const rows = requests.map(({ session, counter: limit }, index) =>
    `{"i":${index},"user_id":${JSON.stringify(session.userId)},"aud":${JSON.stringify(session.aud)},` +
    `"role":${JSON.stringify(session.role)},"meta":${session.userMetadataJson},` +
    `"session_id":${JSON.stringify(session.sessionId)},"user_agent":${JSON.stringify(session.userAgent)},` +
    `"ip":${JSON.stringify(session.ip)},"token":${JSON.stringify(session.refreshToken)},` +
    `${batchCounterJson(limit)}}`,
  );
  return `[${rows.join(',')}]`;
}

type SignInRow = UserRow & { i: number; points: number | null; ms_before_next: number | null };

/** Runs `requests` as one statement; one outcome per request, in order. */
async function signInAll(db: Queryable, requests: readonly SignInRequest[]): Promise<SignInOutcome[]> {
  const rows = await db.query<SignInRow>(SIGN_IN_SQL, [requestsJson(requests)]);
  // Rows go on as they are (the extra columns are in no response schema): copying rows of thirty
  // columns to drop three costs more than the rest of this function.
  return rows.map((row) => ({
    counter: batchCounterState(row),
    result: row.id ? row : undefined,
  }));
}

/** Concurrent requests share statements of up to 64 requests each. */
const coalescerFor = coalescerPerDb<SignInRequest, SignInOutcome>('anonymous_sign_in', signInAll, 64);

/** An anonymous sign-in, written together with whatever other sign-ins are waiting for the database. */
export async function signInAnonymousUser(db: Db, session: NewAnonymousSession): Promise<UserRow> {
  return wroteUser(await coalescerFor(db).submit({ session, counter: undefined }));
}

/**
 * The same, counted against a rate limit in the same statement (and so the same commit): a request
 * over the limit is counted and writes nothing else; `result` is then undefined.
 */
export async function signInCountedAnonymousUser(db: Db, session: NewAnonymousSession, counter: InlineCounter): Promise<Counted<UserRow>> {
  const outcome = await coalescerFor(db).submit({ session, counter });
  if (!outcome.counter) throw new Error('the sign-in statement did not count the request');
  return { counter: outcome.counter, result: outcome.result };
}

/** One sign-in on its own statement, uncounted (fixtures, and callers inside a transaction). */
export async function insertAnonymousUserWithSession(db: Queryable, session: NewAnonymousSession): Promise<UserRow> {
  const [outcome] = await signInAll(db, [{ session, counter: undefined }]);
  return wroteUser(outcome);
}

function wroteUser(outcome: SignInOutcome): UserRow {
  if (!outcome.result) throw new Error('the sign-in statement wrote no user');
  return outcome.result;
}
