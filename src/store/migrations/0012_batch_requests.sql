-- The requests of a hot-path batch (anonymous sign-ins, refresh rotations) arrive as one jsonb array.
-- PostgreSQL assumes 100 rows for a set-returning function such as jsonb_array_elements, and for 100
-- requests it plans hash joins that read auth.refresh_tokens and auth.sessions whole. A batch holds a
-- handful of requests, so this function says 1: each request's token, session and user are then found
-- by their indexes, whatever the tables' sizes and however stale their statistics. The SET clause keeps
-- the function from being inlined, which would drop its row estimate.
create or replace function foyer.batch_requests(requests jsonb) returns setof jsonb
  language sql immutable strict parallel safe rows 1
  set search_path = pg_catalog
  as $$ select jsonb_array_elements(requests) $$;
