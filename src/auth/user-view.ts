/** The user object GoTrue puts on the wire: empty strings for missing email/phone, nulls omitted. */
import type { FactorJson } from '../store/mfa-factors.js';
import type { IdentityRow, UserRow } from '../store/users.js';

export interface PublicIdentity {
  identity_id: string;
  id: string;
  user_id: string;
  identity_data: Record<string, unknown>;
  provider: string;
  last_sign_in_at?: string;
  created_at?: string;
  updated_at?: string;
  email?: string;
}

/** GoTrue's models.Factor JSON: friendly_name, web_authn_aaguid and last_webauthn_challenge_data only when set. */
export interface PublicFactor {
  id: string;
  created_at: string;
  updated_at: string;
  status: string;
  friendly_name?: string;
  factor_type: string;
  phone: string;
  last_challenged_at: string | null;
  web_authn_aaguid?: string;
  last_webauthn_challenge_data?: Record<string, unknown>;
}

export interface PublicUser {
  id: string;
  aud: string;
  role: string;
  email: string;
  email_confirmed_at?: string;
  invited_at?: string;
  phone: string;
  phone_confirmed_at?: string;
  confirmation_sent_at?: string;
  confirmed_at?: string;
  recovery_sent_at?: string;
  new_email?: string;
  email_change_sent_at?: string;
  new_phone?: string;
  phone_change_sent_at?: string;
  reauthentication_sent_at?: string;
  last_sign_in_at?: string;
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  /** Only when the user has factors (GoTrue's `omitempty`). */
  factors?: PublicFactor[];
  identities: PublicIdentity[];
  created_at: string;
  updated_at: string;
  banned_until?: string;
  deleted_at?: string;
  is_anonymous: boolean;
}

const present = <T>(value: T | null | undefined): T | undefined => (value === null ? undefined : value);

/** json_build_object renders timestamps as `…+00:00`; the API uses `…Z` like every other timestamp. */
const jsonTimestamp = (value: string | null | undefined): string | undefined =>
  value ? value.replace(/\+00:00$/, 'Z') : undefined;

export function toPublicIdentity(row: IdentityRow): PublicIdentity {
  return {
    identity_id: row.identity_id,
    id: row.id,
    user_id: row.user_id,
    identity_data: row.identity_data ?? {},
    provider: row.provider,
    last_sign_in_at: jsonTimestamp(row.last_sign_in_at),
    created_at: jsonTimestamp(row.created_at),
    updated_at: jsonTimestamp(row.updated_at),
    email: present(row.email),
  };
}

export function toPublicFactor(row: FactorJson): PublicFactor {
  return {
    id: row.id,
    created_at: jsonTimestamp(row.created_at) ?? '',
    updated_at: jsonTimestamp(row.updated_at) ?? '',
    status: row.status,
    friendly_name: row.friendly_name || undefined,
    factor_type: row.factor_type,
    phone: row.phone ?? '',
    last_challenged_at: jsonTimestamp(row.last_challenged_at) ?? null,
    web_authn_aaguid: present(row.web_authn_aaguid),
    last_webauthn_challenge_data: present(row.last_webauthn_challenge_data),
  };
}

export function toPublicUser(row: UserRow): PublicUser {
  return {
    id: row.id,
    aud: row.aud ?? '',
    role: row.role ?? '',
    email: row.email ?? '',
    email_confirmed_at: present(row.email_confirmed_at),
    invited_at: present(row.invited_at),
    phone: row.phone ?? '',
    phone_confirmed_at: present(row.phone_confirmed_at),
    confirmation_sent_at: present(row.confirmation_sent_at),
    confirmed_at: present(row.confirmed_at),
    recovery_sent_at: present(row.recovery_sent_at),
    new_email: present(row.new_email),
    email_change_sent_at: present(row.email_change_sent_at),
    new_phone: present(row.new_phone),
    phone_change_sent_at: present(row.phone_change_sent_at),
    reauthentication_sent_at: present(row.reauthentication_sent_at),
    last_sign_in_at: present(row.last_sign_in_at),
    app_metadata: row.app_metadata ?? {},
    user_metadata: row.user_metadata ?? {},
    factors: row.factors?.length ? row.factors.map(toPublicFactor) : undefined,
    identities: (row.identities ?? []).map(toPublicIdentity),
    created_at: row.created_at ?? '',
    updated_at: row.updated_at ?? '',
    banned_until: present(row.banned_until),
    deleted_at: present(row.deleted_at),
    is_anonymous: row.is_anonymous,
  };
}
