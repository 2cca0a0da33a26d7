-- The API roles and auth.* helpers with Supabase's semantics, so RLS policies written for Supabase work
-- unchanged. Roles are cluster-wide: existing ones are reused, and concurrent creators are tolerated.
do $$
declare
  role_name text;
begin
  -- Roles are shared by every database of the cluster: a migration of another database may create or
  -- change the same role at the same moment. The loser gets unique_violation or "tuple concurrently
  -- updated" (internal_error); the winner's change is the one wanted, so both are let through.
  foreach role_name in array array['anon', 'authenticated', 'service_role', 'authenticator'] loop
    begin
      execute format('create role %I nologin noinherit', role_name);
    exception when duplicate_object or unique_violation or internal_error then
      null;
    end;
  end loop;
  begin
    if not (select rolbypassrls from pg_roles where rolname = 'service_role') then
      alter role service_role bypassrls;
    end if;
  exception
    when insufficient_privilege then
      raise warning 'foyer: cannot give service_role BYPASSRLS (connect as a superuser once to fix)';
    when unique_violation or internal_error then
      null;
  end;
  begin
    grant anon, authenticated, service_role to authenticator;
  exception when insufficient_privilege or unique_violation or internal_error then null;
  end;
  -- Foyer's own connection switches to these roles (the Data API and RLS checks); a superuser already can.
  if not (select rolsuper from pg_roles where rolname = current_user) then
    begin
      execute format('grant anon, authenticated, service_role to %I', current_user);
    exception
      when insufficient_privilege then
        raise warning 'foyer: % cannot be granted the API roles; the Data API needs them', current_user;
      when unique_violation or internal_error then
        null;
    end;
  end if;
end $$;

do $$ begin
  create or replace function auth.uid() returns uuid language sql stable as $f$
    select coalesce(
      nullif(current_setting('request.jwt.claim.sub', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
    )::uuid
  $f$;
  create or replace function auth.role() returns text language sql stable as $f$
    select coalesce(
      nullif(current_setting('request.jwt.claim.role', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
    )::text
  $f$;
  create or replace function auth.email() returns text language sql stable as $f$
    select coalesce(
      nullif(current_setting('request.jwt.claim.email', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
    )::text
  $f$;
  create or replace function auth.jwt() returns jsonb language sql stable as $f$
    select coalesce(
      nullif(current_setting('request.jwt.claim', true), ''),
      nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
  $f$;
exception when insufficient_privilege then
  -- Another role (GoTrue's supabase_auth_admin) owns them already; they have the same semantics.
  raise warning 'foyer: auth.uid()/role()/email()/jwt() kept as they are (owned by another role)';
end $$;

do $$ begin
  grant usage on schema auth to anon, authenticated, service_role;
  grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt() to anon, authenticated, service_role;
  grant usage on schema public to anon, authenticated, service_role;
  -- Supabase's default: API roles get table privileges in public, and row-level security decides.
  alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
  alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
  alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
exception when insufficient_privilege then
  raise warning 'foyer: could not grant the API roles their Supabase privileges';
end $$;
