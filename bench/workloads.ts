/** What each measurement sends, prepared once (token pools, cookies) and run once per round. */
import { query } from './databases.js';
import { REST_LOGIN, type FoyerServer } from './foyer.js';
import { writeRestCallers, writeRestScripts } from './pgbench-rest.js';
import { getWithPool, jsonPost, postWithPool, runLoad, times, TokenChains, type LoadResult, type LoadShape } from './load.js';
import type { PeerServer } from './peer.js';
import { runPgbench } from './pgbench.js';
import type { MeasurementKey, Sample } from './report.js';

export interface Measurement {
  readonly key: MeasurementKey;
  /** The server process, whose CPU time per request is measured (HTTP contenders). */
  readonly pid?: number;
  /** HTTP measurements get a warm-up before their first round. */
  readonly http: boolean;
  /** Whether it runs on the local PostgreSQL, whose CPU time per request is measured too. */
  readonly onPostgres: boolean;
  run(seconds: number): Promise<Sample>;
}

function sample(result: LoadResult): Sample {
  const failed = result.non2xx + result.errors;
  const failures = Object.fromEntries(Object.entries(result.statusCodes).filter(([code]) => !code.startsWith('2')));
  if (result.errors) failures.errors = result.errors;
  const responses = result.ok + result.non2xx;
  const loadCpuMsPerRequest = result.loadCpuSeconds === undefined || responses === 0 ? undefined : (result.loadCpuSeconds * 1000) / responses;
  return {
    rps: result.rps,
    count: result.ok,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    ...(result.maxMs === undefined ? {} : { maxMs: result.maxMs }),
    failed,
    ...(failed ? { failures } : {}),
    ...(loadCpuMsPerRequest === undefined ? {} : { loadCpuMsPerRequest }),
  };
}

export function pgbenchMeasurement(key: MeasurementKey, url: string, script: string, connections: number): Measurement {
  return {
    key,
    http: false,
    onPostgres: true,
    async run(seconds) {
      const result = await runPgbench(url, script, connections, seconds);
      return { rps: result.tps, count: result.transactions, failed: result.failed };
    },
  };
}

async function postJson(url: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  return response;
}

/** Foyer as supabase-js calls it: the anon key as apikey and as bearer token. */
export const foyerHeaders = (server: FoyerServer): Record<string, string> => ({
  apikey: server.anonKey,
  authorization: `Bearer ${server.anonKey}`,
});

export const SIGNUP_PATH = '/auth/v1/signup';
export const REFRESH_PATH = '/auth/v1/token?grant_type=refresh_token';

export function foyerSignIn(key: MeasurementKey, server: FoyerServer, shape: LoadShape): Measurement {
  const request = jsonPost(SIGNUP_PATH, '{"data":{}}', foyerHeaders(server));
  const pid = server.child.process.pid;
  const onPostgres = server.databaseUrl !== undefined;
  return { key, pid, http: true, onPostgres, run: async (seconds) => sample(await runLoad({ ...shape, url: server.url, seconds, workload: request })) };
}

/**
 * The Data API's read under RLS: a table whose policy lets each user select their own rows (the seed
 * guide's pattern, `user_id = auth.uid()`), 4 rows per bench user. Inserts go to a table of the same
 * shape and policies of their own, so every round's read returns the same 4 rows (inserted into the read's
 * table, round 2 read some 200 rows per user and measured another query). The Data API finds the new
 * tables by reloading its schema cache on first use.
 */
const notesTableSql = (table: string) => `
  drop table if exists public.${table};
  create table public.${table} (
    id bigint generated always as identity primary key,
    user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
    body text not null
  );
  create index ${table}_user_id_idx on public.${table} (user_id);
  alter table public.${table} enable row level security;
  grant select, insert on public.${table} to authenticated;
  create policy "own notes" on public.${table} for select to authenticated using (user_id = (select auth.uid()));
  create policy "add own notes" on public.${table} for insert to authenticated with check (user_id = (select auth.uid()));`;
const restTableSql = (userIds: readonly string[]) => `
  ${notesTableSql('bench_notes')}
  ${notesTableSql('bench_new_notes')}
  insert into public.bench_notes (user_id, body)
    select u, 'note ' || n from unnest(array[${userIds.map((id) => `'${id}'`).join(',')}]::uuid[]) u, generate_series(1, 4) n;
  analyze public.bench_notes;`;
export const REST_PATH = '/rest/v1/bench_notes?select=id,body&order=id';
/** The Data API's insert, as supabase-js sends `.insert({ body }).select()`: the new row comes back. */
export const REST_INSERT_PATH = '/rest/v1/bench_new_notes?select=id,body,user_id';
export const REST_INSERT_BODY = '{"body":"a new note"}';

/**
 * Refresh rotations, GET /user and the Data API read need sessions first: `2 × connections` anonymous
 * sign-ins. Each rotation presents the newest token of a chain, so no token is presented twice.
 */
export interface SessionMeasurementOptions {
  /** Also the Data API's limit lines (pgbench), with their scripts written into `dir`. */
  readonly limits?: { readonly dir: string };
}

export async function foyerSessionMeasurements(server: FoyerServer, shape: LoadShape, options: SessionMeasurementOptions = {}): Promise<Measurement[]> {
  const sessions = await times(shape.connections * 2, 8, async () => {
    const response = await postJson(`${server.url}${SIGNUP_PATH}`, { data: {} }, foyerHeaders(server));
    return (await response.json()) as { access_token: string; refresh_token: string; user: { id: string } };
  });
  const chains = new TokenChains(sessions.map((s) => ({ token: s.refresh_token, owner: s.user.id })));
  const refresh = { kind: 'chains', path: REFRESH_PATH, headers: foyerHeaders(server), chains } as const;
  const users = sessions.map((s) => ({ apikey: server.anonKey, authorization: `Bearer ${s.access_token}` }));
  const getUser = getWithPool('/auth/v1/user', users);
  const pid = server.child.process.pid;
  const measurements: Measurement[] = [
    {
      key: 'foyer-refresh',
      pid,
      http: true,
      onPostgres: true,
      run: async (seconds) => sample(await runLoad({ ...shape, url: server.url, seconds, workload: refresh })),
    },
    { key: 'foyer-user', pid, http: true, onPostgres: true, run: async (seconds) => sample(await runLoad({ ...shape, url: server.url, seconds, workload: getUser })) },
  ];
  const { restUrl } = server;
  if (server.databaseUrl && restUrl) {
    await query(server.databaseUrl, restTableSql(sessions.map((s) => s.user.id)));
    // RLS must hand each user exactly their 4 rows: a policy that let nothing (or everything) through would still answer 200.
    const probe = await fetch(`${restUrl}${REST_PATH}`, { headers: users[0] });
    const rows = (await probe.json()) as unknown;
    if (probe.status !== 200 || !Array.isArray(rows) || rows.length !== 4) {
      throw new Error(`the Data API read answered ${probe.status} ${JSON.stringify(rows).slice(0, 200)}; expected the user's 4 rows`);
    }
    const read = getWithPool(REST_PATH, users);
    measurements.push({ key: 'foyer-rest', pid, http: true, onPostgres: true, run: async (seconds) => sample(await runLoad({ ...shape, url: restUrl, seconds, workload: read })) });
    const inserting = users.map((headers) => ({ ...headers, prefer: 'return=representation' }));
    const inserted = await fetch(`${restUrl}${REST_INSERT_PATH}`, { method: 'POST', headers: { ...inserting[0], 'content-type': 'application/json' }, body: REST_INSERT_BODY });
    const row = ((await inserted.json()) as { user_id?: string }[] | null)?.[0];
    if (inserted.status !== 201 || row?.user_id !== sessions[0].user.id) {
      throw new Error(`the Data API insert answered ${inserted.status} ${JSON.stringify(row).slice(0, 200)}; expected the new row, the user's own`);
    }
    if (server.restDatabaseUrl && options.limits) {
      // The same transactions straight from pgbench, as the same login, for the same users.
      const callers = sessions.map((session, i) => {
        const claims = JSON.parse(Buffer.from(session.access_token.split('.')[1], 'base64url').toString('utf8')) as { session_id: string };
        const headers = { host: new URL(restUrl).host, ...users[i], 'x-forwarded-for': '198.18.0.1', 'user-agent': 'wrk' };
        return { userId: session.user.id, sessionId: claims.session_id, claims: JSON.stringify(claims), headers: JSON.stringify(headers) };
      });
      await writeRestCallers(server.databaseUrl, REST_LOGIN, callers);
      const scripts = writeRestScripts(options.limits.dir, callers.length);
      measurements.push(pgbenchMeasurement('limit-rest', server.restDatabaseUrl, scripts.read, shape.connections));
      measurements.push(pgbenchMeasurement('limit-rest-insert', server.restDatabaseUrl, scripts.insert, shape.connections));
    }
    const insert = postWithPool(REST_INSERT_PATH, REST_INSERT_BODY, inserting);
    measurements.push({ key: 'foyer-rest-insert', pid, http: true, onPostgres: true, run: async (seconds) => sample(await runLoad({ ...shape, url: restUrl, seconds, workload: insert })) });
  }
  return measurements;
}

export function peerSignIn(peer: PeerServer, shape: LoadShape): Measurement {
  const request = jsonPost('/api/auth/sign-in/anonymous', '{}');
  return { key: 'peer-signin', pid: peer.child.process.pid, http: true, onPostgres: true, run: async (seconds) => sample(await runLoad({ ...shape, url: peer.url, seconds, workload: request })) };
}

/** get-session with the session cookie of one of `2 × connections` anonymous users. */
export async function peerSession(peer: PeerServer, shape: LoadShape): Promise<Measurement> {
  const cookies = await times(shape.connections * 2, 8, async () => {
    const response = await postJson(`${peer.url}/api/auth/sign-in/anonymous`, {}, {});
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('better-auth.session_token='));
    if (!cookie) throw new Error('Better Auth sign-in set no session cookie');
    await response.arrayBuffer();
    return { cookie: cookie.split(';')[0] };
  });
  // get-session answers 200 with `null` for an unknown cookie: check that the cookies really work.
  const check = await fetch(`${peer.url}/api/auth/get-session`, { headers: cookies[0] });
  if (!((await check.json()) as { session?: unknown } | null)?.session) throw new Error('Better Auth get-session: the cookie gave no session');
  const request = getWithPool('/api/auth/get-session', cookies);
  return {
    key: 'peer-session',
    pid: peer.child.process.pid,
    http: true,
    onPostgres: true,
    run: async (seconds) => sample(await runLoad({ ...shape, url: peer.url, seconds, workload: request })),
  };
}
