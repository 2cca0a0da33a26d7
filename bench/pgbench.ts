/**
 * The limit: pgbench running the leanest SQL for the same writes Foyer does, one round trip each, on the
 * same database. Scripts are written to a temp dir; pgbench runs with -M prepared.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { query } from './databases.js';
import { runToEnd } from './processes.js';

const PGBENCH = '/usr/bin/pgbench';
const NIL = '00000000-0000-0000-0000-000000000000';
/** Seeded sessions (and their users) for the refresh chains: one per pgbench client. */
const seedId = (client: string) => `('00000000-0000-4000-8000-' || lpad(${client}::text, 12, '0'))::uuid`;

/** The writes of one anonymous sign-in, as one statement: user, session, refresh token, AMR claim. */
export const SIGN_IN_SQL = `
with u as (
  insert into auth.users (instance_id, id, aud, role, email, phone, encrypted_password, raw_app_meta_data,
                          raw_user_meta_data, is_anonymous, is_sso_user, last_sign_in_at, created_at, updated_at)
  values ('${NIL}', gen_random_uuid(), 'authenticated', 'authenticated', null, null, '', '{}'::jsonb, '{}'::jsonb,
          true, false, now(), now(), now())
  returning id
), s as (
  insert into auth.sessions (id, user_id, aal, created_at, updated_at, user_agent, ip)
  select gen_random_uuid(), u.id, 'aal1', now(), now(), null, '127.0.0.1'::inet from u
  returning id, user_id
), r as (
  insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
  select '${NIL}', left(md5(random()::text), 12), s.user_id, false, now(), now(), null, s.id from s
), a as (
  insert into auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method)
  select gen_random_uuid(), s.id, now(), now(), 'anonymous' from s
)
select 1;
`;

/**
 * One refresh rotation, as one statement: lock the presented token, revoke it, insert its child, and
 * record the refresh on the session (refreshed_at, user agent, IP: GoTrue writes these too). Each
 * client follows its own chain: the child token goes back into :tok (\gset) for the next transaction;
 * its first transaction finds the chain's live token by the client's seeded session.
 */
export const REFRESH_SQL = `
\\if :started = 0
select t.token as tok from auth.refresh_tokens t
 where t.session_id = ${seedId(':client_id')} and not t.revoked order by t.id desc limit 1 \\gset
\\set started 1
\\endif
with old as (
  select t.id, t.instance_id, t.token, t.user_id, t.session_id
    from auth.refresh_tokens t where t.token = :tok and not t.revoked for update
), rev as (
  update auth.refresh_tokens t set revoked = true, updated_at = now() from old where t.id = old.id
), sess as (
  update auth.sessions s set refreshed_at = now() at time zone 'UTC', updated_at = now(), user_agent = null, ip = '127.0.0.1'::inet
    from old where s.id = old.session_id
), child as (
  insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
  select old.instance_id, left(md5(random()::text), 12), old.user_id, false, now(), now(), old.token, old.session_id
    from old
  returning token
)
select token as tok from child \\gset
`;

export interface PgbenchScripts {
  readonly signIn: string;
  readonly refresh: string;
}

export function writeScripts(dir: string): PgbenchScripts {
  const signIn = join(dir, 'sign-in.sql');
  const refresh = join(dir, 'refresh.sql');
  writeFileSync(signIn, SIGN_IN_SQL);
  writeFileSync(refresh, REFRESH_SQL);
  return { signIn, refresh };
}

/** One session with one live refresh token per pgbench client (ids derived from the client number). */
export async function seedRefreshChains(url: string, clients: number): Promise<void> {
  await query(
    url,
    `insert into auth.users (instance_id, id, aud, role, encrypted_password, raw_app_meta_data, raw_user_meta_data,
                             is_anonymous, is_sso_user, created_at, updated_at)
       select '${NIL}', ${seedId('i')}, 'authenticated', 'authenticated', '', '{}', '{}', true, false, now(), now()
         from generate_series(0, ${clients - 1}) i on conflict do nothing;
     insert into auth.sessions (id, user_id, aal, created_at, updated_at)
       select ${seedId('i')}, ${seedId('i')}, 'aal1', now(), now()
         from generate_series(0, ${clients - 1}) i on conflict do nothing;
     insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, session_id)
       select '${NIL}', 'pgbseed' || lpad(i::text, 5, '0'), ${seedId('i')}::text, false, now(), now(), ${seedId('i')}
         from generate_series(0, ${clients - 1}) i on conflict do nothing;`,
  );
}

export interface PgbenchResult {
  readonly tps: number;
  readonly transactions: number;
  readonly latencyAvgMs: number;
  readonly failed: number;
}

export async function runPgbench(url: string, script: string, clients: number, seconds: number): Promise<PgbenchResult> {
  const target = new URL(url);
  const args = [
    '-n', '-M', 'prepared', '-c', String(clients), '-j', '2', '-T', String(seconds), '-f', script, '-D', 'started=0',
    '-h', target.hostname, '-p', target.port || '5432', '-U', decodeURIComponent(target.username || 'postgres'),
    target.pathname.slice(1),
  ];
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(target.password) || process.env.PGPASSWORD };
  const output = await runToEnd('pgbench', PGBENCH, args, { env });
  const tps = output.match(/^tps = ([\d.]+)/m);
  if (!tps) throw new Error(`pgbench printed no tps:\n${output}`);
  const latency = output.match(/^latency average = ([\d.]+) ms/m);
  const failed = output.match(/^number of failed transactions: (\d+)/m);
  const transactions = output.match(/^number of transactions actually processed: (\d+)/m);
  return { tps: Number(tps[1]), transactions: transactions ? Number(transactions[1]) : NaN, latencyAvgMs: latency ? Number(latency[1]) : NaN, failed: failed ? Number(failed[1]) : 0 };
}
