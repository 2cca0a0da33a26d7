/**
 * Drop-in listener settings, spread into settingsSchema. With a DATABASE_URL (drop-in mode, behind
 * Supabase's gateway) the auth listener (PORT, GOTRUE_API_HOST) serves GoTrue's routes only; the
 * console, management API, other projects, Data API and /metrics are on the admin listener, and the
 * Data API connects with its own login. The embedded quick start serves everything on PORT and reads
 * none of these (docs/operations.md, "Listeners").
 */
import { ConfigError, parseInteger } from './parse.js';
import { isBlank } from './parse-protection.js';
import { setting } from './setting.js';

export const DEFAULT_ADMIN_PORT = 8082;

export const listenerSettings = {
  adminPort: setting<number | undefined>({
    env: ['FOYER_ADMIN_PORT'],
    doc:
      'Drop-in mode (DATABASE_URL set): TCP port of the admin listener, which serves the console, /platform/v1, /p/<ref>, the Data API ' +
      'and /metrics (and the auth API too), while PORT serves GoTrue\'s routes only. 0 or off: no admin listener. Embedded mode serves everything on PORT.',
    defaultText: String(DEFAULT_ADMIN_PORT),
    read: (raw, name) => {
      if (isBlank(raw)) return DEFAULT_ADMIN_PORT;
      if (raw.trim().toLowerCase() === 'off') return undefined;
      const port = parseInteger(name, raw, 0);
      if (port > 65535) throw new ConfigError(`${name} must be a TCP port (1 to 65535), or 0 or off to disable the admin listener, got ${port}`);
      return port === 0 ? undefined : port;
    },
  }),
  adminHost: setting({
    env: ['FOYER_ADMIN_HOST'],
    doc: 'Drop-in mode: address of the admin listener. Loopback by default: publish it deliberately (0.0.0.0) if the console must be reached from elsewhere.',
    defaultText: '127.0.0.1',
    read: (raw) => (isBlank(raw) ? '127.0.0.1' : raw.trim()),
  }),
  restDatabaseUrl: setting<string | undefined>({
    env: ['FOYER_REST_DATABASE_URL'],
    doc:
      "Drop-in mode: the Data API's own PostgreSQL login (PostgREST's authenticator pattern: a member of anon, authenticated and service_role), " +
      'on the database of DATABASE_URL. Unset: the Data API is off in drop-in mode; it never uses the auth server\'s login. Checked at start.',
    defaultText: '(unset: Data API off in drop-in mode)',
    read: (raw, name) => {
      if (isBlank(raw)) return undefined;
      const value = raw.trim();
      if (!/^postgres(ql)?:\/\//.test(value)) {
        throw new ConfigError(`${name} must be a postgres:// or postgresql:// URL, got a value starting ${JSON.stringify(value.slice(0, 12))}`);
      }
      return value;
    },
  }),
} as const;

/** Checks that span several settings (each names the variable to change). */
export function listenerProblems(values: Readonly<Record<string, unknown>>, embedded: boolean): string[] {
  if (embedded && values.restDatabaseUrl !== undefined) {
    return ['FOYER_REST_DATABASE_URL needs DATABASE_URL: the embedded database has one login, which the Data API already uses; unset it, or set DATABASE_URL'];
  }
  return [];
}
