/**
 * GoTrue's send-email hook: with GOTRUE_HOOK_SEND_EMAIL_ENABLED every mail Foyer would send goes to
 * the hook instead (SMTP and the outbox get nothing). The payload is GoTrue's SendEmailInput: the user
 * as the API shows it and `email_data` with the code, its hash (what links carry as `token`), the
 * redirect, the action, API_EXTERNAL_URL as `site_url` and, for a secure email change, the second code.
 * The call belongs to the caller's transaction: a hook that fails or refuses rolls back the tokens,
 * and the user, that the mail announced.
 */
import { FoyerError } from '../../errors.js';
import type { Queryable } from '../../store/db.js';
import { findUserById } from '../../store/users.js';
import type { AuthDeps } from '../deps.js';
import { toPublicUser } from '../user-view.js';
import { hookEnabled, hookMetadata, invokeHook } from './invoke.js';

/** GoTrue's email_action_type values for mails that carry a code. */
export type EmailActionType = 'signup' | 'invite' | 'magiclink' | 'recovery' | 'email_change' | 'reauthentication';

export interface HookMail {
  readonly userId: string;
  readonly actionType: EmailActionType;
  /** The code to type. */
  readonly token: string;
  /** What the verification link carries (with GoTrue's `pkce_` prefix when a PKCE flow started). */
  readonly tokenHash: string;
  readonly redirectTo: string;
  /** Secure email change only: the second code and hash (see emailChangeHookMail). */
  readonly tokenNew?: string;
  readonly tokenHashNew?: string;
}

export interface IssuedToken {
  readonly otp: string;
  readonly hash: string;
}

/**
 * An email change as GoTrue hands it to the hook, in one call. With a current address to confirm from
 * (secure email change) GoTrue crosses the pairs: `token` is the current address's code but
 * `token_hash` the new address's hash, and `token_new`/`token_hash_new` the other two. Hooks written
 * for Supabase rely on that, so it is kept. Otherwise `token` and `token_hash` are the new address's.
 */
export function emailChangeHookMail(userId: string, redirectTo: string, toNew: IssuedToken, toCurrent: IssuedToken | undefined): HookMail {
  if (!toCurrent) return { userId, actionType: 'email_change', token: toNew.otp, tokenHash: toNew.hash, redirectTo };
  return {
    userId,
    actionType: 'email_change',
    token: toCurrent.otp,
    tokenHash: toNew.hash,
    tokenNew: toNew.otp,
    tokenHashNew: toCurrent.hash,
    redirectTo,
  };
}

export const sendEmailHookEnabled = (deps: AuthDeps): boolean => hookEnabled(deps.config, 'send_email');

/** Hands one mail to the hook, inside `tx`; the hook's refusal is its error (`{"error": {...}}`). */
export async function sendMailThroughHook(deps: AuthDeps, tx: Queryable, mail: HookMail, ip?: string | null): Promise<void> {
  const row = await findUserById(tx, mail.userId);
  if (!row) throw new FoyerError('user_not_found', 'User not found');
  await invokeHook(
    deps,
    'send_email',
    {
      metadata: hookMetadata('send_email', ip),
      user: toPublicUser(row),
      email_data: {
        token: mail.token,
        token_hash: mail.tokenHash,
        redirect_to: mail.redirectTo,
        email_action_type: mail.actionType,
        site_url: deps.config.apiExternalUrl,
        token_new: mail.tokenNew ?? '',
        token_hash_new: mail.tokenHashNew ?? '',
        old_email: '',
        old_phone: '',
        provider: '',
        factor_type: '',
      },
    },
    { tx },
  );
}
