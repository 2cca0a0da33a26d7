-- Operations: the history of anonymous-user cleanup runs, and indexes that let the stats API, /metrics
-- and the admin audit API read auth.audit_log_entries without scanning it.

-- One row per cleanup run. A run's counters are updated in the same transaction as each batch it
-- deletes, so they are exact even when the process dies half-way (the row then stays 'running' until
-- the next run, which holds the advisory lock and can therefore mark it 'interrupted').
create table if not exists foyer.cleanup_runs (
  id bigint generated always as identity primary key,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  -- Updated with every batch: how recent the progress of a 'running' run is.
  heartbeat_at timestamptz not null default now(),
  status text not null default 'running'
    check (status in ('running', 'completed', 'aborted', 'interrupted', 'failed')),
  -- schedule (the server's job), cli (`foyer cleanup`) or api (the admin API)
  trigger text not null,
  inactive_days integer not null,
  keep_data_owners boolean not null,
  batch_size integer not null,
  -- Users whose last activity is before this were stale when the run started.
  cutoff timestamptz not null,
  deleted integer not null default 0,
  kept_data_owners integer not null default 0,
  -- Selected as stale but no longer stale at delete time (active again, converted or owning data by then).
  spared integer not null default 0,
  batches integer not null default 0,
  host text,
  pid integer,
  error text
);
create index if not exists cleanup_runs_started_at_idx on foyer.cleanup_runs (started_at desc);

-- The audit log is read by action and time (stats, conversions), by actor or affected user (admin API).
create index if not exists audit_log_entries_action_created_at_idx
  on auth.audit_log_entries ((payload ->> 'action'), created_at);
create index if not exists audit_log_entries_actor_id_idx on auth.audit_log_entries ((payload ->> 'actor_id'));
create index if not exists audit_log_entries_traits_user_id_idx
  on auth.audit_log_entries (((payload -> 'traits') ->> 'user_id'))
  where ((payload -> 'traits') ->> 'user_id') is not null;
create index if not exists audit_log_entries_created_at_idx on auth.audit_log_entries (created_at desc);
