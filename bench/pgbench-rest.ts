/**
 * The Data API's limit lines: pgbench running the transaction Foyer runs for one Data API request, as
 * the Data API's own login (drop-in mode), statement for statement: BEGIN; the caller's settings and
 * role (src/rest/execute.ts); the session check; the read (or the insert returning its row) as
 * src/rest/sql builds it for the bench's request; COMMIT. Each pgbench client is one of the bench's
 * users: its claims, session and headers come from `bench_rest_callers`, read once per client.
 * The whole transaction goes as one pipeline (one round trip, as Foyer sends a read), so this is what
 * the database can do for that transaction at best. pgbench prepares a pipeline's statements before
 * running any of them, so the session takes on the API role once first (as the login, which does not
 * inherit it, the session check could not even be prepared); each transaction still sets it itself.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { query } from './databases.js';

export interface RestCaller {
  readonly userId: string;
  readonly sessionId: string;
  /** The access token's payload, as Foyer sets it in request.jwt.claims. */
  readonly claims: string;
  /** The request's headers as JSON, as Foyer sets them in request.headers. */
  readonly headers: string;
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The callers' table, readable by the Data API's login (which reads it before each client's first transaction). */
export async function writeRestCallers(databaseUrl: string, login: string, callers: readonly RestCaller[]): Promise<void> {
  const rows = callers.map((c, i) => `(${i}, ${literal(c.userId)}, ${literal(c.sessionId)}, ${literal(c.claims)}, ${literal(c.headers)})`);
  await query(
    databaseUrl,
    `drop table if exists public.bench_rest_callers;
     create table public.bench_rest_callers (n int primary key, sub text not null, sid text not null, claims text not null, headers text not null);
     insert into public.bench_rest_callers values ${rows.join(', ')};
     grant select on public.bench_rest_callers to ${login};`,
  );
}

const CALLER = (count: number) => `\\if :started = 0
select sub, sid, claims, headers from public.bench_rest_callers where n = :client_id % ${count} \\gset
set role authenticated;
\\set started 1
\\endif
\\set maxrows 1000`;

/** execute.ts's prelude for a read (transaction_read_only) or a write, with the role's statement_timeout. */
const prelude = (method: 'GET' | 'POST', path: string) =>
  `select set_config('search_path', '"public"', true), set_config('request.jwt.claims', :claims, true),
       set_config('request.jwt.claim.sub', :sub, true), set_config('request.jwt.claim.role', 'authenticated', true),
       set_config('request.method', '${method}', true), set_config('request.path', '${path}', true),
       set_config('request.headers', :headers, true)${method === 'GET' ? `, set_config('transaction_read_only', 'on', true)` : ''}, set_config('statement_timeout', '8s', true), set_config('role', 'authenticated', true);`;

const SESSION = `select auth.foyer_rest_require_session(:sid::uuid, :sub::uuid);`;

/** `GET /rest/v1/bench_notes?select=id,body&order=id` (max rows 1000). */
const READ = `select coalesce(json_agg("pgrst_page"), '[]'::json)::text as body, count(*)::text as page_total from (select "pgrst_t0"."id" as "id", "pgrst_t0"."body" as "body" from "public"."bench_notes" as "pgrst_t0" order by "pgrst_t0"."id" limit :maxrows::int8) as "pgrst_page";`;

/** `POST /rest/v1/bench_new_notes?select=id,body,user_id` with `{"body":"a new note"}`, return=representation. */
const INSERT = `with "pgrst_source" as (insert into "public"."bench_new_notes" ("body") select "body" from json_populate_recordset(null::"public"."bench_new_notes", (select case when json_typeof("pgrst_j") = 'array' then "pgrst_j" else json_build_array("pgrst_j") end from (select '{"body":"a new note"}'::json as "pgrst_j") as "pgrst_payload")) as "pgrst_body" returning *) select coalesce(json_agg("pgrst_page"), '[]'::json)::text as body, count(*)::text as page_total from (select "pgrst_t0"."id" as "id", "pgrst_t0"."body" as "body", "pgrst_t0"."user_id" as "user_id" from "pgrst_source" as "pgrst_t0") as "pgrst_page";`;

const transaction = (callers: number, method: 'GET' | 'POST', path: string, statement: string) => `${CALLER(callers)}
\\startpipeline
begin;
${prelude(method, path)}
${SESSION}
${statement}
commit;
\\endpipeline
`;

export interface RestScripts {
  readonly read: string;
  readonly insert: string;
}

export function writeRestScripts(dir: string, callers: number): RestScripts {
  const read = join(dir, 'rest-read.sql');
  const insert = join(dir, 'rest-insert.sql');
  writeFileSync(read, transaction(callers, 'GET', '/bench_notes', READ));
  writeFileSync(insert, transaction(callers, 'POST', '/bench_new_notes', INSERT));
  return { read, insert };
}
