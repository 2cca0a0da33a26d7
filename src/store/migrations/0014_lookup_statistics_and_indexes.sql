-- Two lookups that read a whole table as it grows.
--
-- Resending an email-change mail finds the user by the pending address, lower(email_change): without an
-- index that read every user (70 ms at 300 000). Only users with a pending or past change are indexed,
-- so anonymous sign-ins, which never set the column, pay nothing for it.
create index if not exists users_email_change_lower_idx on auth.users (lower(email_change))
  where email_change is not null;

-- GET /admin/audit?user_id= matches the actor or the affected user (traits.user_id). The index on
-- traits.user_id is partial, and PostgreSQL keeps no statistics for a partial index's expression: it
-- guessed 5 000 matches and walked the created_at index through the whole log (1.9 s at 1 000 000
-- entries) instead of combining the two indexes (under 2 ms). Statistics on the expression fix the guess.
create statistics if not exists auth.audit_log_entries_traits_user_id_stats
  on (((payload -> 'traits') ->> 'user_id')) from auth.audit_log_entries;
analyze auth.audit_log_entries;
