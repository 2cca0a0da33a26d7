/**
 * The profile a custom provider vouches for, as GoTrue builds it: the standard claims of its ID token or
 * userinfo answer, the allow-listed raw claims copied into custom_claims, then attribute_mapping — a target
 * takes the claim a string names (a standard claim, else a raw one; Foyer also reads raw claims, which GoTrue
 * cannot), or the literal value given. The address is read after mapping (so `email` may come from a
 * provider's `mail`); `email_verified` cannot be a mapping target, so the provider's own claim decides it.
 */
import { FoyerError } from '../../../errors.js';
import type { CustomOAuthProviderRow } from '../../../store/custom-oauth-providers.js';
import { compact, type ProviderProfile } from '../types.js';

/** GoTrue's provider.Claims: what identity_data may hold besides custom_claims. */
const STANDARD_CLAIMS = [
  'iss', 'sub', 'aud', 'iat', 'exp', 'name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username',
  'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at', 'email', 'email_verified',
  'phone', 'phone_verified', 'full_name', 'avatar_url', 'slug', 'provider_id', 'user_name',
] as const;

type Mapping = Pick<CustomOAuthProviderRow, 'attribute_mapping' | 'custom_claims_allowlist'>;

const isTrue = (value: unknown) => value === true || value === 'true';

export function customProfile(raw: Readonly<Record<string, unknown>>, provider: Mapping): ProviderProfile {
  const claims: Record<string, unknown> = {};
  for (const key of STANDARD_CLAIMS) if (raw[key] !== undefined && raw[key] !== null && raw[key] !== '') claims[key] = raw[key];
  const custom: Record<string, unknown> = {};
  for (const key of provider.custom_claims_allowlist) if (Object.hasOwn(raw, key)) custom[key] = raw[key];
  if (Object.keys(custom).length > 0) claims.custom_claims = custom;
  for (const [target, source] of Object.entries(provider.attribute_mapping)) {
    if (typeof source !== 'string') claims[target] = source;
    else if (Object.hasOwn(claims, source)) claims[target] = claims[source];
    else if (Object.hasOwn(raw, source)) claims[target] = raw[source];
  }
  const sub = claims.sub;
  const subject = typeof sub === 'string' || typeof sub === 'number' ? String(sub) : '';
  if (subject === '') throw new FoyerError('unexpected_failure', 'Error getting user profile from external provider: no sub claim');
  const email = typeof claims.email === 'string' && claims.email !== '' ? claims.email.trim().toLowerCase() : null;
  const emailVerified = email !== null && isTrue(claims.email_verified);
  const identityData = compact({
    ...claims,
    sub: subject,
    email: email ?? undefined,
    email_verified: emailVerified,
    phone_verified: isTrue(claims.phone_verified),
  });
  return { subject, email, emailVerified, identityData };
}
