/** Request and response schemas. Response schemas are the allow-list of what reaches the wire. */
import { Type, type TSchema } from '@sinclair/typebox';

/** A field clients may send, leave out, or send as null (supabase-js sends explicit nulls). */
export const Maybe = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

export const JsonObject = Type.Object({}, { additionalProperties: true });

/**
 * Length limits of the fields GoTrue leaves open (a longer value answers 400 validation_failed naming the
 * field and its limit). Where GoTrue has a rule, its rule and message stay with the check that makes it
 * (src/auth/validate.ts: email 255 bytes, password 72 bytes, phone E.164; src/auth/mail-links.ts: PKCE
 * code challenge 43 to 128 characters), and the schema leaves the field to it. Behind every field,
 * MAX_STRING_LENGTH (src/http/body.ts) bounds any string at all. Each limit is far above a real value.
 */
export const FIELD_LIMITS = {
  /** Names of things: role, provider, client id, channel, types and methods. auth.users.role is varchar(255). */
  name: 255,
  /** URLs: redirect_to, an OIDC issuer. GoTrue's own bound for the URLs it stores (its OAuth clients' URIs). */
  url: 2048,
  /** Tokens: JWTs (an id_token with many claims stays far below), refresh tokens, PKCE codes and verifiers, nonces. */
  token: 8192,
  /** Searches and filters in query strings (an email address or a name, with an operator). */
  search: 1024,
} as const;

export const NameText = Type.String({ maxLength: FIELD_LIMITS.name });
export const UrlText = Type.String({ maxLength: FIELD_LIMITS.url });
export const TokenText = Type.String({ maxLength: FIELD_LIMITS.token });
export const SearchText = Type.String({ maxLength: FIELD_LIMITS.search });

/** `?redirect_to=` of the routes that send mail or redirect. */
export const RedirectQuery = Type.Object({ redirect_to: Type.Optional(UrlText) });

/** captcha_token: the CAPTCHA verifier bounds it (MAX_CAPTCHA_TOKEN_LENGTH) and answers as GoTrue does. */
export const MetaSecurity = Maybe(Type.Object({ captcha_token: Maybe(Type.String()) }));

const timestamp = { type: 'string' } as const;

export const identityResponse = {
  type: 'object',
  properties: {
    identity_id: { type: 'string' },
    id: { type: 'string' },
    user_id: { type: 'string' },
    identity_data: { type: 'object', additionalProperties: true },
    provider: { type: 'string' },
    last_sign_in_at: timestamp,
    created_at: timestamp,
    updated_at: timestamp,
    email: { type: 'string' },
  },
} as const;

const nullableTimestamp = { type: ['string', 'null'] } as const;

/** GoTrue's models.Factor, in its field order. */
export const factorResponse = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    created_at: timestamp,
    updated_at: timestamp,
    status: { type: 'string' },
    friendly_name: { type: 'string' },
    factor_type: { type: 'string' },
    phone: { type: 'string' },
    last_challenged_at: nullableTimestamp,
    web_authn_aaguid: { type: 'string' },
    last_webauthn_challenge_data: { type: 'object', additionalProperties: true },
  },
} as const;

export const userResponse = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    aud: { type: 'string' },
    role: { type: 'string' },
    email: { type: 'string' },
    email_confirmed_at: timestamp,
    invited_at: timestamp,
    phone: { type: 'string' },
    phone_confirmed_at: timestamp,
    confirmation_sent_at: timestamp,
    confirmed_at: timestamp,
    recovery_sent_at: timestamp,
    new_email: { type: 'string' },
    email_change_sent_at: timestamp,
    new_phone: { type: 'string' },
    phone_change_sent_at: timestamp,
    reauthentication_sent_at: timestamp,
    last_sign_in_at: timestamp,
    app_metadata: { type: 'object', additionalProperties: true },
    user_metadata: { type: 'object', additionalProperties: true },
    factors: { type: 'array', items: factorResponse },
    identities: { type: 'array', items: identityResponse },
    created_at: timestamp,
    updated_at: timestamp,
    banned_until: timestamp,
    deleted_at: timestamp,
    is_anonymous: { type: 'boolean' },
  },
} as const;

/** POST /admin/generate_link: the user with the link, code and hashed token beside it (GoTrue's shape). */
export const generatedLinkResponse = {
  type: 'object',
  properties: {
    ...userResponse.properties,
    action_link: { type: 'string' },
    email_otp: { type: 'string' },
    hashed_token: { type: 'string' },
    verification_type: { type: 'string' },
    redirect_to: { type: 'string' },
  },
} as const;

export const sessionResponse = {
  type: 'object',
  properties: {
    access_token: { type: 'string' },
    token_type: { type: 'string' },
    expires_in: { type: 'integer' },
    expires_at: { type: 'integer' },
    refresh_token: { type: 'string' },
    user: userResponse,
    provider_token: { type: 'string' },
    provider_refresh_token: { type: 'string' },
    weak_password: { type: 'object', additionalProperties: true },
  },
} as const;

/** A /signup answer is a session, or a bare user when confirmation is pending. */
export const sessionOrUserResponse = {
  type: 'object',
  properties: { ...sessionResponse.properties, ...userResponse.properties },
} as const;

/** A passkey (GET /passkeys, PATCH /passkeys/{id}, POST /passkeys/registration/verify, the admin list). */
export const passkeyResponse = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    friendly_name: { type: 'string' },
    created_at: timestamp,
    last_used_at: timestamp,
  },
} as const;

export const passkeyListResponse = { type: 'array', items: passkeyResponse } as const;

/** POST /passkeys/{registration,authentication}/options: the browser's options, built server-side whole. */
export const passkeyOptionsResponse = {
  type: 'object',
  properties: {
    challenge_id: { type: 'string' },
    options: { type: 'object', additionalProperties: true },
    expires_at: { type: 'integer' },
  },
} as const;
