/**
 * The master key sealing project secrets: FOYER_MASTER_KEY, or in embedded mode one generated once and
 * kept in FOYER_DATA_DIR/master-key (like the JWT secret). With DATABASE_URL and no FOYER_MASTER_KEY
 * there is none: the default project works, creating projects is refused with a message naming it.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/load.js';
import { randomSecret } from '../security/crypto.js';
import { createSecretBox, type SecretBox } from '../security/secret-box.js';

export interface MasterKey {
  readonly box: SecretBox | undefined;
  readonly source: 'env' | 'data-dir' | 'generated' | 'none';
  readonly file?: string;
}

export function resolveMasterKey(config: Pick<Config, 'masterKey' | 'embedded' | 'dataDir'>): MasterKey {
  if (config.masterKey) return { box: createSecretBox(config.masterKey), source: 'env' };
  if (!config.embedded) return { box: undefined, source: 'none' };
  const dir = resolve(config.dataDir);
  const file = join(dir, 'master-key');
  if (existsSync(file)) return { box: createSecretBox(readFileSync(file, 'utf8').trim()), source: 'data-dir', file };
  mkdirSync(dir, { recursive: true });
  const key = randomSecret(32);
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { box: createSecretBox(key), source: 'generated', file };
}
