/**
 * Platform settings, spread into settingsSchema: the console and the projects served next to the
 * default one (docs/platform-api.md). Server-wide: they are read from the environment only.
 */
import { ConfigError, parseBool } from './parse.js';
import { isBlank } from './parse-protection.js';
import { setting } from './setting.js';

export const platformSettings = {
  masterKey: setting<string | undefined>({
    env: ['FOYER_MASTER_KEY'],
    doc:
      'Key sealing project secrets (database URLs, JWT secrets, secret settings) with AES-256-GCM; at least 32 characters ' +
      '(`openssl rand -base64 32`). Embedded mode generates one in FOYER_DATA_DIR; with DATABASE_URL it is required to create projects.',
    defaultText: '(embedded: generated; PostgreSQL: unset)',
    read: (raw, name) => {
      if (isBlank(raw)) return undefined;
      const value = raw.trim();
      if (value.length < 32) throw new ConfigError(`${name} must be at least 32 characters long; generate one with \`openssl rand -base64 32\``);
      return value;
    },
  }),
  baseDomain: setting<string | undefined>({
    env: ['FOYER_BASE_DOMAIN'],
    doc: 'Also serve each project at <ref>.<this domain> (besides /p/<ref>), e.g. auth.example.com.',
    defaultText: '(unset: /p/<ref> only)',
    read: (raw, name) => {
      if (isBlank(raw)) return undefined;
      const value = raw.trim().toLowerCase().replace(/\.$/, '');
      if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(value)) {
        throw new ConfigError(`${name} must be a host name such as auth.example.com, got ${JSON.stringify(raw)}`);
      }
      return value;
    },
  }),
  consoleEnabled: setting({
    env: ['FOYER_CONSOLE_ENABLED'],
    doc: 'Serve the console at /console and its management API at /platform/v1 (projects stay served either way).',
    defaultText: 'true',
    read: (raw, name) => (isBlank(raw) ? true : parseBool(name, raw)),
  }),
} as const;
