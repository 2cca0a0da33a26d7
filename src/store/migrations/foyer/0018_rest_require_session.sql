-- The Data API's session check as a statement that fails when the session no longer lets the token
-- in (docs/data-api.md, "Ended sessions"). foyer_rest_session_state answers why; this raises it, so the
-- request's own statement can be sent in the same round trip behind the check: once the check has
-- failed, PostgreSQL runs nothing more in that transaction, so a refused write never starts (its
-- triggers never fire, its sequences never advance). The reason is the message, under PostgREST's
-- "HTTP status in the SQLSTATE" convention (PT401), which the Data API turns into its 401 PGRST303.
create or replace function auth.foyer_rest_require_session(p_session_id uuid, p_user_id uuid)
returns void
language plpgsql stable security definer
set search_path = ''
as $$
declare
  v_state text := auth.foyer_rest_session_state(p_session_id, p_user_id);
begin
  if v_state is not null then
    raise exception using errcode = 'PT401', message = v_state;
  end if;
end $$;
-- Execution stays granted to PUBLIC, as for foyer_rest_session_state: every role a token may name asks.
