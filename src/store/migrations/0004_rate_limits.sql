-- Rate-limit counters shared by every Foyer process on this database (FOYER_RATE_LIMIT_STORE=postgres,
-- the default on PostgreSQL). One row per limiter and client key: the points consumed in the current
-- fixed window and when that window ends (null: never). Rows are only ever changed by one atomic
-- INSERT … ON CONFLICT DO UPDATE, so concurrent requests from many processes count exactly.
-- Unlogged: counters are cheap to lose (a crash or a failover resets them, nothing else), and skipping
-- the WAL keeps this hot write off the durable path.
create unlogged table if not exists foyer.rate_limits (
  key text primary key,
  points integer not null,
  expires_at timestamptz
);
create index if not exists rate_limits_expires_at_idx on foyer.rate_limits (expires_at);
