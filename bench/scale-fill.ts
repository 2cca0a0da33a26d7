/**
 * Fills a migrated Foyer database with N users for `--scale`, set-based (generate_series), with rows
 * shaped as Foyer itself writes them: the anonymous sign-in's user, session, refresh token and AMR claim
 * (src/store/anonymous-sign-in.ts); a conversion's address, `email` identity, provider metadata and
 * `user_converted` audit entry (src/auth/email-change.ts, promotion.ts); `login` entries afterwards.
 *
 * Who is who is a function of the user's number i, so every table's statement can be written on its own
 * (no join back to auth.users) and the shares are exact:
 *  - converted (i % 5 = 0): 20 %, within two weeks of signing up; a second session (another device)
 *    for half of them (i % 10 = 0);
 *  - stale anonymous (not converted, i % 8 = 1): 10 % — created 31–365 days ago, last active within
 *    6 hours of that, so the cleanup's rule (30 days without a sign-in or refresh) takes them all;
 *  - awaiting the confirmation of an address (i % 100 = 7): 1 %, still anonymous;
 *  - the other anonymous users: created over the last year, their session refreshed in the last 29 days
 *    (older ones are the active visitors the cleanup must walk past and keep).
 * Times come from a hash of i (uniform, repeatable), relative to one `t0` for every statement.
 */
import pg from 'pg';

export interface FillFigures {
  readonly users: number;
  readonly seconds: number;
  /** Rows written per table. */
  readonly rows: Record<string, number>;
  /** Stale anonymous users by construction (what a cleanup run should delete). */
  readonly stale: number;
}

const NIL = '00000000-0000-0000-0000-000000000000';
/** A bcrypt hash ("scale-bench-password"); the bench never signs in with it, but the column holds one. */
const PASSWORD_HASH = '$2a$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX4Z3pvFFmAAxlAz1VQsNT6X2ZS';
/** Rows per statement: each is its own transaction, so progress shows and no transaction grows huge. */
const CHUNK = 100_000;

/** Helpers as SQL functions in the session's pg_temp (inlined by the planner). */
const HELPERS = `
  create function pg_temp.frac(i int, seed int) returns float8 language sql stable as
    $$ select (hashint4extended(i, seed) & 4294967295) / 4294967296.0 $$;
  create function pg_temp.uid(i int) returns uuid language sql stable as $$ select md5('user' || i::text)::uuid $$;
  create function pg_temp.sid(i int, n int) returns uuid language sql stable as $$ select md5('session' || n::text || '-' || i::text)::uuid $$;
  create function pg_temp.converted(i int) returns boolean language sql stable as $$ select i % 5 = 0 $$;
  create function pg_temp.stale(i int) returns boolean language sql stable as $$ select i % 5 <> 0 and i % 8 = 1 $$;
  create function pg_temp.created(i int, t0 timestamptz) returns timestamptz language sql stable as
    $$ select case when pg_temp.stale(i) then t0 - (31 + 334 * pg_temp.frac(i, 1)) * interval '1 day'
                   else t0 - 365 * pg_temp.frac(i, 1) * interval '1 day' end $$;
  create function pg_temp.converted_at(i int, t0 timestamptz) returns timestamptz language sql stable as
    $$ select pg_temp.created(i, t0) + least(t0 - pg_temp.created(i, t0), interval '14 days') * pg_temp.frac(i, 2) $$;
  create function pg_temp.active(i int, t0 timestamptz) returns timestamptz language sql stable as
    $$ select case when pg_temp.stale(i) then pg_temp.created(i, t0) + 6 * pg_temp.frac(i, 3) * interval '1 hour'
                   when pg_temp.converted(i) then greatest(pg_temp.converted_at(i, t0), t0 - 60 * pg_temp.frac(i, 3) * interval '1 day')
                   else greatest(pg_temp.created(i, t0), t0 - 29 * pg_temp.frac(i, 3) * interval '1 day') end $$;
  create function pg_temp.email(i int) returns text language sql stable as $$ select 'user' || i || '@scale.example' $$;`;

/**
 * The users in the order they signed up. Each table is written in that order, as a live database is (a
 * row is inserted when it is created), so a table's rows for users created close together share pages.
 * Written in the order of i instead, every user's rows sit beside rows of any age, and work that goes
 * through users by age (the cleanup, the console's newest-first page) touches a page per user. Written
 * on each fill connection: `creation_order` and `created_between` are the session's own (pg_temp).
 */
async function writeCreationOrder(client: pg.Client, users: number, t0: Date): Promise<void> {
  await client.query(`create temp table creation_order (i int, rank int)`);
  await client.query(
    `insert into creation_order
       select i, row_number() over (order by pg_temp.created(i, $2::timestamptz), i)
         from generate_series(1, $1::int) i`,
    [users, t0],
  );
  await client.query(`create index on creation_order (rank)`);
  await client.query(`create function pg_temp.created_between(low int, high int) returns setof int language sql stable as
                        $$ select i from creation_order where rank between low and high order by rank $$`);
}

/** One statement per table, over the users created $1th to $2th (`created_between`), at time $3. */
const TABLES: Record<string, string> = {
  'auth.users': `
    insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, last_sign_in_at,
                            raw_app_meta_data, raw_user_meta_data, is_super_admin, created_at, updated_at, phone,
                            email_change, email_change_sent_at, is_sso_user, is_anonymous)
    select '${NIL}', pg_temp.uid(i), 'authenticated', 'authenticated',
           case when pg_temp.converted(i) then pg_temp.email(i) end,
           case when pg_temp.converted(i) then '${PASSWORD_HASH}' else '' end,
           case when pg_temp.converted(i) then pg_temp.converted_at(i, $3) end,
           case when pg_temp.converted(i) then pg_temp.active(i, $3) else pg_temp.created(i, $3) end,
           case when pg_temp.converted(i) then '{"provider": "email", "providers": ["email"]}'::jsonb else '{}'::jsonb end,
           case when pg_temp.converted(i) then '{"email_verified": true}'::jsonb else '{}'::jsonb end,
           null, pg_temp.created(i, $3),
           case when pg_temp.converted(i) then pg_temp.converted_at(i, $3) else pg_temp.created(i, $3) end,
           null,
           case when i % 100 = 7 then 'pending' || i || '@scale.example' end,
           case when i % 100 = 7 then pg_temp.active(i, $3) end,
           false, not pg_temp.converted(i)
      from pg_temp.created_between($1, $2) i`,
  'auth.identities': `
    insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
    select pg_temp.uid(i)::text, pg_temp.uid(i),
           jsonb_build_object('sub', pg_temp.uid(i)::text, 'email', pg_temp.email(i), 'email_verified', true, 'phone_verified', false),
           'email', pg_temp.active(i, $3), pg_temp.converted_at(i, $3), pg_temp.converted_at(i, $3)
      from pg_temp.created_between($1, $2) i where pg_temp.converted(i)`,
  // The first session is the anonymous sign-in's; converted users on a second device (i % 10 = 0) have another.
  'auth.sessions': `
    insert into auth.sessions (id, user_id, created_at, updated_at, aal, refreshed_at, user_agent, ip)
    select pg_temp.sid(i, n), pg_temp.uid(i), started, pg_temp.active(i, $3), 'aal1',
           pg_temp.active(i, $3) at time zone 'UTC',
           'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
           ('198.18.' || (i >> 8) % 256 || '.' || i % 256)::inet
      from pg_temp.created_between($1, $2) i,
           lateral (select 1 as n, pg_temp.created(i, $3) as started
                    union all select 2, pg_temp.converted_at(i, $3) where i % 10 = 0) s`,
  'auth.mfa_amr_claims': `
    insert into auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method)
    select md5('amr' || n || '-' || i)::uuid, pg_temp.sid(i, n), t, t, case n when 1 then 'anonymous' else 'password' end
      from pg_temp.created_between($1, $2) i,
           lateral (select 1 as n, pg_temp.created(i, $3) as t union all select 2, pg_temp.converted_at(i, $3) where i % 10 = 0) s`,
  // Each session's live token; half of them rotated once (the revoked parent kept, as GoTrue keeps it).
  'auth.refresh_tokens': `
    insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
    select '${NIL}', md5('token' || k || '-' || n || '-' || i), pg_temp.uid(i)::text, k = 0,
           case k when 0 then started else pg_temp.active(i, $3) end, pg_temp.active(i, $3),
           case when k = 1 and i % 2 = 0 then md5('token0-' || n || '-' || i) end, pg_temp.sid(i, n)
      from pg_temp.created_between($1, $2) i,
           lateral (select 1 as n, pg_temp.created(i, $3) as started
                    union all select 2, pg_temp.converted_at(i, $3) where i % 10 = 0) s,
           lateral (select 1 as k union all select 0 where i % 2 = 0) t`,
  // A conversion's entry (the stats and /metrics read them), then a few password sign-ins per converted user.
  'auth.audit_log_entries': `
    insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
    select '${NIL}', md5('audit' || k || '-' || i)::uuid,
           case k when 0 then json_build_object('actor_id', pg_temp.uid(i), 'action', 'user_converted', 'log_type', 'user',
                                                'traits', json_build_object('method', 'email'))
                  else json_build_object('actor_id', pg_temp.uid(i), 'actor_username', pg_temp.email(i), 'actor_via_sso', false,
                                         'action', 'login', 'log_type', 'account', 'traits', json_build_object('provider', 'email')) end,
           case k when 0 then pg_temp.converted_at(i, $3)
                  else pg_temp.converted_at(i, $3) + ($3 - pg_temp.converted_at(i, $3)) * pg_temp.frac(i, 10 + k) end,
           '198.18.' || (i >> 8) % 256 || '.' || i % 256
      from pg_temp.created_between($1, $2) i, generate_series(0, 4) k
     where pg_temp.converted(i)`,
};

/** The two halves of the work, on two connections at once: the tables of each are independent. */
const LANES = [['auth.users', 'auth.identities', 'auth.audit_log_entries'], ['auth.sessions', 'auth.mfa_amr_claims', 'auth.refresh_tokens']];

async function fillLane(url: string, tables: readonly string[], users: number, t0: Date, rows: Record<string, number>, log: (m: string) => void): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // A bench database of our own: no WAL flush wait per chunk, and no foreign-key triggers (superuser
    // only) — the rows are consistent by construction, and checking each of millions of references
    // would double the fill.
    await client.query(`set synchronous_commit = off; set session_replication_role = replica; set jit = off; ${HELPERS}`);
    await writeCreationOrder(client, users, t0);
    for (const table of tables) {
      const started = Date.now();
      for (let from = 1; from <= users; from += CHUNK) {
        const to = Math.min(users, from + CHUNK - 1);
        const result = await client.query(TABLES[table], [from, to, t0]);
        rows[table] = (rows[table] ?? 0) + (result.rowCount ?? 0);
      }
      log(`  ${table}: ${rows[table].toLocaleString('en-US')} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await client.end();
  }
}

interface IndexDefinition {
  readonly name: string;
  readonly definition: string;
}

/**
 * The filled tables' indexes that back no constraint (primary keys and unique constraints stay), dropped
 * before the fill and built again after it from their own definitions: one sorted build per index is
 * several times faster than millions of inserts into it. The rebuilt indexes are packed tighter than
 * grown ones (a fresh build fills its pages; random inserts leave them about 70 % full).
 */
async function dropSecondaryIndexes(client: pg.Client): Promise<IndexDefinition[]> {
  const { rows } = await client.query<IndexDefinition>(
    `select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as definition
       from pg_index i
      where i.indrelid = any($1::regclass[])
        and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)`,
    [Object.keys(TABLES)],
  );
  for (const index of rows) await client.query(`drop index ${index.name}`);
  return rows;
}

async function buildIndexes(url: string, indexes: readonly IndexDefinition[]): Promise<void> {
  const queue = [...indexes];
  // Two at a time, on the machine's two cores.
  await Promise.all(
    [0, 1].map(async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`set maintenance_work_mem = '256MB'`);
        for (let index = queue.shift(); index; index = queue.shift()) await client.query(index.definition);
      } finally {
        await client.end();
      }
    }),
  );
}

/** Fills, then VACUUM ANALYZE (visibility map and statistics, as autovacuum would have them) and a checkpoint. */
export async function fillScaleDatabase(url: string, users: number, log: (m: string) => void): Promise<FillFigures> {
  const started = Date.now();
  const t0 = new Date();
  const rows: Record<string, number> = {};
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const indexes = await dropSecondaryIndexes(client);
    await Promise.all(LANES.map((tables) => fillLane(url, tables, users, t0, rows, log)));
    const indexesStarted = Date.now();
    await buildIndexes(url, indexes);
    log(`  ${indexes.length} indexes built again: ${((Date.now() - indexesStarted) / 1000).toFixed(1)} s`);
    const vacuumStarted = Date.now();
    await client.query('vacuum analyze');
    await client.query('checkpoint');
    log(`  vacuum analyze + checkpoint: ${((Date.now() - vacuumStarted) / 1000).toFixed(1)} s`);
  } finally {
    await client.end();
  }
  let stale = 0;
  for (let i = 1; i <= users; i++) if (i % 5 !== 0 && i % 8 === 1) stale++;
  return { users, seconds: (Date.now() - started) / 1000, rows, stale };
}
