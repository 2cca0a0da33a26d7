-- Mail that Foyer would send when no SMTP server is configured (the embedded quick start): kept here and
-- shown through the admin API, so a newcomer can follow a confirmation link without a mail server.
create table if not exists foyer.mail_outbox (
  id uuid primary key default gen_random_uuid(),
  created_at timestamptz not null default now(),
  kind text not null,
  recipient text not null,
  subject text not null,
  text_body text not null,
  html_body text not null,
  -- Set when the message was delivered over SMTP; null while it only lives here.
  delivered_at timestamptz
);
create index if not exists mail_outbox_created_at_idx on foyer.mail_outbox (created_at desc);
create index if not exists mail_outbox_recipient_idx on foyer.mail_outbox (lower(recipient));
