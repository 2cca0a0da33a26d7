-- The OAuth 2.1 server (docs/oauth-server.md): refresh-token rotation that knows which OAuth client a
-- session belongs to (auth.sessions.oauth_client_id, GoTrue's column). The same decisions as the
-- 8-argument function of 0001 (kept for processes of the previous version during a rolling upgrade),
-- plus GoTrue's client check, made on the locked session before any token is touched, and the session's
-- scopes returned for the access token's `scope` claim.
create or replace function auth.foyer_refresh_token_grant(
  p_token text,
  p_new_token text,
  p_reuse_interval_seconds integer,
  p_rotation_enabled boolean,
  p_timebox_seconds double precision,
  p_inactivity_seconds double precision,
  p_user_agent text,
  p_ip text,
  p_oauth_client_id uuid
) returns table (outcome text, refresh_token text, session_id uuid, user_id uuid, aal text, amr jsonb, scopes text)
language plpgsql rows 1 as $$
declare
  v_session_id uuid;
  v_token auth.refresh_tokens%rowtype;
  v_session auth.sessions%rowtype;
  v_newest auth.refresh_tokens%rowtype;
  v_issued text;
  v_outcome text := 'rotated';
begin
  select t.session_id into v_session_id from auth.refresh_tokens t where t.token = p_token;
  if not found then
    return query select 'refresh_token_not_found'::text, null::text, null::uuid, null::uuid, null::text, null::jsonb, null::text;
    return;
  end if;
  select * into v_session from auth.sessions s where s.id = v_session_id for update;
  if not found then
    return query select 'session_not_found'::text, null::text, null::uuid, null::uuid, null::text, null::jsonb, null::text;
    return;
  end if;
  -- A session begun for an OAuth client refreshes only through POST /oauth/token with that client's
  -- credentials, and no other session does: its tokens carry the client's id, a user's own never do.
  if v_session.oauth_client_id is not null and p_oauth_client_id is null then
    return query select 'oauth_client_required'::text, null::text, null::uuid, null::uuid, null::text, null::jsonb, null::text;
    return;
  elsif v_session.oauth_client_id is null and p_oauth_client_id is not null then
    return query select 'oauth_client_not_allowed'::text, null::text, null::uuid, null::uuid, null::text, null::jsonb, null::text;
    return;
  elsif v_session.oauth_client_id <> p_oauth_client_id then
    return query select 'oauth_client_mismatch'::text, null::text, null::uuid, null::uuid, null::text, null::jsonb, null::text;
    return;
  end if;
  select * into v_token from auth.refresh_tokens t where t.token = p_token for update;
  if not found then
    return query select 'refresh_token_not_found'::text, null::text, null::uuid, null::uuid, null::text, null::jsonb, null::text;
    return;
  end if;

  if (v_session.not_after is not null and now() > v_session.not_after)
     or (p_timebox_seconds > 0 and now() > v_session.created_at + make_interval(secs => p_timebox_seconds))
     or (p_inactivity_seconds > 0 and now() > coalesce(v_session.refreshed_at at time zone 'UTC', v_session.updated_at, v_session.created_at)
                                               + make_interval(secs => p_inactivity_seconds)) then
    return query select 'session_expired'::text, null::text, v_session.id, v_session.user_id, null::text, null::jsonb, null::text;
    return;
  end if;

  if exists (select 1 from auth.users u where u.id = v_session.user_id and u.banned_until > now()) then
    return query select 'user_banned'::text, null::text, v_session.id, v_session.user_id, null::text, null::jsonb, null::text;
    return;
  end if;

  if not coalesce(v_token.revoked, false) then
    update auth.refresh_tokens set revoked = true, updated_at = now() where id = v_token.id;
    v_issued := p_new_token;
  else
    -- The subquery (OFFSET 0 keeps it apart) finds the session's live tokens by its index; only then
    -- are they ordered. Left to order by id with LIMIT 1, the planner walks the primary key backwards
    -- through every newer token of every other session.
    select * into v_newest
      from (select * from auth.refresh_tokens t
             where t.session_id = v_session.id and (t.revoked = false or t.revoked is null) offset 0) t
      order by t.id desc limit 1;
    if found and v_newest.parent = v_token.token then
      -- The client lost the response that carried the newest token: hand that one back.
      v_issued := v_newest.token;
      v_outcome := 'reissued';
    elsif p_reuse_interval_seconds > 0 and now() <= v_token.updated_at + make_interval(secs => p_reuse_interval_seconds) then
      v_issued := p_new_token;
    else
      if p_rotation_enabled then
        -- A replayed token means it leaked: end the whole session, so its access tokens stop working too.
        delete from auth.sessions s where s.id = v_session.id;
      end if;
      return query select 'refresh_token_already_used'::text, null::text, v_session.id, v_session.user_id, null::text, null::jsonb, null::text;
      return;
    end if;
  end if;

  if v_issued = p_new_token then
    insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
    values (v_token.instance_id, p_new_token, v_token.user_id, false, now(), now(), v_token.token, v_session.id);
  end if;

  update auth.sessions s
     set refreshed_at = now() at time zone 'UTC', updated_at = now(), user_agent = p_user_agent, ip = p_ip::inet
   where s.id = v_session.id;

  return query
    select v_outcome, v_issued, v_session.id, v_session.user_id, coalesce(v_session.aal::text, 'aal1'),
           coalesce((select jsonb_agg(jsonb_build_object('method', c.authentication_method,
                                                         'timestamp', floor(extract(epoch from c.created_at))::bigint)
                                      order by c.created_at desc)
                       from auth.mfa_amr_claims c where c.session_id = v_session.id), '[]'::jsonb),
           v_session.scopes;
end $$;

revoke all on function auth.foyer_refresh_token_grant(text, text, integer, boolean, double precision, double precision, text, text, uuid) from public;
