-- Sign-ups are counted from users still there plus the user_deleted entries of anonymous users deleted
-- since (src/store/stats.ts). A window's count (the spike signal on every /metrics scrape and every 30 s,
-- the stats series) found those entries by deletion time and read each one's traits for the user's
-- creation time: after a cleanup of 100 000 users, every window read all 100 000 entries for the next
-- day or month (3 s a scrape). By the user's creation time instead (its ISO 8601 text, which sorts as
-- time in the C collation), a window reads only the entries of users created in it.
create index if not exists foyer_audit_log_entries_deleted_user_created_idx
  on auth.audit_log_entries ((((payload -> 'traits') ->> 'user_created_at') collate "C"))
  where (payload ->> 'action') = 'user_deleted';

-- The series counts the cleanup's deletions per hour or day: these are only the entries' times, so
-- no entry is read whole.
create index if not exists foyer_audit_log_entries_cleanup_deleted_idx
  on auth.audit_log_entries (created_at)
  where (payload ->> 'action') = 'user_deleted' and ((payload -> 'traits') ->> 'reason') = 'anonymous_cleanup';
