-- GoTrue's `auth` schema at GoTrue migration 20260625000000 (supabase/auth at bc32168e): the same tables,
-- columns, types, constraints and indexes, under the same names, so GoTrue can start on a database that
-- Foyer created and migrate it forward, and Foyer can start on one that GoTrue migrated.
--
-- Written by Foyer from the catalog of a database that GoTrue's migrations built, not from GoTrue's
-- migrations themselves. Every statement converges: it brings any earlier shape to the target and leaves
-- the target as it is. The earlier shapes met in practice are the supabase/postgres image's initial
-- schema (before GoTrue ever ran), a database GoTrue migrated part of the way, and one that an earlier
-- Foyer created. migrate.ts runs this script, with the version rows, in one transaction: all or nothing.
-- test/store/gotrue-schema.test.ts compares the result with test/fixtures/gotrue-auth-schema.json.
set local search_path = pg_catalog;

-- Earlier shapes whose columns or keys were renamed or replaced ---------------------------------------
do $$
declare
  has_column constant text := 'select exists (select 1 from information_schema.columns where table_schema = ''auth'' and table_name = $1 and column_name = $2)';
  present boolean;
begin
  if to_regclass('auth.users') is not null then
    -- The first schema kept the address's confirmation in confirmed_at, later a generated column.
    execute has_column into present using 'users', 'email_confirmed_at';
    if not present then
      alter table auth.users rename column confirmed_at to email_confirmed_at;
    end if;
    execute has_column into present using 'users', 'email_change_token_new';
    if not present then
      alter table auth.users rename column email_change_token to email_change_token_new;
    end if;
    -- Addresses became unique only among non-SSO users (a partial index below).
    alter table auth.users drop constraint if exists users_email_key;
    if exists (select 1 from information_schema.columns where table_schema = 'auth' and table_name = 'users'
                and column_name in ('phone', 'phone_change') and data_type <> 'text') then
      alter table auth.users alter column phone type text, alter column phone_change type text;
    end if;
  end if;
  if to_regclass('auth.refresh_tokens') is not null then
    drop index if exists auth.refresh_tokens_token_idx;
    alter table auth.refresh_tokens drop constraint if exists refresh_tokens_parent_fkey;
  end if;
  if to_regclass('auth.identities') is not null then
    -- Identities were keyed by (provider, the provider's id in `id`); `id` is now a uuid of its own.
    execute has_column into present using 'identities', 'provider_id';
    if not present then
      alter table auth.identities rename column id to provider_id;
      alter table auth.identities drop constraint if exists identities_pkey;
      alter table auth.identities add column id uuid not null default gen_random_uuid() primary key;
    end if;
  end if;
  if to_regclass('auth.mfa_factors') is not null then
    alter table auth.mfa_factors drop constraint if exists mfa_factors_phone_key;
    drop index if exists auth.unique_verified_phone_factor;
  end if;
  if to_regclass('auth.saml_relay_states') is not null then
    alter table auth.saml_relay_states drop column if exists from_ip_address;
  end if;
  drop table if exists auth.sso_sessions;
  if to_regclass('auth.flow_state') is not null then
    alter table auth.flow_state alter column auth_code drop not null,
      alter column code_challenge_method drop not null, alter column code_challenge drop not null;
  end if;
  if to_regclass('auth.oauth_clients') is not null then
    alter table auth.oauth_clients alter column client_secret_hash drop not null;
    alter table auth.oauth_clients drop constraint if exists oauth_clients_client_id_key;
    drop index if exists auth.oauth_clients_client_id_idx;
    alter table auth.oauth_clients drop column if exists client_id;
    -- Added empty here, filled once client_type exists (below the columns), then made required.
    alter table auth.oauth_clients add column if not exists token_endpoint_auth_method text;
  end if;
end $$;

-- Types -----------------------------------------------------------------------------------------------
do $$
declare
  enum_type text[];
  label text;
begin
  foreach enum_type slice 1 in array array[
    ['aal_level', 'aal1,aal2,aal3'],
    ['code_challenge_method', 's256,plain'],
    ['factor_status', 'unverified,verified'],
    ['factor_type', 'totp,webauthn,phone'],
    ['oauth_authorization_status', 'pending,approved,denied,expired'],
    ['oauth_client_type', 'public,confidential'],
    ['oauth_registration_type', 'dynamic,manual'],
    ['oauth_response_type', 'code'],
    ['one_time_token_type', 'confirmation_token,reauthentication_token,recovery_token,email_change_token_new,email_change_token_current,phone_change_token']
  ] loop
    if to_regtype('auth.' || enum_type[1]) is null then
      execute format('create type auth.%I as enum (%s)', enum_type[1],
        (select string_agg(quote_literal(value), ', ') from unnest(string_to_array(enum_type[2], ',')) as value));
    else
      -- Values added in later versions (factor_type gained 'phone') are appended in their order.
      foreach label in array string_to_array(enum_type[2], ',') loop
        execute format('alter type auth.%I add value if not exists %L', enum_type[1], label);
      end loop;
    end if;
  end loop;
end $$;

-- Tables and columns, in GoTrue's column order --------------------------------------------------------
create sequence if not exists auth.refresh_tokens_id_seq;
create table if not exists auth.audit_log_entries (instance_id uuid);
alter table auth.audit_log_entries
  add column if not exists id uuid not null,
  add column if not exists payload json,
  add column if not exists created_at timestamp with time zone,
  add column if not exists ip_address character varying(64) not null default ''::character varying;
create table if not exists auth.custom_oauth_providers (id uuid not null default gen_random_uuid());
alter table auth.custom_oauth_providers
  add column if not exists provider_type text not null,
  add column if not exists identifier text not null,
  add column if not exists name text not null,
  add column if not exists client_id text not null,
  add column if not exists client_secret text not null,
  add column if not exists acceptable_client_ids text[] not null default '{}'::text[],
  add column if not exists scopes text[] not null default '{}'::text[],
  add column if not exists pkce_enabled boolean not null default true,
  add column if not exists attribute_mapping jsonb not null default '{}'::jsonb,
  add column if not exists authorization_params jsonb not null default '{}'::jsonb,
  add column if not exists enabled boolean not null default true,
  add column if not exists email_optional boolean not null default false,
  add column if not exists issuer text,
  add column if not exists discovery_url text,
  add column if not exists skip_nonce_check boolean not null default false,
  add column if not exists cached_discovery jsonb,
  add column if not exists discovery_cached_at timestamp with time zone,
  add column if not exists authorization_url text,
  add column if not exists token_url text,
  add column if not exists userinfo_url text,
  add column if not exists jwks_uri text,
  add column if not exists created_at timestamp with time zone not null default now(),
  add column if not exists updated_at timestamp with time zone not null default now(),
  add column if not exists custom_claims_allowlist text[] not null default '{}'::text[];
create table if not exists auth.flow_state (id uuid not null);
alter table auth.flow_state
  add column if not exists user_id uuid,
  add column if not exists auth_code text,
  add column if not exists code_challenge_method auth.code_challenge_method,
  add column if not exists code_challenge text,
  add column if not exists provider_type text not null,
  add column if not exists provider_access_token text,
  add column if not exists provider_refresh_token text,
  add column if not exists created_at timestamp with time zone,
  add column if not exists updated_at timestamp with time zone,
  add column if not exists authentication_method text not null,
  add column if not exists auth_code_issued_at timestamp with time zone,
  add column if not exists invite_token text,
  add column if not exists referrer text,
  add column if not exists oauth_client_state_id uuid,
  add column if not exists linking_target_id uuid,
  add column if not exists email_optional boolean not null default false;
create table if not exists auth.identities (provider_id text not null);
alter table auth.identities
  add column if not exists user_id uuid not null,
  add column if not exists identity_data jsonb not null,
  add column if not exists provider text not null,
  add column if not exists last_sign_in_at timestamp with time zone,
  add column if not exists created_at timestamp with time zone,
  add column if not exists updated_at timestamp with time zone,
  add column if not exists email text generated always as (lower((identity_data ->> 'email'::text))) stored,
  add column if not exists id uuid not null default gen_random_uuid();
create table if not exists auth.instances (id uuid not null);
alter table auth.instances
  add column if not exists uuid uuid,
  add column if not exists raw_base_config text,
  add column if not exists created_at timestamp with time zone,
  add column if not exists updated_at timestamp with time zone;
create table if not exists auth.mfa_amr_claims (session_id uuid not null);
alter table auth.mfa_amr_claims
  add column if not exists created_at timestamp with time zone not null,
  add column if not exists updated_at timestamp with time zone not null,
  add column if not exists authentication_method text not null,
  add column if not exists id uuid not null;
create table if not exists auth.mfa_challenges (id uuid not null);
alter table auth.mfa_challenges
  add column if not exists factor_id uuid not null,
  add column if not exists created_at timestamp with time zone not null,
  add column if not exists verified_at timestamp with time zone,
  add column if not exists ip_address inet not null,
  add column if not exists otp_code text,
  add column if not exists web_authn_session_data jsonb;
create table if not exists auth.mfa_factors (id uuid not null);
alter table auth.mfa_factors
  add column if not exists user_id uuid not null,
  add column if not exists friendly_name text,
  add column if not exists factor_type auth.factor_type not null,
  add column if not exists status auth.factor_status not null,
  add column if not exists created_at timestamp with time zone not null,
  add column if not exists updated_at timestamp with time zone not null,
  add column if not exists secret text,
  add column if not exists phone text,
  add column if not exists last_challenged_at timestamp with time zone,
  add column if not exists web_authn_credential jsonb,
  add column if not exists web_authn_aaguid uuid,
  add column if not exists last_webauthn_challenge_data jsonb;
create table if not exists auth.oauth_authorizations (id uuid not null);
alter table auth.oauth_authorizations
  add column if not exists authorization_id text not null,
  add column if not exists client_id uuid not null,
  add column if not exists user_id uuid,
  add column if not exists redirect_uri text not null,
  add column if not exists scope text not null,
  add column if not exists state text,
  add column if not exists resource text,
  add column if not exists code_challenge text,
  add column if not exists code_challenge_method auth.code_challenge_method,
  add column if not exists response_type auth.oauth_response_type not null default 'code'::auth.oauth_response_type,
  add column if not exists status auth.oauth_authorization_status not null default 'pending'::auth.oauth_authorization_status,
  add column if not exists authorization_code text,
  add column if not exists created_at timestamp with time zone not null default now(),
  add column if not exists expires_at timestamp with time zone not null default (now() + '00:03:00'::interval),
  add column if not exists approved_at timestamp with time zone,
  add column if not exists nonce text;
create table if not exists auth.oauth_client_states (id uuid not null);
alter table auth.oauth_client_states
  add column if not exists provider_type text not null,
  add column if not exists code_verifier text,
  add column if not exists created_at timestamp with time zone not null;
create table if not exists auth.oauth_clients (id uuid not null);
alter table auth.oauth_clients
  add column if not exists client_secret_hash text,
  add column if not exists registration_type auth.oauth_registration_type not null,
  add column if not exists redirect_uris text not null,
  add column if not exists grant_types text not null,
  add column if not exists client_name text,
  add column if not exists client_uri text,
  add column if not exists logo_uri text,
  add column if not exists created_at timestamp with time zone not null default now(),
  add column if not exists updated_at timestamp with time zone not null default now(),
  add column if not exists deleted_at timestamp with time zone,
  add column if not exists client_type auth.oauth_client_type not null default 'confidential'::auth.oauth_client_type,
  add column if not exists token_endpoint_auth_method text not null;
create table if not exists auth.oauth_consents (id uuid not null);
alter table auth.oauth_consents
  add column if not exists user_id uuid not null,
  add column if not exists client_id uuid not null,
  add column if not exists scopes text not null,
  add column if not exists granted_at timestamp with time zone not null default now(),
  add column if not exists revoked_at timestamp with time zone;
create table if not exists auth.one_time_tokens (id uuid not null);
alter table auth.one_time_tokens
  add column if not exists user_id uuid not null,
  add column if not exists token_type auth.one_time_token_type not null,
  add column if not exists token_hash text not null,
  add column if not exists relates_to text not null,
  add column if not exists created_at timestamp without time zone not null default now(),
  add column if not exists updated_at timestamp without time zone not null default now();
create table if not exists auth.refresh_tokens (instance_id uuid);
alter table auth.refresh_tokens
  add column if not exists id bigint not null default nextval('auth.refresh_tokens_id_seq'::regclass),
  add column if not exists "token" character varying(255),
  add column if not exists user_id character varying(255),
  add column if not exists revoked boolean,
  add column if not exists created_at timestamp with time zone,
  add column if not exists updated_at timestamp with time zone,
  add column if not exists parent character varying(255),
  add column if not exists session_id uuid;
alter sequence auth.refresh_tokens_id_seq owned by auth.refresh_tokens.id;
create table if not exists auth.saml_providers (id uuid not null);
alter table auth.saml_providers
  add column if not exists sso_provider_id uuid not null,
  add column if not exists entity_id text not null,
  add column if not exists metadata_xml text not null,
  add column if not exists metadata_url text,
  add column if not exists attribute_mapping jsonb,
  add column if not exists created_at timestamp with time zone,
  add column if not exists updated_at timestamp with time zone,
  add column if not exists name_id_format text;
create table if not exists auth.saml_relay_states (id uuid not null);
alter table auth.saml_relay_states
  add column if not exists sso_provider_id uuid not null,
  add column if not exists request_id text not null,
  add column if not exists for_email text,
  add column if not exists redirect_to text,
  add column if not exists created_at timestamp with time zone,
  add column if not exists updated_at timestamp with time zone,
  add column if not exists flow_state_id uuid;
create table if not exists auth.schema_migrations ("version" character varying(255) not null);
create table if not exists auth.sessions (id uuid not null);
alter table auth.sessions
  add column if not exists user_id uuid not null,
  add column if not exists created_at timestamp with time zone,
  add column if not exists updated_at timestamp with time zone,
  add column if not exists factor_id uuid,
  add column if not exists aal auth.aal_level,
  add column if not exists not_after timestamp with time zone,
  add column if not exists refreshed_at timestamp without time zone,
  add column if not exists user_agent text,
  add column if not exists ip inet,
  add column if not exists tag text,
  add column if not exists oauth_client_id uuid,
  add column if not exists refresh_token_hmac_key text,
  add column if not exists refresh_token_counter bigint,
  add column if not exists scopes text;
create table if not exists auth.sso_domains (id uuid not null);
alter table auth.sso_domains
  add column if not exists sso_provider_id uuid not null,
  add column if not exists domain text not null,
  add column if not exists created_at timestamp with time zone,
  add column if not exists updated_at timestamp with time zone;
create table if not exists auth.sso_providers (id uuid not null);
alter table auth.sso_providers
  add column if not exists resource_id text,
  add column if not exists created_at timestamp with time zone,
  add column if not exists updated_at timestamp with time zone,
  add column if not exists disabled boolean;
create table if not exists auth.users (instance_id uuid);
alter table auth.users
  add column if not exists id uuid not null,
  add column if not exists aud character varying(255),
  add column if not exists "role" character varying(255),
  add column if not exists email character varying(255),
  add column if not exists encrypted_password character varying(255),
  add column if not exists email_confirmed_at timestamp with time zone,
  add column if not exists invited_at timestamp with time zone,
  add column if not exists confirmation_token character varying(255),
  add column if not exists confirmation_sent_at timestamp with time zone,
  add column if not exists recovery_token character varying(255),
  add column if not exists recovery_sent_at timestamp with time zone,
  add column if not exists email_change_token_new character varying(255),
  add column if not exists email_change character varying(255),
  add column if not exists email_change_sent_at timestamp with time zone,
  add column if not exists last_sign_in_at timestamp with time zone,
  add column if not exists raw_app_meta_data jsonb,
  add column if not exists raw_user_meta_data jsonb,
  add column if not exists is_super_admin boolean,
  add column if not exists created_at timestamp with time zone,
  add column if not exists updated_at timestamp with time zone,
  add column if not exists phone text default NULL::character varying,
  add column if not exists phone_confirmed_at timestamp with time zone,
  add column if not exists phone_change text default ''::character varying,
  add column if not exists phone_change_token character varying(255) default ''::character varying,
  add column if not exists phone_change_sent_at timestamp with time zone,
  add column if not exists confirmed_at timestamp with time zone generated always as (LEAST(email_confirmed_at, phone_confirmed_at)) stored,
  add column if not exists email_change_token_current character varying(255) default ''::character varying,
  add column if not exists email_change_confirm_status smallint default 0,
  add column if not exists banned_until timestamp with time zone,
  add column if not exists reauthentication_token character varying(255) default ''::character varying,
  add column if not exists reauthentication_sent_at timestamp with time zone,
  add column if not exists is_sso_user boolean not null default false,
  add column if not exists deleted_at timestamp with time zone,
  add column if not exists is_anonymous boolean not null default false;
create table if not exists auth.webauthn_challenges (id uuid not null default gen_random_uuid());
alter table auth.webauthn_challenges
  add column if not exists user_id uuid,
  add column if not exists challenge_type text not null,
  add column if not exists session_data jsonb not null,
  add column if not exists created_at timestamp with time zone not null default now(),
  add column if not exists expires_at timestamp with time zone not null;
create table if not exists auth.webauthn_credentials (id uuid not null default gen_random_uuid());
alter table auth.webauthn_credentials
  add column if not exists user_id uuid not null,
  add column if not exists credential_id bytea not null,
  add column if not exists public_key bytea not null,
  add column if not exists attestation_type text not null default ''::text,
  add column if not exists aaguid uuid,
  add column if not exists sign_count bigint not null default 0,
  add column if not exists transports jsonb not null default '[]'::jsonb,
  add column if not exists backup_eligible boolean not null default false,
  add column if not exists backed_up boolean not null default false,
  add column if not exists friendly_name text not null default ''::text,
  add column if not exists created_at timestamp with time zone not null default now(),
  add column if not exists updated_at timestamp with time zone not null default now(),
  add column if not exists last_used_at timestamp with time zone;

-- Clients registered before token_endpoint_auth_method existed authenticate as their type implies.
update auth.oauth_clients set token_endpoint_auth_method = case when client_type = 'public' then 'none' else 'client_secret_basic' end
 where token_endpoint_auth_method is null;
alter table auth.oauth_clients alter column token_endpoint_auth_method set not null;

-- Constraints, under GoTrue's names. A unique key whose index already exists (an earlier Foyer created
-- refresh_tokens_token_unique as an index) takes that index over.
do $$
declare
  wanted text[];
  head text;
  existing text;
begin
  foreach wanted slice 1 in array array[
    ['auth.audit_log_entries', 'audit_log_entries_pkey', 'PRIMARY KEY (id)'],
    ['auth.custom_oauth_providers', 'custom_oauth_providers_pkey', 'PRIMARY KEY (id)'],
    ['auth.flow_state', 'flow_state_pkey', 'PRIMARY KEY (id)'],
    ['auth.identities', 'identities_pkey', 'PRIMARY KEY (id)'],
    ['auth.instances', 'instances_pkey', 'PRIMARY KEY (id)'],
    ['auth.mfa_amr_claims', 'amr_id_pk', 'PRIMARY KEY (id)'],
    ['auth.mfa_challenges', 'mfa_challenges_pkey', 'PRIMARY KEY (id)'],
    ['auth.mfa_factors', 'mfa_factors_pkey', 'PRIMARY KEY (id)'],
    ['auth.oauth_authorizations', 'oauth_authorizations_pkey', 'PRIMARY KEY (id)'],
    ['auth.oauth_client_states', 'oauth_client_states_pkey', 'PRIMARY KEY (id)'],
    ['auth.oauth_clients', 'oauth_clients_pkey', 'PRIMARY KEY (id)'],
    ['auth.oauth_consents', 'oauth_consents_pkey', 'PRIMARY KEY (id)'],
    ['auth.one_time_tokens', 'one_time_tokens_pkey', 'PRIMARY KEY (id)'],
    ['auth.refresh_tokens', 'refresh_tokens_pkey', 'PRIMARY KEY (id)'],
    ['auth.saml_providers', 'saml_providers_pkey', 'PRIMARY KEY (id)'],
    ['auth.saml_relay_states', 'saml_relay_states_pkey', 'PRIMARY KEY (id)'],
    ['auth.schema_migrations', 'schema_migrations_pkey', 'PRIMARY KEY (version)'],
    ['auth.sessions', 'sessions_pkey', 'PRIMARY KEY (id)'],
    ['auth.sso_domains', 'sso_domains_pkey', 'PRIMARY KEY (id)'],
    ['auth.sso_providers', 'sso_providers_pkey', 'PRIMARY KEY (id)'],
    ['auth.users', 'users_pkey', 'PRIMARY KEY (id)'],
    ['auth.webauthn_challenges', 'webauthn_challenges_pkey', 'PRIMARY KEY (id)'],
    ['auth.webauthn_credentials', 'webauthn_credentials_pkey', 'PRIMARY KEY (id)'],
    ['auth.custom_oauth_providers', 'custom_oauth_providers_identifier_key', 'UNIQUE (identifier)'],
    ['auth.identities', 'identities_provider_id_provider_unique', 'UNIQUE (provider_id, provider)'],
    ['auth.mfa_amr_claims', 'mfa_amr_claims_session_id_authentication_method_pkey', 'UNIQUE (session_id, authentication_method)'],
    ['auth.mfa_factors', 'mfa_factors_last_challenged_at_key', 'UNIQUE (last_challenged_at)'],
    ['auth.oauth_authorizations', 'oauth_authorizations_authorization_code_key', 'UNIQUE (authorization_code)'],
    ['auth.oauth_authorizations', 'oauth_authorizations_authorization_id_key', 'UNIQUE (authorization_id)'],
    ['auth.oauth_consents', 'oauth_consents_user_client_unique', 'UNIQUE (user_id, client_id)'],
    ['auth.refresh_tokens', 'refresh_tokens_token_unique', 'UNIQUE (token)'],
    ['auth.saml_providers', 'saml_providers_entity_id_key', 'UNIQUE (entity_id)'],
    ['auth.users', 'users_phone_key', 'UNIQUE (phone)'],
    ['auth.custom_oauth_providers', 'custom_oauth_providers_authorization_url_https', 'CHECK (((authorization_url IS NULL) OR (authorization_url ~~ ''https://%''::text)))'],
    ['auth.custom_oauth_providers', 'custom_oauth_providers_authorization_url_length', 'CHECK (((authorization_url IS NULL) OR (char_length(authorization_url) <= 2048)))'],
    ['auth.custom_oauth_providers', 'custom_oauth_providers_client_id_length', 'CHECK (((char_length(client_id) >= 1) AND (char_length(client_id) <= 512)))'],
    ['auth.custom_oauth_providers', 'custom_oauth_providers_discovery_url_length', 'CHECK (((discovery_url IS NULL) OR (char_length(discovery_url) <= 2048)))'],
    ['auth.custom_oauth_providers', 'custom_oauth_providers_identifier_format', 'CHECK ((identifier ~ ''^[a-z0-9][a-z0-9:-]{0,48}[a-z0-9]$''::text))'],
    ['auth.custom_oauth_providers', 'custom_oauth_providers_issuer_length', 'CHECK (((issuer IS NULL) OR ((char_length(issuer) >= 1) AND (char_length(issuer) <= 2048))))'],
    ['auth.custom_oauth_providers', 'custom_oauth_providers_jwks_uri_https', 'CHECK (((jwks_uri IS NULL) OR (jwks_uri ~~ ''https://%''::text)))'],
    ['auth.custom_oauth_providers', 'custom_oauth_providers_jwks_uri_length', 'CHECK (((jwks_uri IS NULL) OR (char_length(jwks_uri) <= 2048)))'],
    ['auth.custom_oauth_providers', 'custom_oauth_providers_name_length', 'CHECK (((char_length(name) >= 1) AND (char_length(name) <= 100)))'],
    ['auth.custom_oauth_providers', 'custom_oauth_providers_oauth2_requires_endpoints', 'CHECK (((provider_type <> ''oauth2''::text) OR ((authorization_url IS NOT NULL) AND (token_url IS NOT NULL) AND (userinfo_url IS NOT NULL))))'],
    ['auth.custom_oauth_providers', 'custom_oauth_providers_oidc_discovery_url_https', 'CHECK (((provider_type <> ''oidc''::text) OR (discovery_url IS NULL) OR (discovery_url ~~ ''https://%''::text)))'],
    ['auth.custom_oauth_providers', 'custom_oauth_providers_oidc_issuer_https', 'CHECK (((provider_type <> ''oidc''::text) OR (issuer IS NULL) OR (issuer ~~ ''https://%''::text)))'],
    ['auth.custom_oauth_providers', 'custom_oauth_providers_oidc_requires_issuer', 'CHECK (((provider_type <> ''oidc''::text) OR (issuer IS NOT NULL)))'],
    ['auth.custom_oauth_providers', 'custom_oauth_providers_provider_type_check', 'CHECK ((provider_type = ANY (ARRAY[''oauth2''::text, ''oidc''::text])))'],
    ['auth.custom_oauth_providers', 'custom_oauth_providers_token_url_https', 'CHECK (((token_url IS NULL) OR (token_url ~~ ''https://%''::text)))'],
    ['auth.custom_oauth_providers', 'custom_oauth_providers_token_url_length', 'CHECK (((token_url IS NULL) OR (char_length(token_url) <= 2048)))'],
    ['auth.custom_oauth_providers', 'custom_oauth_providers_userinfo_url_https', 'CHECK (((userinfo_url IS NULL) OR (userinfo_url ~~ ''https://%''::text)))'],
    ['auth.custom_oauth_providers', 'custom_oauth_providers_userinfo_url_length', 'CHECK (((userinfo_url IS NULL) OR (char_length(userinfo_url) <= 2048)))'],
    ['auth.oauth_authorizations', 'oauth_authorizations_authorization_code_length', 'CHECK ((char_length(authorization_code) <= 255))'],
    ['auth.oauth_authorizations', 'oauth_authorizations_code_challenge_length', 'CHECK ((char_length(code_challenge) <= 128))'],
    ['auth.oauth_authorizations', 'oauth_authorizations_expires_at_future', 'CHECK ((expires_at > created_at))'],
    ['auth.oauth_authorizations', 'oauth_authorizations_nonce_length', 'CHECK ((char_length(nonce) <= 255))'],
    ['auth.oauth_authorizations', 'oauth_authorizations_redirect_uri_length', 'CHECK ((char_length(redirect_uri) <= 2048))'],
    ['auth.oauth_authorizations', 'oauth_authorizations_resource_length', 'CHECK ((char_length(resource) <= 2048))'],
    ['auth.oauth_authorizations', 'oauth_authorizations_scope_length', 'CHECK ((char_length(scope) <= 4096))'],
    ['auth.oauth_authorizations', 'oauth_authorizations_state_length', 'CHECK ((char_length(state) <= 4096))'],
    ['auth.oauth_clients', 'oauth_clients_client_name_length', 'CHECK ((char_length(client_name) <= 1024))'],
    ['auth.oauth_clients', 'oauth_clients_client_uri_length', 'CHECK ((char_length(client_uri) <= 2048))'],
    ['auth.oauth_clients', 'oauth_clients_logo_uri_length', 'CHECK ((char_length(logo_uri) <= 2048))'],
    ['auth.oauth_clients', 'oauth_clients_token_endpoint_auth_method_check', 'CHECK ((token_endpoint_auth_method = ANY (ARRAY[''client_secret_basic''::text, ''client_secret_post''::text, ''none''::text])))'],
    ['auth.oauth_consents', 'oauth_consents_revoked_after_granted', 'CHECK (((revoked_at IS NULL) OR (revoked_at >= granted_at)))'],
    ['auth.oauth_consents', 'oauth_consents_scopes_length', 'CHECK ((char_length(scopes) <= 2048))'],
    ['auth.oauth_consents', 'oauth_consents_scopes_not_empty', 'CHECK ((char_length(TRIM(BOTH FROM scopes)) > 0))'],
    ['auth.one_time_tokens', 'one_time_tokens_token_hash_check', 'CHECK ((char_length(token_hash) > 0))'],
    ['auth.saml_providers', 'entity_id not empty', 'CHECK ((char_length(entity_id) > 0))'],
    ['auth.saml_providers', 'metadata_url not empty', 'CHECK (((metadata_url = NULL::text) OR (char_length(metadata_url) > 0)))'],
    ['auth.saml_providers', 'metadata_xml not empty', 'CHECK ((char_length(metadata_xml) > 0))'],
    ['auth.saml_relay_states', 'request_id not empty', 'CHECK ((char_length(request_id) > 0))'],
    ['auth.sessions', 'sessions_scopes_length', 'CHECK ((char_length(scopes) <= 4096))'],
    ['auth.sso_domains', 'domain not empty', 'CHECK ((char_length(domain) > 0))'],
    ['auth.sso_providers', 'resource_id not empty', 'CHECK (((resource_id = NULL::text) OR (char_length(resource_id) > 0)))'],
    ['auth.users', 'users_email_change_confirm_status_check', 'CHECK (((email_change_confirm_status >= 0) AND (email_change_confirm_status <= 2)))'],
    ['auth.webauthn_challenges', 'webauthn_challenges_challenge_type_check', 'CHECK ((challenge_type = ANY (ARRAY[''signup''::text, ''registration''::text, ''authentication''::text])))'],
    ['auth.identities', 'identities_user_id_fkey', 'FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE'],
    ['auth.mfa_amr_claims', 'mfa_amr_claims_session_id_fkey', 'FOREIGN KEY (session_id) REFERENCES auth.sessions(id) ON DELETE CASCADE'],
    ['auth.mfa_challenges', 'mfa_challenges_auth_factor_id_fkey', 'FOREIGN KEY (factor_id) REFERENCES auth.mfa_factors(id) ON DELETE CASCADE'],
    ['auth.mfa_factors', 'mfa_factors_user_id_fkey', 'FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE'],
    ['auth.oauth_authorizations', 'oauth_authorizations_client_id_fkey', 'FOREIGN KEY (client_id) REFERENCES auth.oauth_clients(id) ON DELETE CASCADE'],
    ['auth.oauth_authorizations', 'oauth_authorizations_user_id_fkey', 'FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE'],
    ['auth.oauth_consents', 'oauth_consents_client_id_fkey', 'FOREIGN KEY (client_id) REFERENCES auth.oauth_clients(id) ON DELETE CASCADE'],
    ['auth.oauth_consents', 'oauth_consents_user_id_fkey', 'FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE'],
    ['auth.one_time_tokens', 'one_time_tokens_user_id_fkey', 'FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE'],
    ['auth.refresh_tokens', 'refresh_tokens_session_id_fkey', 'FOREIGN KEY (session_id) REFERENCES auth.sessions(id) ON DELETE CASCADE'],
    ['auth.saml_providers', 'saml_providers_sso_provider_id_fkey', 'FOREIGN KEY (sso_provider_id) REFERENCES auth.sso_providers(id) ON DELETE CASCADE'],
    ['auth.saml_relay_states', 'saml_relay_states_flow_state_id_fkey', 'FOREIGN KEY (flow_state_id) REFERENCES auth.flow_state(id) ON DELETE CASCADE'],
    ['auth.saml_relay_states', 'saml_relay_states_sso_provider_id_fkey', 'FOREIGN KEY (sso_provider_id) REFERENCES auth.sso_providers(id) ON DELETE CASCADE'],
    ['auth.sessions', 'sessions_oauth_client_id_fkey', 'FOREIGN KEY (oauth_client_id) REFERENCES auth.oauth_clients(id) ON DELETE CASCADE'],
    ['auth.sessions', 'sessions_user_id_fkey', 'FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE'],
    ['auth.sso_domains', 'sso_domains_sso_provider_id_fkey', 'FOREIGN KEY (sso_provider_id) REFERENCES auth.sso_providers(id) ON DELETE CASCADE'],
    ['auth.webauthn_challenges', 'webauthn_challenges_user_id_fkey', 'FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE'],
    ['auth.webauthn_credentials', 'webauthn_credentials_user_id_fkey', 'FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE']
  ] loop
    if not exists (select 1 from pg_constraint where conrelid = wanted[1]::regclass and conname = wanted[2]) then
      head := substring(wanted[3] from '^(PRIMARY KEY|UNIQUE) \(');
      select conname into existing from pg_constraint
       where conrelid = wanted[1]::regclass and pg_get_constraintdef(oid) = wanted[3] limit 1;
      if existing is not null then
        -- The same key under another name (an earlier Foyer's mfa_amr_claims_pkey): renamed.
        execute format('alter table %s rename constraint %I to %I', wanted[1], existing, wanted[2]);
      elsif head is not null and to_regclass('auth.' || quote_ident(wanted[2])) is not null then
        execute format('alter table %s add constraint %I %s using index %I', wanted[1], wanted[2], head, wanted[2]);
      else
        execute format('alter table %s add constraint %I %s', wanted[1], wanted[2], wanted[3]);
      end if;
    end if;
  end loop;
end $$;

-- Indexes (those not behind a constraint), as pg_get_indexdef prints them: one that exists under the
-- same name with another definition (an earlier version's) is built again.
do $$
declare
  wanted text;
  index_name text;
  existing text;
begin
  foreach wanted in array array[
    'CREATE INDEX audit_logs_instance_id_idx ON auth.audit_log_entries USING btree (instance_id)',
    'CREATE UNIQUE INDEX confirmation_token_idx ON auth.users USING btree (confirmation_token) WHERE ((confirmation_token)::text !~ ''^[0-9 ]*$''::text)',
    'CREATE INDEX custom_oauth_providers_created_at_idx ON auth.custom_oauth_providers USING btree (created_at)',
    'CREATE INDEX custom_oauth_providers_enabled_idx ON auth.custom_oauth_providers USING btree (enabled)',
    'CREATE INDEX custom_oauth_providers_identifier_idx ON auth.custom_oauth_providers USING btree (identifier)',
    'CREATE INDEX custom_oauth_providers_provider_type_idx ON auth.custom_oauth_providers USING btree (provider_type)',
    'CREATE UNIQUE INDEX email_change_token_current_idx ON auth.users USING btree (email_change_token_current) WHERE ((email_change_token_current)::text !~ ''^[0-9 ]*$''::text)',
    'CREATE UNIQUE INDEX email_change_token_new_idx ON auth.users USING btree (email_change_token_new) WHERE ((email_change_token_new)::text !~ ''^[0-9 ]*$''::text)',
    'CREATE INDEX factor_id_created_at_idx ON auth.mfa_factors USING btree (user_id, created_at)',
    'CREATE INDEX flow_state_created_at_idx ON auth.flow_state USING btree (created_at DESC)',
    'CREATE INDEX identities_email_idx ON auth.identities USING btree (email text_pattern_ops)',
    'CREATE INDEX identities_user_id_idx ON auth.identities USING btree (user_id)',
    'CREATE INDEX idx_auth_code ON auth.flow_state USING btree (auth_code)',
    'CREATE INDEX idx_oauth_client_states_created_at ON auth.oauth_client_states USING btree (created_at)',
    'CREATE INDEX idx_user_id_auth_method ON auth.flow_state USING btree (user_id, authentication_method)',
    'CREATE INDEX mfa_challenge_created_at_idx ON auth.mfa_challenges USING btree (created_at DESC)',
    'CREATE UNIQUE INDEX mfa_factors_user_friendly_name_unique ON auth.mfa_factors USING btree (friendly_name, user_id) WHERE (TRIM(BOTH FROM friendly_name) <> ''''::text)',
    'CREATE INDEX mfa_factors_user_id_idx ON auth.mfa_factors USING btree (user_id)',
    'CREATE INDEX oauth_auth_pending_exp_idx ON auth.oauth_authorizations USING btree (expires_at) WHERE (status = ''pending''::auth.oauth_authorization_status)',
    'CREATE INDEX oauth_clients_deleted_at_idx ON auth.oauth_clients USING btree (deleted_at)',
    'CREATE INDEX oauth_consents_active_client_idx ON auth.oauth_consents USING btree (client_id) WHERE (revoked_at IS NULL)',
    'CREATE INDEX oauth_consents_active_user_client_idx ON auth.oauth_consents USING btree (user_id, client_id) WHERE (revoked_at IS NULL)',
    'CREATE INDEX oauth_consents_user_order_idx ON auth.oauth_consents USING btree (user_id, granted_at DESC)',
    'CREATE INDEX one_time_tokens_relates_to_hash_idx ON auth.one_time_tokens USING hash (relates_to)',
    'CREATE INDEX one_time_tokens_token_hash_hash_idx ON auth.one_time_tokens USING hash (token_hash)',
    'CREATE UNIQUE INDEX one_time_tokens_user_id_token_type_key ON auth.one_time_tokens USING btree (user_id, token_type)',
    'CREATE UNIQUE INDEX reauthentication_token_idx ON auth.users USING btree (reauthentication_token) WHERE ((reauthentication_token)::text !~ ''^[0-9 ]*$''::text)',
    'CREATE UNIQUE INDEX recovery_token_idx ON auth.users USING btree (recovery_token) WHERE ((recovery_token)::text !~ ''^[0-9 ]*$''::text)',
    'CREATE INDEX refresh_tokens_instance_id_idx ON auth.refresh_tokens USING btree (instance_id)',
    'CREATE INDEX refresh_tokens_instance_id_user_id_idx ON auth.refresh_tokens USING btree (instance_id, user_id)',
    'CREATE INDEX refresh_tokens_parent_idx ON auth.refresh_tokens USING btree (parent)',
    'CREATE INDEX refresh_tokens_session_id_revoked_idx ON auth.refresh_tokens USING btree (session_id, revoked)',
    'CREATE INDEX refresh_tokens_updated_at_idx ON auth.refresh_tokens USING btree (updated_at DESC)',
    'CREATE INDEX saml_providers_sso_provider_id_idx ON auth.saml_providers USING btree (sso_provider_id)',
    'CREATE INDEX saml_relay_states_created_at_idx ON auth.saml_relay_states USING btree (created_at DESC)',
    'CREATE INDEX saml_relay_states_for_email_idx ON auth.saml_relay_states USING btree (for_email)',
    'CREATE INDEX saml_relay_states_sso_provider_id_idx ON auth.saml_relay_states USING btree (sso_provider_id)',
    'CREATE INDEX sessions_not_after_idx ON auth.sessions USING btree (not_after DESC)',
    'CREATE INDEX sessions_oauth_client_id_idx ON auth.sessions USING btree (oauth_client_id)',
    'CREATE INDEX sessions_user_id_idx ON auth.sessions USING btree (user_id)',
    'CREATE UNIQUE INDEX sso_domains_domain_idx ON auth.sso_domains USING btree (lower(domain))',
    'CREATE INDEX sso_domains_sso_provider_id_idx ON auth.sso_domains USING btree (sso_provider_id)',
    'CREATE UNIQUE INDEX sso_providers_resource_id_idx ON auth.sso_providers USING btree (lower(resource_id))',
    'CREATE INDEX sso_providers_resource_id_pattern_idx ON auth.sso_providers USING btree (resource_id text_pattern_ops)',
    'CREATE UNIQUE INDEX unique_phone_factor_per_user ON auth.mfa_factors USING btree (user_id, phone)',
    'CREATE INDEX user_id_created_at_idx ON auth.sessions USING btree (user_id, created_at)',
    'CREATE UNIQUE INDEX users_email_partial_key ON auth.users USING btree (email) WHERE (is_sso_user = false)',
    'CREATE INDEX users_instance_id_email_idx ON auth.users USING btree (instance_id, lower((email)::text))',
    'CREATE INDEX users_instance_id_idx ON auth.users USING btree (instance_id)',
    'CREATE INDEX users_is_anonymous_idx ON auth.users USING btree (is_anonymous)',
    'CREATE INDEX webauthn_challenges_expires_at_idx ON auth.webauthn_challenges USING btree (expires_at)',
    'CREATE INDEX webauthn_challenges_user_id_idx ON auth.webauthn_challenges USING btree (user_id)',
    'CREATE UNIQUE INDEX webauthn_credentials_credential_id_key ON auth.webauthn_credentials USING btree (credential_id)',
    'CREATE INDEX webauthn_credentials_user_id_idx ON auth.webauthn_credentials USING btree (user_id)'
  ] loop
    index_name := substring(wanted from 'INDEX (\S+) ON');
    existing := pg_get_indexdef(to_regclass('auth.' || index_name));
    if existing is distinct from wanted then
      if existing is not null then
        execute format('drop index auth.%I', index_name);
      end if;
      execute wanted;
    end if;
  end loop;
end $$;

-- Row-level security, on the tables where GoTrue turns it on: the API roles reach them through auth.*
-- functions only.
do $$
declare
  table_name text;
begin
  foreach table_name in array array['audit_log_entries', 'flow_state', 'identities', 'instances', 'mfa_amr_claims',
    'mfa_challenges', 'mfa_factors', 'one_time_tokens', 'refresh_tokens', 'saml_providers', 'saml_relay_states',
    'schema_migrations', 'sessions', 'sso_domains', 'sso_providers', 'users'] loop
    execute format('alter table auth.%I enable row level security', table_name);
    -- Supabase's `postgres` role reads these tables and may grant that on (Studio shows them).
    if exists (select 1 from pg_roles where rolname = 'postgres') and current_user <> 'postgres' then
      execute format('grant select on auth.%I to postgres with grant option', table_name);
    end if;
  end loop;
end $$;

-- The claims helpers RLS policies call, reading PostgREST's request.jwt.claim(s) settings. The
-- supabase/postgres image creates older versions of the first three, owned by the auth login; a
-- database where another role owns them keeps them (same semantics), with a notice.
do $$ begin
  create or replace function auth.uid() returns uuid language sql stable as $f$
    select coalesce(
      nullif(current_setting('request.jwt.claim.sub', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
    )::uuid
  $f$;
  create or replace function auth.role() returns text language sql stable as $f$
    select coalesce(
      nullif(current_setting('request.jwt.claim.role', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
    )::text
  $f$;
  create or replace function auth.email() returns text language sql stable as $f$
    select coalesce(
      nullif(current_setting('request.jwt.claim.email', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
    )::text
  $f$;
  create or replace function auth.jwt() returns jsonb language sql stable as $f$
    select coalesce(
      nullif(current_setting('request.jwt.claim', true), ''),
      nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
  $f$;
exception when insufficient_privilege then
  raise notice 'foyer: auth.uid()/role()/email()/jwt() are owned by another role and were kept as they are';
end $$;

-- Users who signed up with a password, or were invited, before identities existed get their email
-- identity, as every later one has.
insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
select u.id::text, u.id, jsonb_build_object('sub', u.id::text, 'email', u.email), 'email', null, now(), now()
  from auth.users u
 where u.email is not null
   and ((u.encrypted_password <> '' and not exists (select 1 from auth.identities i where i.user_id = u.id))
        or (u.invited_at is not null
            and not exists (select 1 from auth.identities i where i.user_id = u.id and i.provider = 'email')));

reset search_path;
