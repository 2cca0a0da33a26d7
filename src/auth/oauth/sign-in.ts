/**
 * Sign-in or sign-up by a provider identity, with no linking target (GET /authorize, and
 * POST /token?grant_type=id_token without link_identity): GoTrue's createAccountFromExternalIdentity,
 * with its automatic linking reduced to its core rule — a provider-verified address that belongs to an
 * existing account links to that account. Anonymous users are never found this way (they have no address).
 */
import { FoyerError } from '../../errors.js';
import type { Queryable } from '../../store/db.js';
import { findIdentity, insertIdentity, refreshIdentity } from '../../store/identities.js';
import { confirmUserEmail, dropUnconfirmedPassword, lockUserIdByEmail } from '../../store/oauth-users.js';
import { lockUser, mergeUserMetadata, recomputeProviders, type UserRow } from '../../store/users.js';
import { createUser } from '../hooks/before-user-created.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { promoteToPermanent, type ConversionMethod } from '../promotion.js';
import { alreadyLinked, type IdentityOutcome } from './link.js';
import { auditIdentityEvent, sendConfirmationMail } from './session.js';
import type { ProviderProfile } from './types.js';
import { newUserId } from '../ids.js';

export interface SignInInput {
  readonly provider: string;
  readonly profile: ProviderProfile;
  readonly redirectTo: string;
  readonly method: Extract<ConversionMethod, 'oauth' | 'id_token'>;
  readonly meta: RequestMeta;
}

const banned = (user: UserRow) => Boolean(user.banned_until && Date.parse(user.banned_until) > Date.now());

export async function signInWithIdentity(deps: AuthDeps, tx: Queryable, input: SignInInput): Promise<IdentityOutcome> {
  const { config } = deps;
  const { profile, provider } = input;
  const verified = Boolean(profile.email) && (profile.emailVerified || config.mailerAutoconfirm);
  const identityDataJson = JSON.stringify(profile.identityData);

  const existing = await findIdentity(tx, provider, profile.subject);
  let userId: string;
  let created = false;
  if (existing) {
    userId = existing.user_id;
    await refreshIdentity(tx, existing.id, identityDataJson);
  } else {
    const owner = verified ? await lockUserIdByEmail(tx, profile.email as string, config.jwtAud) : undefined;
    if (owner) {
      userId = owner;
    } else {
      if (config.disableSignup) throw new FoyerError('signup_disabled', 'Signups not allowed for this instance');
      userId = newUserId(config);
      created = true;
      await createUser(deps, tx, {
        id: userId,
        aud: config.jwtAud,
        role: config.jwtDefaultGroupName,
        email: profile.email,
        phone: null,
        encryptedPassword: '',
        appMetadataJson: JSON.stringify({ provider, providers: [provider] }),
        userMetadataJson: identityDataJson,
        emailConfirmed: false,
        phoneConfirmed: false,
        isAnonymous: false,
      }, input.meta.ip);
    }
    const identityId = await insertIdentity(tx, { userId, provider, providerId: profile.subject, identityDataJson });
    if (!identityId) throw alreadyLinked(false);
  }

  const user = await lockUser(tx, userId);
  if (!user) throw new FoyerError('user_not_found', 'User not found');
  if (!created) await mergeUserMetadata(tx, user.id, identityDataJson);
  await recomputeProviders(tx, user.id);
  if (banned(user)) throw new FoyerError('user_banned', 'User is banned');

  if (!user.email_confirmed_at && !user.phone_confirmed_at) {
    if (verified && (!user.email || user.email.toLowerCase() === profile.email)) {
      await dropUnconfirmedPassword(tx, user.id);
      await confirmUserEmail(tx, user.id);
      // The quirk state of an earlier unverified link: an anonymous user whose address is now vouched for.
      await promoteToPermanent(tx, user.id, input.method, input.meta.ip);
      await auditIdentityEvent(tx, created ? 'user_signedup' : 'login', user.id, { provider }, input.meta.ip);
      return { userId: user.id };
    }
    if (user.email) await sendConfirmationMail(deps, tx, user, user.email, input.redirectTo);
    const error = user.email
      ? `Unverified email with ${provider}. A confirmation email has been sent to your ${provider} email`
      : `Unverified email with ${provider}. Verify the email with ${provider} in order to sign in`;
    return { userId: user.id, error: new FoyerError('provider_email_needs_verification', error) };
  }
  await auditIdentityEvent(tx, 'login', user.id, { provider }, input.meta.ip);
  return { userId: user.id };
}
