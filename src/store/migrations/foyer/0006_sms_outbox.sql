-- SMS that Foyer would send when no SMS provider is configured (GOTRUE_SMS_PROVIDER unset): kept here and
-- shown through the admin API (/admin/sms/outbox), as mail is in auth.foyer_mail_outbox, so phone sign-in
-- can be followed to the end without a provider account.
create table if not exists auth.foyer_sms_outbox (
  id uuid primary key default gen_random_uuid(),
  created_at timestamptz not null default now(),
  -- What the message is for: confirmation (sign-up, sign-in) or phone_change.
  kind text not null,
  -- The number in GoTrue's stored form (E.164 without the "+").
  recipient text not null,
  channel text not null check (channel in ('sms', 'whatsapp')),
  body text not null
);
create index if not exists foyer_sms_outbox_created_at_idx on auth.foyer_sms_outbox (created_at desc);
create index if not exists foyer_sms_outbox_recipient_idx on auth.foyer_sms_outbox (recipient, created_at desc);

-- Foyer's tables are its own: the API roles, which have USAGE on schema auth, get nothing from them.
alter table auth.foyer_sms_outbox enable row level security;
