-- Periods during which anonymous sign-ins needed a CAPTCHA because the sign-up spike signal fired
-- (FOYER_SECURITY_CAPTCHA_ANONYMOUS=spike): when each began and ended, how far the spike went, and how
-- many sign-ins it challenged (admitted with a solution, refused without one). Every Foyer process
-- serving the project reads the signal; the partial unique index keeps one open period between them.
create table if not exists auth.foyer_captcha_escalations (
  id bigserial primary key,
  started_at timestamptz not null default now(),
  ended_at timestamptz,
  peak_factor double precision not null default 1,
  peak_difficulty integer,
  challenged integer not null default 0,
  refused integer not null default 0
);
create unique index if not exists foyer_captcha_escalations_open_idx on auth.foyer_captcha_escalations ((true)) where ended_at is null;
create index if not exists foyer_captcha_escalations_started_at_idx on auth.foyer_captcha_escalations (started_at);
alter table auth.foyer_captcha_escalations enable row level security;
