-- The admin user list (the console's Users page, supabase-js's listUsers) pages newest first, as
-- `created_at desc nulls last, id desc`. foyer_users_created_at_idx keeps nulls first (a descending
-- index's default), so it could not give that order: PostgreSQL read and sorted every user for each page,
-- working out each one's MFA factors on the way (5 s at 1 000 000 users). This index is walked in the
-- list's order and stops at the page (10 ms). The other one stays: the cleanup walks the oldest first,
-- nulls last, which this one cannot give either. Built in the migration's transaction, it holds off
-- writes to auth.users while it is built (about 2 s per million users).
create index if not exists foyer_users_created_at_id_idx on auth.users (created_at desc nulls last, id desc);

-- The kinds the list filters by (src/store/user-kinds.ts) test coalesce(email_change, '') and
-- coalesce(phone_change, ''), of which PostgreSQL keeps no statistics: it guessed that 20 of 1 000 000
-- users were anonymous, and read them all (0.5 s) instead of walking the index above (2 ms).
create statistics if not exists auth.foyer_users_pending_change_stats
  on (coalesce(email_change, '')), (coalesce(phone_change, '')) from auth.users;
