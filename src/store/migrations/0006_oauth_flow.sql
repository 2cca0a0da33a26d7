-- What an OAuth flow keeps towards the provider, next to GoTrue's auth.flow_state (whose id is the
-- OAuth `state`): Foyer's own PKCE verifier and OpenID nonce, and whether the client asked for PKCE
-- (`?code=`) or the implicit flow (tokens in the fragment). Gone with its flow_state.
create table if not exists foyer.oauth_flows (
  flow_state_id uuid primary key references auth.flow_state (id) on delete cascade,
  provider_code_verifier text not null,
  provider_nonce text,
  client_flow text not null check (client_flow in ('pkce', 'implicit')),
  created_at timestamptz not null default now()
);
alter table foyer.oauth_flows enable row level security;
