/** POST/GET /verify: mailed links and codes (signup, invite, magic link, recovery, email change). */
import { FoyerError } from '../errors.js';
import { newRefreshToken } from '../security/crypto.js';
import { issueMailFlowCode } from '../store/flow-state.js';
import { deleteOneTimeTokens, findOneTimeToken, type OneTimeTokenType } from '../store/one-time-tokens.js';
import { insertAuditEntry } from '../store/audit.js';
import { startSession } from '../store/sessions.js';
import { lockUser, type UserRow } from '../store/users.js';
import type { Queryable } from '../store/db.js';
import type { AuthDeps, RequestMeta } from './deps.js';
import { uniqueToEmailExists } from './email-user.js';
import { PKCE_PREFIX, tokenHash } from './mail-links.js';
import { verifyPhoneOtp } from './phone/verify.js';
import { completeEmailChange } from './email-change.js';
import { promoteToPermanent } from './promotion.js';
import { sessionResponse, withTokenHook, type SessionResponse } from './tokens.js';
import { normalizeEmail, normalizePhone } from './validate.js';
import { newSessionId } from './ids.js';

export const verifyTypes = ['signup', 'invite', 'recovery', 'magiclink', 'email_change', 'email', 'sms', 'phone_change'] as const;
export type VerifyRequestType = (typeof verifyTypes)[number];

const tokenTypesFor: Record<VerifyRequestType, readonly OneTimeTokenType[]> = {
  signup: ['confirmation_token'],
  invite: ['confirmation_token'],
  email: ['confirmation_token', 'recovery_token'],
  magiclink: ['recovery_token', 'confirmation_token'],
  recovery: ['recovery_token'],
  email_change: ['email_change_token_new', 'email_change_token_current'],
  // Phone codes are checked against their user (src/auth/phone/verify.ts), never looked up by hash.
  sms: [],
  phone_change: [],
};

export interface VerifyInput {
  readonly type: VerifyRequestType;
  /** Link form: the token_hash (also what GET /verify carries as `token`). */
  readonly tokenHash?: string;
  /** Code form: the 6-digit code with the address it was sent to. */
  readonly token?: string;
  readonly email?: string;
  /** Code form for a phone (types sms and phone_change). */
  readonly phone?: string;
  /** Whether POST /verify's body carried a redirect_to (GoTrue refuses it beside a token_hash). */
  readonly bodyHasRedirectTo?: boolean;
}

export type VerifyResult =
  | { readonly kind: 'session'; readonly session: SessionResponse }
  /** A PKCE link followed in the browser: the app exchanges this code with its verifier (grant_type=pkce). */
  | { readonly kind: 'code'; readonly authCode: string }
  /** The first half of a two-address email change: no session yet. */
  | { readonly kind: 'message'; readonly message: string };

/** POST /verify answers a malformed address with 422 "Invalid email format", unlike the other routes. */
function verifiedEmail(raw: string): string {
  try {
    return normalizeEmail(raw);
  } catch {
    throw new FoyerError('validation_failed', 'Invalid email format', { status: 422 });
  }
}

const expired = () => new FoyerError('otp_expired', 'Email link is invalid or has expired');

/**
 * `answerPkceWithCode`: GET /verify (a browser following the link) answers a `pkce_` token with an auth
 * code instead of a session, so only the app holding the code verifier can get the session.
 */
export async function verify(
  deps: AuthDeps,
  input: VerifyInput,
  meta: RequestMeta,
  options: { answerPkceWithCode?: boolean } = {},
): Promise<VerifyResult> {
  const hasHash = Boolean(input.tokenHash);
  const hasCode = Boolean(input.token);
  if (hasHash === hasCode) throw new FoyerError('validation_failed', 'Verify requires either a token or a token hash');
  // GoTrue's checks, in its order: a phone's format first, then the email's (422 here), then the mix.
  if (hasCode && input.phone && !input.email) {
    const phone = normalizePhone(input.phone);
    // GoTrue looks a phone code's user up by phone only for these types; any other finds no one.
    if (input.type !== 'sms' && input.type !== 'phone_change') throw new FoyerError('otp_expired', 'Token has expired or is invalid');
    const session = await verifyPhoneOtp(deps, { type: input.type, phone, token: input.token as string }, meta);
    return { kind: 'session', session };
  }
  if (hasCode && (!input.email || input.phone)) {
    throw new FoyerError('validation_failed', 'Only an email address or phone number should be provided on verify');
  }
  if (hasHash && (input.email || input.phone || input.bodyHasRedirectTo)) {
    throw new FoyerError('validation_failed', 'Only the token_hash and type should be provided');
  }
  if (input.type === 'sms' || input.type === 'phone_change') {
    // Phone codes have no link form; a code with an email finds no user by phone (GoTrue's answers).
    if (hasHash) throw new FoyerError('validation_failed', 'Invalid email verification type');
    throw new FoyerError('otp_expired', 'Token has expired or is invalid');
  }
  const codeHash = hasCode ? tokenHash(verifiedEmail(input.email as string), input.token as string) : '';
  const hashes = hasHash ? [input.tokenHash as string] : [codeHash, PKCE_PREFIX + codeHash];
  const types = tokenTypesFor[input.type];

  type Outcome =
    | { readonly expired: true }
    | { readonly message: string }
    | { readonly authCode: string }
    | { readonly session: Awaited<ReturnType<typeof newSession>> };
  const outcome = await deps.db
    .transaction(async (tx): Promise<Outcome> => {
      const found = await findOneTimeToken(tx, hashes, types);
      // A phone's confirmation code is a confirmation_token too: mail types never accept one.
      if (!found || !found.relates_to.includes('@')) throw expired();
      if (found.age_seconds > deps.config.mailerOtpExpSeconds) {
        await deleteOneTimeTokens(tx, found.user_id, [found.token_type]);
        return { expired: true } as const;
      }
      const user = await lockUser(tx, found.user_id);
      if (!user) throw expired();
      if (found.token_type === 'email_change_token_new' || found.token_type === 'email_change_token_current') {
        const changed = await confirmEmailChange(deps, tx, user, found.token_type, meta);
        if ('message' in changed) return { message: changed.message };
      } else {
        await deleteOneTimeTokens(tx, user.id, [found.token_type]);
        await confirmEmail(tx, user);
        // GoTrue leaves a user anonymous here (its quirk after an unverified OAuth link); a confirmed
        // address makes the user permanent in Foyer, through the one promotion path.
        if (user.is_anonymous && user.email) await promoteToPermanent(tx, user.id, 'email', meta.ip);
      }
      if (options.answerPkceWithCode && found.token_hash.startsWith(PKCE_PREFIX)) {
        const authCode = await issueMailFlowCode(tx, user.id);
        if (!authCode) throw expired();
        return { authCode };
      }
      return { session: await newSession(deps, tx, user.id, input.type === 'recovery' ? 'recovery' : 'otp', meta) };
    })
    // The address was taken by another user between request and verification: that user won.
    .catch(uniqueToEmailExists);
  if ('expired' in outcome) throw expired();
  if ('message' in outcome) return { kind: 'message', message: outcome.message };
  if ('authCode' in outcome) return { kind: 'code', authCode: outcome.authCode };
  return { kind: 'session', session: await sessionResponse(deps, outcome.session) };
}

async function confirmEmail(tx: Queryable, user: UserRow): Promise<void> {
  if (!user.email) return;
  await tx.query(
    `update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now()),
            raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb) || '{"email_verified": true}'::jsonb,
            updated_at = now() where id = $1`,
    [user.id],
  );
  await tx.query(
    `update auth.identities set identity_data = identity_data || '{"email_verified": true}'::jsonb, updated_at = now()
      where user_id = $1 and provider = 'email'`,
    [user.id],
  );
}

async function confirmEmailChange(
  deps: AuthDeps,
  tx: Queryable,
  user: UserRow,
  tokenType: OneTimeTokenType,
  meta: RequestMeta,
): Promise<{ message: string } | { changed: true }> {
  const newEmail = user.new_email;
  if (!newEmail) throw expired();
  await deleteOneTimeTokens(tx, user.id, [tokenType]);
  const pending = await tx.query<{ n: number }>(
    `select count(*)::int as n from auth.one_time_tokens where user_id = $1 and token_type::text like 'email_change_token_%'`,
    [user.id],
  );
  if (pending[0].n > 0) {
    await tx.query('update auth.users set email_change_confirm_status = 1 where id = $1', [user.id]);
    return { message: 'Confirmation link accepted. Please proceed to confirm link sent to the other email' };
  }
  await completeEmailChange(deps, tx, { user, address: newEmail, method: 'email', ip: meta.ip });
  return { changed: true };
}

async function newSession(deps: AuthDeps, tx: Queryable, userId: string, method: string, meta: RequestMeta) {
  const sessionId = newSessionId();
  const refreshToken = newRefreshToken();
  const user = await startSession(tx, { userId, sessionId, refreshToken, authenticationMethod: method, ...meta });
  if (!user) throw expired();
  await insertAuditEntry(tx, { actorId: userId, action: 'login', logType: 'account', traits: { provider: 'email', method }, ip: meta.ip });
  return withTokenHook(deps, tx, { user, sessionId, refreshToken, aal: 'aal1', amr: [{ method, timestamp: Math.floor(Date.now() / 1000) }] }, { ip: meta.ip });
}
