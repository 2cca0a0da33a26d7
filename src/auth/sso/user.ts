/**
 * The user a verified assertion signs in, as GoTrue decides it. An SSO provider is its own linking domain
 * (provider "sso:<provider id>"): its users are found by their identity of that provider only — never by
 * email, never linked to an email/password account or to the anonymous user whose browser runs the
 * flow — and a new one is created with is_sso_user true, its address confirmed (the identity provider
 * vouches for it), so the same address may belong to other users too.
 *
 * Identity data: `iss` (the provider's entity id), `sub` (the user's id at the provider), `email`,
 * `email_verified: true`, `phone_verified: false`, the mapped claims GoTrue knows by name at the top level
 * and every other mapped claim under `custom_claims`. It becomes the user's user_metadata.
 */
import { FoyerError } from '../../errors.js';
import { insertAuditEntry } from '../../store/audit.js';
import type { Queryable } from '../../store/db.js';
import { findIdentity, insertIdentity, refreshIdentity } from '../../store/identities.js';
import { confirmUserEmail } from '../../store/oauth-users.js';
import { lockUser, mergeUserMetadata, recomputeProviders } from '../../store/users.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { createUser } from '../hooks/before-user-created.js';
import { attributeValues, mapAttributes, type AttributeMapping } from './attribute-mapping.js';
import type { VerifiedAssertion } from './assertion.js';
import { newUserId } from '../ids.js';

const SUBJECT_ID_ATTRIBUTE = 'urn:oasis:names:tc:SAML:attribute:subject-id';
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const TRANSIENT_FORMAT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
const EMAIL_ATTRIBUTES = [
  'urn:oid:0.9.2342.19200300.100.1.3',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
  'http://schemas.xmlsoap.org/claims/EmailAddress',
  'mail',
  'Mail',
  'email',
];

/** Claims GoTrue's provider.Claims has a field for: they stay at the top level of identity_data. */
const KNOWN_CLAIMS = new Set([
  'iss', 'sub', 'aud', 'iat', 'exp', 'name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username',
  'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at', 'email', 'email_verified',
  'phone', 'phone_verified', 'full_name', 'avatar_url', 'slug', 'provider_id', 'user_name',
]);

/** GoTrue's UserID: the subject-id attribute, else a NameID that is not transient (email addresses lower-cased). */
export function assertionUserId(assertion: VerifiedAssertion): string {
  const subjectId = attributeValues(assertion.attributes, SUBJECT_ID_ATTRIBUTE)[0];
  if (subjectId) return subjectId;
  if (!assertion.nameId) return '';
  if (assertion.nameIdFormat === EMAIL_FORMAT) return assertion.nameId.trim().toLowerCase();
  return assertion.nameIdFormat === TRANSIENT_FORMAT ? '' : assertion.nameId;
}

function guessEmail(assertion: VerifiedAssertion): string {
  for (const name of EMAIL_ATTRIBUTES) {
    const value = attributeValues(assertion.attributes, name).find((candidate) => candidate !== '');
    if (value) return value;
  }
  return assertion.nameIdFormat === EMAIL_FORMAT && assertion.nameId ? assertion.nameId : '';
}

export interface SsoProfile {
  readonly subject: string;
  readonly email: string;
  readonly identityData: Record<string, unknown>;
}

/** The profile of an assertion under a provider's mapping; GoTrue's errors when the user has no id or address. */
export function ssoProfile(assertion: VerifiedAssertion, entityId: string, mapping: AttributeMapping): SsoProfile {
  const subject = assertionUserId(assertion);
  if (!subject) {
    throw new FoyerError(
      'saml_assertion_no_user_id',
      'SAML Assertion did not contain a persistent Subject Identifier attribute or Subject NameID uniquely identifying this user',
    );
  }
  const claims = mapAttributes(mapping, assertion.attributes);
  const email = typeof claims.email === 'string' && claims.email ? claims.email : guessEmail(assertion);
  if (!email) throw new FoyerError('saml_assertion_no_email', 'SAML Assertion does not contain an email address');
  const known: Record<string, unknown> = {};
  const custom: Record<string, unknown> = {};
  for (const [claim, value] of Object.entries(claims)) {
    if (KNOWN_CLAIMS.has(claim)) {
      if (value !== '' && value !== null && value !== undefined) known[claim] = value;
    } else custom[claim] = value;
  }
  const identityData: Record<string, unknown> = {
    ...known,
    iss: entityId,
    sub: subject,
    email,
    email_verified: true,
    phone_verified: false,
    ...(Object.keys(custom).length > 0 ? { custom_claims: custom } : {}),
  };
  return { subject, email, identityData };
}

/** Finds or creates the provider's user for `profile`, inside the caller's transaction; returns its id. */
export async function signInSsoUser(deps: AuthDeps, tx: Queryable, providerId: string, profile: SsoProfile, meta: RequestMeta): Promise<string> {
  const { config } = deps;
  const provider = `sso:${providerId}`;
  const identityDataJson = JSON.stringify(profile.identityData);
  const existing = await findIdentity(tx, provider, profile.subject);
  let userId: string;
  let created = false;
  if (existing) {
    userId = existing.user_id;
    await refreshIdentity(tx, existing.id, identityDataJson);
  } else {
    if (config.disableSignup) throw new FoyerError('signup_disabled', 'Signups not allowed for this instance');
    userId = newUserId(config);
    created = true;
    await createUser(
      deps,
      tx,
      {
        id: userId,
        aud: config.jwtAud,
        role: config.jwtDefaultGroupName,
        email: profile.email.toLowerCase(),
        phone: null,
        encryptedPassword: '',
        appMetadataJson: JSON.stringify({ provider, providers: [provider] }),
        userMetadataJson: identityDataJson,
        emailConfirmed: true,
        phoneConfirmed: false,
        isAnonymous: false,
        isSsoUser: true,
      },
      meta.ip,
    );
    // A concurrent first sign-in of the same person won: its transaction holds the identity.
    if (!(await insertIdentity(tx, { userId, provider, providerId: profile.subject, identityDataJson }))) {
      throw new FoyerError('conflict', 'A concurrent sign-in created this user; try again', { status: 409 });
    }
  }
  const user = await lockUser(tx, userId);
  if (!user) throw new FoyerError('user_not_found', 'User not found');
  if (!created) {
    await mergeUserMetadata(tx, userId, identityDataJson);
    if (!user.email_confirmed_at) await confirmUserEmail(tx, userId);
  }
  await recomputeProviders(tx, userId);
  if (user.banned_until && Date.parse(user.banned_until) > Date.now()) throw new FoyerError('user_banned', 'User is banned');
  const action = created ? 'user_signedup' : 'login';
  await insertAuditEntry(tx, { actorId: userId, action, logType: created ? 'account' : 'user', traits: { provider }, ip: meta.ip });
  return userId;
}
