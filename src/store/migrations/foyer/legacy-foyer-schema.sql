-- Foyer up to 0.1 kept its own tables in a schema `foyer`, which needs CREATE on the database. They now
-- live in `auth` with the prefix `foyer_` (0001_foyer_objects.sql says why). This moves an earlier
-- Foyer's tables with their rows, renames their indexes and the indexes and statistics it added to
-- GoTrue's tables, drops its functions (0001 creates them in `auth`) and finally the emptied schema.
-- migrate.ts runs it only when schema `foyer` exists, in the same transaction as everything else.
do $$
declare
  table_name text;
  index_name text;
begin
  foreach table_name in array array['rate_limits', 'mail_outbox', 'oauth_flows', 'cleanup_runs', 'instance_identity',
    'projects', 'settings_versions', 'console_admins', 'console_sessions', 'console_setup_tokens'] loop
    if to_regclass('foyer.' || table_name) is not null and to_regclass('auth.foyer_' || table_name) is null then
      execute format('alter table foyer.%I set schema auth', table_name);
      execute format('alter table auth.%I rename to %I', table_name, 'foyer_' || table_name);
      for index_name in
        select i.relname from pg_index x join pg_class i on i.oid = x.indexrelid
         where x.indrelid = ('auth.foyer_' || table_name)::regclass and i.relname not like 'foyer\_%'
      loop
        execute format('alter index auth.%I rename to %I', index_name, 'foyer_' || index_name);
      end loop;
    end if;
  end loop;
  foreach index_name in array array['users_created_at_idx', 'users_email_change_lower_idx',
    'audit_log_entries_action_created_at_idx', 'audit_log_entries_actor_id_idx',
    'audit_log_entries_traits_user_id_idx', 'audit_log_entries_created_at_idx'] loop
    if to_regclass('auth.' || index_name) is not null then
      execute format('alter index auth.%I rename to %I', index_name, 'foyer_' || index_name);
    end if;
  end loop;
  if exists (select 1 from pg_statistic_ext where stxnamespace = 'auth'::regnamespace
              and stxname = 'audit_log_entries_traits_user_id_stats') then
    alter statistics auth.audit_log_entries_traits_user_id_stats rename to foyer_audit_log_entries_traits_user_id_stats;
  end if;
  drop function if exists foyer.refresh_token_grant(text, text, integer, boolean, double precision, double precision, text, text);
  drop function if exists foyer.batch_requests(jsonb);
  drop table if exists foyer.schema_migrations;
  begin
    drop schema foyer;
  exception when dependent_objects_still_exist then
    raise notice 'foyer: schema foyer still holds objects Foyer did not create; it was kept';
  end;
end $$;
