/**
 * Databases as Foyer meets them before its first start, written as plain SQL from their known shapes:
 * the `auth` schema the supabase/postgres image creates before GoTrue ever runs, and the layout an
 * earlier Foyer (0.1) left, with its own tables in a schema `foyer`.
 */
/** The GoTrue versions the supabase/postgres image records before GoTrue ever runs. */
export const IMAGE_AUTH_MIGRATIONS = [
  '20171026211738', '20171026211808', '20171026211834', '20180103212743', '20180108183307', '20180119214651', '20180125194653',
] as const;

/** The supabase/postgres image's initial auth schema: 5 tables, 7 old GoTrue versions, 3 helpers. */
export const SUPABASE_IMAGE_AUTH_SCHEMA = `
create schema if not exists auth;
create table auth.users (
  instance_id uuid, id uuid not null unique, aud varchar(255), "role" varchar(255), email varchar(255) unique,
  encrypted_password varchar(255), confirmed_at timestamptz, invited_at timestamptz, confirmation_token varchar(255),
  confirmation_sent_at timestamptz, recovery_token varchar(255), recovery_sent_at timestamptz,
  email_change_token varchar(255), email_change varchar(255), email_change_sent_at timestamptz,
  last_sign_in_at timestamptz, raw_app_meta_data jsonb, raw_user_meta_data jsonb, is_super_admin bool,
  created_at timestamptz, updated_at timestamptz,
  constraint users_pkey primary key (id)
);
create index users_instance_id_email_idx on auth.users (instance_id, email);
create index users_instance_id_idx on auth.users (instance_id);
create table auth.refresh_tokens (
  instance_id uuid, id bigserial not null, "token" varchar(255), user_id varchar(255), revoked bool,
  created_at timestamptz, updated_at timestamptz,
  constraint refresh_tokens_pkey primary key (id)
);
create index refresh_tokens_instance_id_idx on auth.refresh_tokens (instance_id);
create index refresh_tokens_instance_id_user_id_idx on auth.refresh_tokens (instance_id, user_id);
create index refresh_tokens_token_idx on auth.refresh_tokens (token);
create table auth.instances (
  id uuid not null, uuid uuid, raw_base_config text, created_at timestamptz, updated_at timestamptz,
  constraint instances_pkey primary key (id)
);
create table auth.audit_log_entries (
  instance_id uuid, id uuid not null, payload json, created_at timestamptz,
  constraint audit_log_entries_pkey primary key (id)
);
create index audit_logs_instance_id_idx on auth.audit_log_entries (instance_id);
create table auth.schema_migrations (version varchar(255) not null, constraint schema_migrations_pkey primary key (version));
insert into auth.schema_migrations (version) values ${IMAGE_AUTH_MIGRATIONS.map((version) => `('${version}')`).join(', ')};
create function auth.uid() returns uuid language sql stable as $$ select nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$;
create function auth.role() returns text language sql stable as $$ select nullif(current_setting('request.jwt.claim.role', true), '')::text $$;
create function auth.email() returns text language sql stable as $$ select nullif(current_setting('request.jwt.claim.email', true), '')::text $$;
`;

/** What Foyer 0.1 left: its tables in schema `foyer` (two of them here, with rows), and its ways in `auth`. */
export const FOYER_01_LAYOUT = `
${SUPABASE_IMAGE_AUTH_SCHEMA.replace('create index refresh_tokens_token_idx on auth.refresh_tokens (token);',
  'create unique index refresh_tokens_token_unique on auth.refresh_tokens (token);')}
delete from auth.schema_migrations;
alter table auth.users rename column confirmed_at to email_confirmed_at;
alter table auth.users rename column email_change_token to email_change_token_new;
create index users_created_at_idx on auth.users (created_at desc);
create table auth.sessions (id uuid not null primary key, user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz, updated_at timestamptz);
create table auth.mfa_amr_claims (
  session_id uuid not null references auth.sessions (id) on delete cascade, created_at timestamptz not null,
  updated_at timestamptz not null, authentication_method text not null, id uuid not null primary key,
  constraint mfa_amr_claims_session_id_authentication_method_pkey unique (session_id, authentication_method));
create schema foyer;
create table foyer.schema_migrations (version text primary key, applied_at timestamptz not null default now());
insert into foyer.schema_migrations (version) values ('0001_auth_schema'), ('0010_platform');
create table foyer.projects (
  ref text primary key check (ref ~ '^[a-z0-9][a-z0-9-]{0,62}$'), name text not null,
  db_kind text not null check (db_kind in ('embedded', 'postgres')), database_url_sealed text, jwt_secret_sealed text,
  created_at timestamptz not null default now());
insert into foyer.projects (ref, name, db_kind) values ('default', 'Default project', 'embedded'), ('shop', 'Shop', 'embedded');
create unlogged table foyer.rate_limits (key text primary key, points integer not null, expires_at timestamptz);
create index rate_limits_expires_at_idx on foyer.rate_limits (expires_at);
create function foyer.batch_requests(requests jsonb) returns setof jsonb language sql immutable strict
  as $$ select jsonb_array_elements(requests) $$;
`;
