/**
 * GoTrue's send-SMS hook as one more SmsSender (src/sms/sender.ts): with GOTRUE_HOOK_SEND_SMS_ENABLED
 * every code Foyer would text goes to the hook, whatever GOTRUE_SMS_PROVIDER says, as in GoTrue. The
 * payload is GoTrue's SendSMSInput: the user as the API shows it and `sms` {otp, phone[, sms_type]}.
 * Any channel is accepted (the hook decides how to deliver) and Foyer checks every code itself (no
 * Twilio Verify). The call belongs to the caller's transaction, like every send.
 */
import type { Config } from '../../config/load.js';
import { FoyerError } from '../../errors.js';
import { createSmsSender, type OutgoingSms, type SmsSender } from '../../sms/sender.js';
import type { Db } from '../../store/db.js';
import { findUserById } from '../../store/users.js';
import { toPublicUser, type PublicUser } from '../user-view.js';
import { hookEnabled, hookMetadata, invokeHook } from './invoke.js';

export interface SmsHookDeps {
  readonly db: Db;
  readonly config: Config;
}

function hookSender(deps: SmsHookDeps): SmsSender {
  return {
    mode: 'hook',
    provider: undefined,
    supportsChannel: () => true,
    checkCode: undefined,
    async send(tx, sms: OutgoingSms) {
      let user: PublicUser | undefined;
      if (sms.userId !== undefined) {
        const row = await findUserById(tx, sms.userId);
        if (!row) throw new FoyerError('user_not_found', 'User not found');
        user = toPublicUser(row);
      }
      const payload = {
        metadata: hookMetadata('send_sms', sms.ip),
        ...(user ? { user } : {}),
        // GoTrue names only an MFA challenge's type.
        sms: { otp: sms.otp, phone: sms.to, ...(sms.kind === 'mfa' ? { sms_type: 'mfa' } : {}) },
      };
      await invokeHook(deps, 'send_sms', payload, { tx });
      // GoTrue reports no message id for a hook.
      return '';
    },
  };
}

/** The sender a project texts with: the send-SMS hook when it is on, else the provider or the outbox. */
export function projectSmsSender(deps: SmsHookDeps): SmsSender {
  return hookEnabled(deps.config, 'send_sms') ? hookSender(deps) : createSmsSender(deps.config);
}
