/**
 * A project's secrets at rest: its JWT secret, database URL and secret setting values are sealed with
 * the master key, each bound to its place (project and column or variable), so a sealed value copied
 * to another project or column does not open.
 */
import type { SecretBox } from '../security/secret-box.js';
import { isSealed } from '../security/secret-box.js';
import type { ProjectRow, StoredOverrides } from '../store/platform-projects.js';
import type { ProjectSecrets } from './effective.js';

export const overrideContext = (ref: string, name: string) => `settings:${ref}:${name}`;
const secretContext = (ref: string, column: string) => `project:${ref}:${column}`;

const requireBox = (box: SecretBox | undefined): SecretBox => {
  if (!box) throw new Error('FOYER_MASTER_KEY is not set');
  return box;
};

/** The sealed columns of a new project's row. */
export function sealProjectSecrets(box: SecretBox, ref: string, secrets: ProjectSecrets): { database_url_sealed: string | null; jwt_secret_sealed: string } {
  return {
    database_url_sealed: secrets.databaseUrl ? box.seal(secrets.databaseUrl, secretContext(ref, 'database_url')) : null,
    jwt_secret_sealed: box.seal(secrets.jwtSecret, secretContext(ref, 'jwt_secret')),
  };
}

/** A project row's secrets; throws when they do not open (no master key, or another one). */
export function openProjectSecrets(box: SecretBox | undefined, row: ProjectRow): ProjectSecrets {
  const opener = requireBox(box);
  return {
    jwtSecret: opener.open(row.jwt_secret_sealed ?? '', secretContext(row.ref, 'jwt_secret')),
    databaseUrl: row.database_url_sealed ? opener.open(row.database_url_sealed, secretContext(row.ref, 'database_url')) : undefined,
  };
}

/** Stored overrides with secret values opened; one that does not open is left out and reported to `warn`. */
export function openOverrides(box: SecretBox | undefined, ref: string, stored: StoredOverrides, warn: (message: string) => void): Record<string, string> {
  const plain: Record<string, string> = {};
  for (const [name, value] of Object.entries(stored)) {
    if (!isSealed(value)) {
      plain[name] = value;
      continue;
    }
    try {
      plain[name] = requireBox(box).open(value, overrideContext(ref, name));
    } catch (error) {
      warn(`project ${ref}: the stored value of ${name} cannot be opened (${(error as Error).message}); it is ignored`);
    }
  }
  return plain;
}
