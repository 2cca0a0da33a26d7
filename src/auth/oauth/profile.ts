/**
 * GoTrue's identity_data for a provider sign-in: its provider.Claims (standard OpenID claims, the
 * older full_name/avatar_url/slug/user_name/provider_id keys, custom_claims), empty values left out,
 * email_verified and phone_verified always present. Which address is the user's follows GoTrue too:
 * the first one marked primary, else the last one listed.
 */
import { FoyerError } from '../../errors.js';
import { compact, type ProviderProfile } from './types.js';

export interface ProviderEmail {
  readonly email: string;
  readonly verified: boolean;
  readonly primary: boolean;
}

/** The standard and legacy claims a provider module can fill; anything else goes in `custom`. */
export interface ProfileClaims {
  readonly name?: string;
  readonly given_name?: string;
  readonly family_name?: string;
  readonly middle_name?: string;
  readonly nickname?: string;
  readonly preferred_username?: string;
  readonly profile?: string;
  readonly picture?: string;
  readonly website?: string;
  readonly locale?: string;
  readonly phone?: string;
  readonly full_name?: string;
  readonly avatar_url?: string;
  readonly slug?: string;
  readonly user_name?: string;
}

export interface ProfileInput {
  readonly issuer: string;
  readonly subject: string | number | null | undefined;
  readonly emails: readonly ProviderEmail[];
  readonly claims?: ProfileClaims;
  /** GoTrue's custom_claims (left out when empty). */
  readonly custom?: Readonly<Record<string, unknown>>;
}

export function chooseEmail(emails: readonly ProviderEmail[]): ProviderEmail | undefined {
  const listed = emails.filter((entry) => entry.email !== '');
  return listed.find((entry) => entry.primary) ?? listed.at(-1);
}

/** A string claim, or undefined for anything else (missing, empty, not a string). */
export const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** A name made of parts, as GoTrue trims "first last". */
export const joinName = (...parts: unknown[]): string | undefined => text(parts.map((part) => text(part) ?? '').join(' ').trim());

export function buildProfile(input: ProfileInput): ProviderProfile {
  const subject = input.subject === null || input.subject === undefined ? '' : String(input.subject);
  if (subject === '' || subject === '0') {
    throw new FoyerError('unexpected_failure', 'Error getting user profile from external provider: no user id');
  }
  const chosen = chooseEmail(input.emails);
  const email = chosen ? chosen.email.trim().toLowerCase() : null;
  const emailVerified = Boolean(chosen?.verified);
  const custom = Object.fromEntries(Object.entries(input.custom ?? {}).filter(([, value]) => value !== undefined));
  const claims = input.claims ?? {};
  const identityData = compact({
    iss: input.issuer,
    sub: subject,
    ...Object.fromEntries(Object.entries(claims).map(([key, value]) => [key, text(value)])),
    email: email ?? undefined,
    email_verified: emailVerified,
    phone_verified: false,
    custom_claims: Object.keys(custom).length > 0 ? custom : undefined,
    provider_id: subject,
  });
  return { subject, email, emailVerified, identityData };
}
