import type { Config } from '../config/load.js';
import type { Keyring } from '../security/jwt.js';
import type { Db } from '../store/db.js';

/** What the domain layer needs from the outside world; built once per project by the app. */
export interface AuthDeps {
  readonly db: Db;
  readonly config: Config;
  readonly keyring: Keyring;
}

/** Facts about the caller that sessions record. */
export interface RequestMeta {
  readonly ip: string | null;
  readonly userAgent: string | null;
}
