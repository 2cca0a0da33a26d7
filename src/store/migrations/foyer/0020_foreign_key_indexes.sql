-- Foreign keys whose column leads no index in GoTrue's schema. Deleting a parent row makes PostgreSQL
-- find its children by that column: without an index, by reading the whole child table, once for each
-- parent row deleted. A user deleted (by the admin API, by the user, by the anonymous cleanup in
-- batches of hundreds) read all of oauth_authorizations; an MFA factor unenrolled, or deleted with
-- its user, read all of mfa_challenges, which gains a row for every MFA sign-in; the housekeeping of
-- GOTRUE_DB_CLEANUP_ENABLED, which deletes old flow states, read all of saml_relay_states for each.
-- Named foyer_… like every index Foyer adds: GoTrue ignores them, and going back drops them
-- (docs/self-hosted-supabase.md).
create index if not exists foyer_oauth_authorizations_user_id_idx on auth.oauth_authorizations (user_id);
create index if not exists foyer_oauth_authorizations_client_id_idx on auth.oauth_authorizations (client_id);
create index if not exists foyer_mfa_challenges_factor_id_idx on auth.mfa_challenges (factor_id);
create index if not exists foyer_saml_relay_states_flow_state_id_idx on auth.saml_relay_states (flow_state_id);
create index if not exists foyer_console_sessions_admin_id_idx on auth.foyer_console_sessions (admin_id);
