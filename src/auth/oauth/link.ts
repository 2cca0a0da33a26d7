/**
 * Linking a provider identity to a signed-in user (GoTrue's linkIdentityToUser), shared by the OAuth
 * callback of /user/identities/authorize and by POST /token?grant_type=id_token with link_identity.
 * Always the same user id; an anonymous user becomes permanent here through promoteToPermanent.
 * Runs inside the caller's transaction: a refusal rolls everything back, so the user — and its
 * sessions — stay exactly as they were.
 */
import { FoyerError } from '../../errors.js';
import type { Queryable } from '../../store/db.js';
import { findIdentity, insertIdentity } from '../../store/identities.js';
import { confirmUserEmail, setUserEmail } from '../../store/oauth-users.js';
import { emailTaken, lockUser, recomputeProviders } from '../../store/users.js';
import type { AuthDeps, RequestMeta } from '../deps.js';
import { promoteToPermanent, type ConversionMethod } from '../promotion.js';
import { auditIdentityEvent, sendConfirmationMail } from './session.js';
import type { ProviderProfile } from './types.js';

export interface LinkInput {
  readonly targetUserId: string;
  readonly provider: string;
  readonly profile: ProviderProfile;
  /** Where a confirmation mail's link leads (unverified provider email). */
  readonly redirectTo: string;
  readonly method: Extract<ConversionMethod, 'oauth' | 'id_token'>;
  readonly meta: RequestMeta;
}

/**
 * `error` set: the transaction must still commit (GoTrue's "commit with error"), then the error is
 * reported — an unverified provider email leaves the identity linked and a confirmation mail sent.
 */
export interface IdentityOutcome {
  readonly userId: string;
  readonly error?: FoyerError;
}

export const alreadyLinked = (sameUser: boolean) =>
  new FoyerError('identity_already_exists', sameUser ? 'Identity is already linked' : 'Identity is already linked to another user');

const emailExists = () => new FoyerError('email_exists', 'A user with this email address has already been registered', { status: 400 });

export async function linkIdentityToUser(deps: AuthDeps, tx: Queryable, input: LinkInput): Promise<IdentityOutcome> {
  const { config } = deps;
  const { profile, provider } = input;
  const user = await lockUser(tx, input.targetUserId);
  if (!user) throw new FoyerError('user_not_found', 'Linking target user not found', { status: 422 });

  const existing = await findIdentity(tx, provider, profile.subject);
  if (existing) throw alreadyLinked(existing.user_id === user.id);
  const identityId = await insertIdentity(tx, {
    userId: user.id,
    provider,
    providerId: profile.subject,
    identityDataJson: JSON.stringify(profile.identityData),
  });
  // A concurrent link of the same provider account committed first.
  if (!identityId) throw alreadyLinked(false);
  await auditIdentityEvent(tx, 'identity_linked', user.id, { identity_id: identityId, provider, provider_id: profile.subject }, input.meta.ip);

  const verified = profile.emailVerified || config.mailerAutoconfirm;
  let error: FoyerError | undefined;
  if (!user.email) {
    // GoTrue takes the address from the identity; anonymous users never have one of their own.
    if (profile.email) {
      if (await emailTaken(tx, profile.email, user.aud ?? config.jwtAud, user.id)) throw emailExists();
      await setUserEmail(tx, user.id, profile.email);
      if (verified) {
        await confirmUserEmail(tx, user.id);
        await promoteToPermanent(tx, user.id, input.method, input.meta.ip);
      } else {
        await sendConfirmationMail(deps, tx, user, profile.email, input.redirectTo);
        error = new FoyerError(
          'email_not_confirmed',
          `Unverified email with ${provider}. A confirmation email has been sent to your ${provider} email`,
          { status: 422 },
        );
      }
    } else {
      // Foyer's decision where GoTrue has none: a provider account without any address is still a way
      // back into this account, so the user is no longer anonymous.
      await promoteToPermanent(tx, user.id, input.method, input.meta.ip);
    }
  } else if (user.is_anonymous && verified && profile.email === user.email.toLowerCase()) {
    // An address left unconfirmed by an earlier unverified link, now vouched for by a provider.
    await confirmUserEmail(tx, user.id);
    await promoteToPermanent(tx, user.id, input.method, input.meta.ip);
  }
  await recomputeProviders(tx, user.id);
  return { userId: user.id, error };
}

/** Unique violations that a concurrent request can cause, as GoTrue reports them. */
export function mapConflict(error: unknown): never {
  const pg = error as { code?: string; constraint_name?: string; constraint?: string; message?: string };
  if (pg.code === '23505') {
    const constraint = pg.constraint_name ?? pg.constraint ?? pg.message ?? '';
    if (constraint.includes('identities')) throw alreadyLinked(false);
    throw emailExists();
  }
  throw error;
}
