-- refresh_token_grant returns one row. Without saying so, the planner assumes 1000 and joins it to
-- auth.users with a hash of the whole table on every refresh, which grows slower as users accumulate.
alter function foyer.refresh_token_grant(text, text, integer, boolean, double precision, double precision, text, text) rows 1;
