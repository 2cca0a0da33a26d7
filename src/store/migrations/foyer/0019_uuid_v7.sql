-- Time-ordered ids (UUID version 7, RFC 9562) for rows Foyer adds on every sign-in or sign-up: the
-- session's authentication-method claims, identities and audit entries. PostgreSQL 15 has no uuidv7().
-- Ids made one after another sort one after another, so each insert lands on the right-most pages of
-- the table's primary key instead of on a random page; at a million users, random keys made every
-- sign-in dirty a page of its own in each such index, write it to the WAL whole after every checkpoint
-- and push it out of shared_buffers (docs/operations.md, "Sizing at a million users"). The JavaScript
-- twin is src/security/uuid-v7.ts, for sessions (their ids go into the token before the row is written).
-- Made from a random (version 4) uuid: its first 48 bits become the Unix time in milliseconds, and
-- bits 52 and 53 (set_bit counts from the low bit of each byte) turn version 0100 into 0111; the
-- variant is already RFC 9562's. 74 random bits stay.
create or replace function auth.foyer_uuid_v7()
returns uuid
language sql volatile parallel safe
as $$
  select encode(
           set_bit(set_bit(
             overlay(uuid_send(gen_random_uuid())
                     placing substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
                     from 1 for 6),
             52, 1), 53, 1),
           'hex')::uuid
$$;
