/**
 * Step-up for password changes (GoTrue's `security` section), spread into settingsSchema: a mailed
 * nonce (GET /reauthenticate) for sessions older than a day, and the current password. Both off by
 * default, as in GoTrue.
 */
import { parseBool } from './parse.js';
import { isBlank } from './parse-protection.js';
import { setting } from './setting.js';

const flag = (env: string, doc: string) =>
  setting({ env: [env], doc, defaultText: 'false', read: (raw, name) => (isBlank(raw) ? false : parseBool(name, raw)) });

export const stepUpSettings = {
  updatePasswordRequireReauthentication: flag(
    'GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION',
    'PUT /user with a password needs the nonce GET /reauthenticate mailed, unless the session began less than 24 hours ago.',
  ),
  updatePasswordRequireCurrentPassword: flag(
    'GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_CURRENT_PASSWORD',
    'PUT /user with a password needs current_password too, unless the user has none or signed in by a mailed link or code.',
  ),
};
