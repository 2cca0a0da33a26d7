-- GoTrue's v2 refresh tokens (no row in auth.refresh_tokens; the session's refresh_token_counter says
-- which token is current). The caller has checked the token's signature with the session's key; this
-- decides, with the session row locked, what the token's counter allows, in one round trip:
--   equal to the session's counter:        rotate (counter + 1, 'rotated');
--   one behind, or the session refreshed within the reuse interval (a client that lost the last
--   response, or concurrent refreshes): hand back the current counter ('reissued');
--   further behind: reuse. With rotation on the session is deleted (so its access tokens stop
--   working too), and either way 'refresh_token_already_used';
--   ahead of the session's counter: no server issued it ('counter_ahead').
-- Two refreshes of one token serialize on the lock: the second sees the first's counter, one ahead
-- of its token, and gets the same new token back; the counter never moves twice for one token.
-- p_hmac_key is the stored key the signature was checked with: a session whose key is no longer
-- that one is treated as gone, like a session without v2 data. Checks run in GoTrue's order: the
-- session and its key, the ban, expiry (not_after, timebox, inactivity since the last refresh), then
-- the counter.
create or replace function auth.foyer_refresh_token_v2_grant(
  p_session_id uuid,
  p_hmac_key text,
  p_counter bigint,
  p_reuse_interval_seconds integer,
  p_rotation_enabled boolean,
  p_timebox_seconds double precision,
  p_inactivity_seconds double precision,
  p_user_agent text,
  p_ip text
) returns table (outcome text, counter bigint, session_id uuid, user_id uuid, aal text, amr jsonb)
language plpgsql rows 1 as $$
declare
  v_session auth.sessions%rowtype;
  v_last_refreshed_at timestamptz;
  v_behind bigint;
  v_counter bigint;
  v_outcome text;
begin
  select * into v_session from auth.sessions s where s.id = p_session_id for update;
  if not found or v_session.refresh_token_counter is null or v_session.refresh_token_hmac_key is distinct from p_hmac_key then
    return query select 'refresh_token_not_found'::text, null::bigint, null::uuid, null::uuid, null::text, null::jsonb;
    return;
  end if;

  if exists (select 1 from auth.users u where u.id = v_session.user_id and u.banned_until > now()) then
    return query select 'user_banned'::text, null::bigint, v_session.id, v_session.user_id, null::text, null::jsonb;
    return;
  end if;

  -- GoTrue's "last refreshed": refreshed_at (UTC, without time zone), else the session's creation.
  v_last_refreshed_at := coalesce(v_session.refreshed_at at time zone 'UTC', v_session.created_at);
  if (v_session.not_after is not null and now() > v_session.not_after)
     or (p_timebox_seconds > 0 and now() > v_session.created_at + make_interval(secs => p_timebox_seconds))
     or (p_inactivity_seconds > 0 and now() > v_last_refreshed_at + make_interval(secs => p_inactivity_seconds)) then
    return query select 'session_expired'::text, null::bigint, v_session.id, v_session.user_id, null::text, null::jsonb;
    return;
  end if;

  v_behind := v_session.refresh_token_counter - p_counter;
  if v_behind < 0 then
    return query select 'counter_ahead'::text, null::bigint, v_session.id, v_session.user_id, null::text, null::jsonb;
    return;
  elsif v_behind = 0 then
    if v_session.refresh_token_counter = 9223372036854775807 then
      -- No further counter can be encoded: the session cannot be refreshed any more.
      return query select 'session_expired'::text, null::bigint, v_session.id, v_session.user_id, null::text, null::jsonb;
      return;
    end if;
    v_counter := v_session.refresh_token_counter + 1;
    v_outcome := 'rotated';
  elsif v_behind = 1
        or (p_reuse_interval_seconds > 0
            and abs(extract(epoch from now() - v_last_refreshed_at)) < p_reuse_interval_seconds) then
    v_counter := v_session.refresh_token_counter;
    v_outcome := 'reissued';
  else
    if p_rotation_enabled then
      -- A token replayed after its successors were issued means it leaked: end the whole session.
      delete from auth.sessions s where s.id = v_session.id;
    end if;
    return query select 'refresh_token_already_used'::text, null::bigint, v_session.id, v_session.user_id, null::text, null::jsonb;
    return;
  end if;

  update auth.sessions s
     set refresh_token_counter = v_counter, refreshed_at = now() at time zone 'UTC', updated_at = now(),
         user_agent = p_user_agent, ip = p_ip::inet
   where s.id = v_session.id;

  return query
    select v_outcome, v_counter, v_session.id, v_session.user_id, coalesce(v_session.aal::text, 'aal1'),
           coalesce((select jsonb_agg(jsonb_build_object('method', c.authentication_method,
                                                         'timestamp', floor(extract(epoch from c.created_at))::bigint)
                                      order by c.created_at desc)
                       from auth.mfa_amr_claims c where c.session_id = v_session.id), '[]'::jsonb);
end $$;

-- Foyer calls it as the auth login; nobody else needs to.
revoke all on function auth.foyer_refresh_token_v2_grant(uuid, text, bigint, integer, boolean, double precision, double precision, text, text) from public;
