-- The platform (docs/platform-api.md): projects, their settings history and the console's
-- administrators. Used in the default project's database (the control database); the tables exist,
-- empty, in every project database, since every database gets the same migrations.

-- Which Foyer project a database belongs to: a database is served as one project only.
create table if not exists foyer.instance_identity (
  id integer primary key default 1 check (id = 1),
  project_ref text not null,
  claimed_at timestamptz not null default now()
);

-- Projects served by this Foyer deployment. The default project has ref 'default' and no stored
-- secrets (the environment configures it). Secrets are AES-256-GCM sealed with FOYER_MASTER_KEY.
create table if not exists foyer.projects (
  ref text primary key check (ref ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name text not null,
  db_kind text not null check (db_kind in ('embedded', 'postgres')),
  database_url_sealed text,
  jwt_secret_sealed text,
  created_at timestamptz not null default now()
);

-- Every edit of a project's settings: the full override map after it (ENV-NAME -> string; secret
-- values sealed), who made it and what changed (secret values masked in the diff).
create table if not exists foyer.settings_versions (
  project_ref text not null references foyer.projects (ref) on delete cascade,
  version integer not null check (version > 0),
  overrides jsonb not null,
  changed_by text not null,
  changed_at timestamptz not null default now(),
  diff jsonb not null,
  primary key (project_ref, version)
);

create table if not exists foyer.console_admins (
  id uuid primary key default gen_random_uuid(),
  email text not null unique,
  password_hash text not null,
  created_at timestamptz not null default now()
);

-- Console sessions: SHA-256 of the cookie value and of the CSRF token, never the values themselves.
create table if not exists foyer.console_sessions (
  token_hash text primary key,
  admin_id uuid not null references foyer.console_admins (id) on delete cascade,
  csrf_hash text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  ip text,
  user_agent text
);
create index if not exists console_sessions_expires_at_idx on foyer.console_sessions (expires_at);

-- One-time setup tokens (hashed), printed by `foyer start` while no administrator exists.
create table if not exists foyer.console_setup_tokens (
  token_hash text primary key,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
