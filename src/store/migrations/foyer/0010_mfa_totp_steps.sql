-- The last TOTP time step (unix time / 30) each factor was verified with. A code is accepted only for
-- a later step than this one (RFC 6238, section 5.2), so a code seen once (over a shoulder, in a
-- phishing proxy's log) cannot be used again within its 90 seconds of validity, even with a new
-- challenge. GoTrue does not keep this; it ignores the table, and the row goes with its factor.
create table if not exists auth.foyer_mfa_totp_steps (
  factor_id uuid primary key references auth.mfa_factors (id) on delete cascade,
  time_step bigint not null,
  verified_at timestamptz not null default now()
);
alter table auth.foyer_mfa_totp_steps enable row level security;
