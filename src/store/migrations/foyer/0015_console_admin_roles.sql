-- Console administrators of a team: each has a role (owner: everything, administrators included; admin:
-- everything but administrators; read_only: looks, changes nothing, sees no service_role key). Those who
-- existed before roles were owners in all but name, and stay so.
alter table auth.foyer_console_admins add column if not exists role text not null default 'owner';
do $$ begin
  alter table auth.foyer_console_admins add constraint foyer_console_admins_role_check check (role in ('owner', 'admin', 'read_only'));
exception when duplicate_object then null;
end $$;

-- One-time links (hashed): an invitation to become an administrator (email and role fixed by the owner
-- who made it), or a new password for an existing one. Used once, within their lifetime.
create table if not exists auth.foyer_console_admin_links (
  token_hash text primary key,
  purpose text not null check (purpose in ('invite', 'reset')),
  email text not null,
  role text not null check (role in ('owner', 'admin', 'read_only')),
  created_by text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index if not exists foyer_console_admin_links_email_idx on auth.foyer_console_admin_links (email);
alter table auth.foyer_console_admin_links enable row level security;
