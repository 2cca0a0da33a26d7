-- Foyer's own tables and functions. They live in schema `auth` under the prefix `foyer_`: the auth
-- server's login owns `auth` in every Supabase setup (GoTrue needs that too), while it may not create a
-- schema of its own (supabase_auth_admin has no CREATE on the database on older supabase/postgres images).
-- GoTrue ignores tables it does not know; docs/self-hosted-supabase.md says how to remove them.
-- Every statement tolerates objects an earlier Foyer created in schema `foyer` and that
-- legacy-foyer-schema.sql moved here.

-- Rate-limit counters shared by every Foyer process on this database (FOYER_RATE_LIMIT_STORE=postgres,
-- the default on PostgreSQL). One row per limiter and client key: the points consumed in the current
-- fixed window and when that window ends (null: never). Rows are only ever changed by one atomic
-- INSERT … ON CONFLICT DO UPDATE, so concurrent requests from many processes count exactly.
-- Unlogged: counters are cheap to lose (a crash or a failover resets them, nothing else), and skipping
-- the WAL keeps this hot write off the durable path.
create unlogged table if not exists auth.foyer_rate_limits (
  key text primary key,
  points integer not null,
  expires_at timestamptz
);
create index if not exists foyer_rate_limits_expires_at_idx on auth.foyer_rate_limits (expires_at);

-- Mail that Foyer would send when no SMTP server is configured (the embedded quick start): kept here and
-- shown through the admin API, so a newcomer can follow a confirmation link without a mail server.
create table if not exists auth.foyer_mail_outbox (
  id uuid primary key default gen_random_uuid(),
  created_at timestamptz not null default now(),
  kind text not null,
  recipient text not null,
  subject text not null,
  text_body text not null,
  html_body text not null,
  -- Set when the message was delivered over SMTP; null while it only lives here.
  delivered_at timestamptz
);
create index if not exists foyer_mail_outbox_created_at_idx on auth.foyer_mail_outbox (created_at desc);
create index if not exists foyer_mail_outbox_recipient_idx on auth.foyer_mail_outbox (lower(recipient));

-- What an OAuth flow keeps towards the provider, next to GoTrue's auth.flow_state (whose id is the
-- OAuth `state`): Foyer's own PKCE verifier and OpenID nonce, and whether the client asked for PKCE
-- (`?code=`) or the implicit flow (tokens in the fragment). Gone with its flow_state.
create table if not exists auth.foyer_oauth_flows (
  flow_state_id uuid primary key references auth.flow_state (id) on delete cascade,
  provider_code_verifier text not null,
  provider_nonce text,
  client_flow text not null check (client_flow in ('pkce', 'implicit')),
  created_at timestamptz not null default now()
);

-- One row per cleanup run. A run's counters are updated in the same transaction as each batch it
-- deletes, so they are exact even when the process dies half-way (the row then stays 'running' until
-- the next run, which holds the advisory lock and can therefore mark it 'interrupted').
create table if not exists auth.foyer_cleanup_runs (
  id bigint generated always as identity primary key,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  -- Updated with every batch: how recent the progress of a 'running' run is.
  heartbeat_at timestamptz not null default now(),
  status text not null default 'running'
    check (status in ('running', 'completed', 'aborted', 'interrupted', 'failed')),
  -- schedule (the server's job), cli (`foyer cleanup`) or api (the admin API)
  trigger text not null,
  inactive_days integer not null,
  keep_data_owners boolean not null,
  batch_size integer not null,
  -- Users whose last activity is before this were stale when the run started.
  cutoff timestamptz not null,
  deleted integer not null default 0,
  kept_data_owners integer not null default 0,
  -- Selected as stale but no longer stale at delete time (active again, converted or owning data by then).
  spared integer not null default 0,
  batches integer not null default 0,
  host text,
  pid integer,
  error text
);
create index if not exists foyer_cleanup_runs_started_at_idx on auth.foyer_cleanup_runs (started_at desc);

-- The audit log is read by action and time (stats, conversions), by actor or affected user (admin API).
create index if not exists foyer_audit_log_entries_action_created_at_idx
  on auth.audit_log_entries ((payload ->> 'action'), created_at);
create index if not exists foyer_audit_log_entries_actor_id_idx on auth.audit_log_entries ((payload ->> 'actor_id'));
create index if not exists foyer_audit_log_entries_traits_user_id_idx
  on auth.audit_log_entries (((payload -> 'traits') ->> 'user_id'))
  where ((payload -> 'traits') ->> 'user_id') is not null;
create index if not exists foyer_audit_log_entries_created_at_idx on auth.audit_log_entries (created_at desc);

-- Foyer pages the admin list newest first and cleans up by inactivity.
create index if not exists foyer_users_created_at_idx on auth.users (created_at desc);

-- Resending an email-change mail finds the user by the pending address, lower(email_change): without an
-- index that read every user (70 ms at 300 000). Only users with a pending or past change are indexed,
-- so anonymous sign-ins, which never set the column, pay nothing for it.
create index if not exists foyer_users_email_change_lower_idx on auth.users (lower(email_change))
  where email_change is not null;

-- GET /admin/audit?user_id= matches the actor or the affected user (traits.user_id). The index on
-- traits.user_id is partial, and PostgreSQL keeps no statistics for a partial index's expression: it
-- guessed 5 000 matches and walked the created_at index through the whole log (1.9 s at 1 000 000
-- entries) instead of combining the two indexes (under 2 ms). Statistics on the expression fix the guess.
create statistics if not exists auth.foyer_audit_log_entries_traits_user_id_stats
  on (((payload -> 'traits') ->> 'user_id')) from auth.audit_log_entries;
analyze auth.audit_log_entries;

-- The platform (docs/platform-api.md): projects, their settings history and the console's
-- administrators. Used in the default project's database (the control database); the tables exist,
-- empty, in every project database, since every database gets the same migrations.

-- Which Foyer project a database belongs to: a database is served as one project only.
create table if not exists auth.foyer_instance_identity (
  id integer primary key default 1 check (id = 1),
  project_ref text not null,
  claimed_at timestamptz not null default now()
);

-- Projects served by this Foyer deployment. The default project has ref 'default' and no stored
-- secrets (the environment configures it). Secrets are AES-256-GCM sealed with FOYER_MASTER_KEY.
create table if not exists auth.foyer_projects (
  ref text primary key check (ref ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name text not null,
  db_kind text not null check (db_kind in ('embedded', 'postgres')),
  database_url_sealed text,
  jwt_secret_sealed text,
  created_at timestamptz not null default now()
);

-- Every edit of a project's settings: the full override map after it (ENV-NAME -> string; secret
-- values sealed), who made it and what changed (secret values masked in the diff).
create table if not exists auth.foyer_settings_versions (
  project_ref text not null references auth.foyer_projects (ref) on delete cascade,
  version integer not null check (version > 0),
  overrides jsonb not null,
  changed_by text not null,
  changed_at timestamptz not null default now(),
  diff jsonb not null,
  primary key (project_ref, version)
);

create table if not exists auth.foyer_console_admins (
  id uuid primary key default gen_random_uuid(),
  email text not null unique,
  password_hash text not null,
  created_at timestamptz not null default now()
);

-- Console sessions: SHA-256 of the cookie value and of the CSRF token, never the values themselves.
create table if not exists auth.foyer_console_sessions (
  token_hash text primary key,
  admin_id uuid not null references auth.foyer_console_admins (id) on delete cascade,
  csrf_hash text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  ip text,
  user_agent text
);
create index if not exists foyer_console_sessions_expires_at_idx on auth.foyer_console_sessions (expires_at);

-- One-time setup tokens (hashed), printed by `foyer start` while no administrator exists.
create table if not exists auth.foyer_console_setup_tokens (
  token_hash text primary key,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);

-- The requests of a hot-path batch (anonymous sign-ins, refresh rotations) arrive as one jsonb array.
-- PostgreSQL assumes 100 rows for a set-returning function such as jsonb_array_elements, and for 100
-- requests it plans hash joins that read auth.refresh_tokens and auth.sessions whole. A batch holds a
-- handful of requests, so this function says 1: each request's token, session and user are then found
-- by their indexes, whatever the tables' sizes and however stale their statistics. The SET clause keeps
-- the function from being inlined, which would drop its row estimate.
create or replace function auth.foyer_batch_requests(requests jsonb) returns setof jsonb
  language sql immutable strict parallel safe rows 1
  set search_path = pg_catalog
  as $$ select jsonb_array_elements(requests) $$;


-- Refresh-token rotation in one round trip. Rotations of one session serialize on the session row
-- (locked before any token row, so reuse detection and rotation never deadlock each other). It returns
-- one row: `rows 1` keeps the planner from joining it to auth.users with a hash of the whole table.
create or replace function auth.foyer_refresh_token_grant(
  p_token text,
  p_new_token text,
  p_reuse_interval_seconds integer,
  p_rotation_enabled boolean,
  p_timebox_seconds double precision,
  p_inactivity_seconds double precision,
  p_user_agent text,
  p_ip text
) returns table (outcome text, refresh_token text, session_id uuid, user_id uuid, aal text, amr jsonb)
language plpgsql rows 1 as $$
declare
  v_session_id uuid;
  v_token auth.refresh_tokens%rowtype;
  v_session auth.sessions%rowtype;
  v_newest auth.refresh_tokens%rowtype;
  v_issued text;
  v_outcome text := 'rotated';
begin
  select t.session_id into v_session_id from auth.refresh_tokens t where t.token = p_token;
  if not found then
    return query select 'refresh_token_not_found'::text, null::text, null::uuid, null::uuid, null::text, null::jsonb;
    return;
  end if;
  select * into v_session from auth.sessions s where s.id = v_session_id for update;
  if not found then
    return query select 'session_not_found'::text, null::text, null::uuid, null::uuid, null::text, null::jsonb;
    return;
  end if;
  select * into v_token from auth.refresh_tokens t where t.token = p_token for update;
  if not found then
    return query select 'refresh_token_not_found'::text, null::text, null::uuid, null::uuid, null::text, null::jsonb;
    return;
  end if;

  if (v_session.not_after is not null and now() > v_session.not_after)
     or (p_timebox_seconds > 0 and now() > v_session.created_at + make_interval(secs => p_timebox_seconds))
     or (p_inactivity_seconds > 0 and now() > coalesce(v_session.refreshed_at at time zone 'UTC', v_session.updated_at, v_session.created_at)
                                               + make_interval(secs => p_inactivity_seconds)) then
    return query select 'session_expired'::text, null::text, v_session.id, v_session.user_id, null::text, null::jsonb;
    return;
  end if;

  if exists (select 1 from auth.users u where u.id = v_session.user_id and u.banned_until > now()) then
    return query select 'user_banned'::text, null::text, v_session.id, v_session.user_id, null::text, null::jsonb;
    return;
  end if;

  if not coalesce(v_token.revoked, false) then
    update auth.refresh_tokens set revoked = true, updated_at = now() where id = v_token.id;
    v_issued := p_new_token;
  else
    -- The subquery (OFFSET 0 keeps it apart) finds the session's live tokens by its index; only then
    -- are they ordered. Left to order by id with LIMIT 1, the planner walks the primary key backwards
    -- through every newer token of every other session.
    select * into v_newest
      from (select * from auth.refresh_tokens t
             where t.session_id = v_session.id and (t.revoked = false or t.revoked is null) offset 0) t
      order by t.id desc limit 1;
    if found and v_newest.parent = v_token.token then
      -- The client lost the response that carried the newest token: hand that one back.
      v_issued := v_newest.token;
      v_outcome := 'reissued';
    elsif p_reuse_interval_seconds > 0 and now() <= v_token.updated_at + make_interval(secs => p_reuse_interval_seconds) then
      v_issued := p_new_token;
    else
      if p_rotation_enabled then
        -- A replayed token means it leaked: end the whole session, so its access tokens stop working too.
        delete from auth.sessions s where s.id = v_session.id;
      end if;
      return query select 'refresh_token_already_used'::text, null::text, v_session.id, v_session.user_id, null::text, null::jsonb;
      return;
    end if;
  end if;

  if v_issued = p_new_token then
    insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
    values (v_token.instance_id, p_new_token, v_token.user_id, false, now(), now(), v_token.token, v_session.id);
  end if;

  update auth.sessions s
     set refreshed_at = now() at time zone 'UTC', updated_at = now(), user_agent = p_user_agent, ip = p_ip::inet
   where s.id = v_session.id;

  return query
    select v_outcome, v_issued, v_session.id, v_session.user_id, coalesce(v_session.aal::text, 'aal1'),
           coalesce((select jsonb_agg(jsonb_build_object('method', c.authentication_method,
                                                         'timestamp', floor(extract(epoch from c.created_at))::bigint)
                                      order by c.created_at desc)
                       from auth.mfa_amr_claims c where c.session_id = v_session.id), '[]'::jsonb);
end $$;

-- Foyer's tables are its own: the API roles, which have USAGE on schema auth, get nothing from them.
alter table auth.foyer_rate_limits enable row level security;
alter table auth.foyer_mail_outbox enable row level security;
alter table auth.foyer_oauth_flows enable row level security;
alter table auth.foyer_cleanup_runs enable row level security;
alter table auth.foyer_instance_identity enable row level security;
alter table auth.foyer_projects enable row level security;
alter table auth.foyer_settings_versions enable row level security;
alter table auth.foyer_console_admins enable row level security;
alter table auth.foyer_console_sessions enable row level security;
alter table auth.foyer_console_setup_tokens enable row level security;
revoke all on function auth.foyer_refresh_token_grant(text, text, integer, boolean, double precision, double precision, text, text) from public;
