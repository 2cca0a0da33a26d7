/** The `channel` of phone requests: sms (the default) or whatsapp where the provider has it. */
import { FoyerError } from '../../errors.js';
import type { SmsChannel } from '../../sms/sender.js';
import type { AuthDeps } from '../deps.js';

/** GoTrue's InvalidChannelError, word for word. */
const INVALID_CHANNEL =
  "Invalid channel, supported values are 'sms' or 'whatsapp'. 'whatsapp' is only supported if Twilio or Twilio Verify is used as the provider.";

export function phoneChannel(deps: AuthDeps, raw: string | null | undefined): SmsChannel {
  const channel = raw || 'sms';
  if ((channel === 'sms' || channel === 'whatsapp') && deps.sms.supportsChannel(channel)) return channel;
  throw new FoyerError('validation_failed', INVALID_CHANNEL);
}
