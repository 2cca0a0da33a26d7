/**
 * At start: TOTP secrets GoTrue stored encrypted under a key Foyer is not given could never be checked,
 * so their users could not pass their second factor. Better to stop and name the keys than to find out
 * at a user's verification.
 */
import type { Config } from '../../config/load.js';
import { ConfigError } from '../../config/parse.js';
import type { Queryable } from '../../store/db.js';
import { encryptedSecretKeyIds } from '../../store/mfa-factors.js';

export async function requireReadableTotpSecrets(db: Queryable, config: Pick<Config, 'dbDecryptionKeys'>): Promise<void> {
  const missing = (await encryptedSecretKeyIds(db)).filter((keyId) => !config.dbDecryptionKeys.has(keyId));
  if (missing.length === 0) return;
  throw new ConfigError(
    `auth.mfa_factors holds TOTP secrets GoTrue encrypted with the key(s) ${missing.map((keyId) => JSON.stringify(keyId)).join(', ')}, ` +
      'which GOTRUE_SECURITY_DB_ENCRYPTION_DECRYPTION_KEYS does not hold: their users could not pass their second factor. ' +
      'Give Foyer the keys GoTrue was given (GOTRUE_SECURITY_DB_ENCRYPTION_DECRYPTION_KEYS=id:key,…).',
  );
}
