-- Supabase's API roles and their privileges, for a database where Foyer is the whole stack: migrate.ts
-- runs this only when Foyer's login is a superuser (the embedded database, or a PostgreSQL given to it
-- whole). On a Supabase database the supabase/postgres image has done all of it, and Foyer's login
-- (supabase_auth_admin) neither can nor should: Foyer grants itself nothing.
do $$
declare
  role_name text;
begin
  -- Roles are shared by every database of the cluster: a migration of another database may create or
  -- change the same role at the same moment. The loser gets unique_violation or "tuple concurrently
  -- updated" (internal_error); the winner's change is the one wanted, so both are let through.
  foreach role_name in array array['anon', 'authenticated', 'service_role', 'authenticator'] loop
    if not exists (select 1 from pg_roles where rolname = role_name) then
      begin
        execute format('create role %I nologin noinherit', role_name);
      exception when duplicate_object or unique_violation or internal_error then
        null;
      end;
    end if;
  end loop;
  begin
    if not (select rolbypassrls from pg_roles where rolname = 'service_role') then
      alter role service_role bypassrls;
    end if;
    if not pg_has_role('authenticator', 'anon', 'MEMBER') or not pg_has_role('authenticator', 'authenticated', 'MEMBER')
       or not pg_has_role('authenticator', 'service_role', 'MEMBER') then
      grant anon, authenticated, service_role to authenticator;
    end if;
  exception when unique_violation or internal_error then
    null;
  end;
end $$;

grant usage on schema public to anon, authenticated, service_role;
-- Supabase's default: API roles get table privileges in public, and row-level security decides.
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
