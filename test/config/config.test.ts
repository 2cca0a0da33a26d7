import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, readEnv } from '../../src/config/load.js';
import { parseDurationSeconds } from '../../src/config/parse.js';
import { configError } from '../helpers/config-error.js';

const secret = 'x'.repeat(40);
const FOYER = resolve(import.meta.dirname, '../../bin/foyer.js');

describe('configuration', () => {
  it('reads GoTrue variables with their aliases and GoTrue defaults', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@h/db', GOTRUE_JWT_SECRET: secret, GOTRUE_API_PORT: '9999' });
    assert.equal(config.embedded, false);
    assert.equal(config.port, 9999);
    assert.equal(config.anonymousUsersEnabled, false, 'GoTrue default when a database URL is given');
    assert.equal(config.apiExternalUrl, 'http://localhost:9999/auth/v1');
    assert.deepEqual(config.jwtAdminRoles, ['service_role', 'supabase_admin']);
    assert.equal(config.jwtExpSeconds, 3600);
    assert.equal(loadConfig({ GOTRUE_DB_DATABASE_URL: 'postgresql://u@h/db', GOTRUE_JWT_SECRET: secret }).databaseUrl, 'postgresql://u@h/db');
    assert.equal(loadConfig({ GOTRUE_JWT_EXP: '0' }).jwtExpSeconds, 3600, 'GoTrue treats 0 as 3600');
    assert.ok(Object.isFrozen(loadConfig({})));
  });

  it('turns anonymous sign-ins on by default only in embedded mode', () => {
    assert.equal(loadConfig({}).anonymousUsersEnabled, true);
    assert.equal(loadConfig({ GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'false' }).anonymousUsersEnabled, false);
    assert.equal(loadConfig({ GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'true' }).anonymousUsersEnabled, true);
  });

  it('names the variable and what it accepts when a value is wrong, all problems at once', () => {
    const message = configError({
      GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'yes please',
      PORT: 'eighty',
      GOTRUE_SESSIONS_TIMEBOX: '3 days',
      DATABASE_URL: 'mysql://nope',
    });
    assert.match(message, /GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED must be true or false, got "yes please"/);
    assert.match(message, /PORT must be a whole number, got "eighty"/);
    assert.match(message, /GOTRUE_SESSIONS_TIMEBOX must be a duration such as 10s/);
    assert.match(message, /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/);
  });

  it('requires a strong JWT secret when running on PostgreSQL', () => {
    assert.match(configError({ DATABASE_URL: 'postgres://u@h/db' }), /GOTRUE_JWT_SECRET is required when DATABASE_URL is set/);
    assert.match(configError({ DATABASE_URL: 'postgres://u@h/db', GOTRUE_JWT_SECRET: 'short' }), /at least 32 characters/);
    assert.match(configError({ GOTRUE_JWT_KEYS: '{not json' }), /GOTRUE_JWT_KEYS must be a JSON array of JWKs/);
  });

  it('honours GoTrue\'s password step-up switches, off by default, and refuses custom reauthentication mails', () => {
    const defaults = loadConfig({});
    assert.equal(defaults.updatePasswordRequireReauthentication, false);
    assert.equal(defaults.updatePasswordRequireCurrentPassword, false);
    const on = loadConfig({
      GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION: 'true',
      GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_CURRENT_PASSWORD: '1',
      GOTRUE_MAILER_URLPATHS_REAUTHENTICATION: '/unused',
    });
    assert.equal(on.updatePasswordRequireReauthentication, true);
    assert.equal(on.updatePasswordRequireCurrentPassword, true);
    assert.equal(loadConfig({ GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION: '' }).updatePasswordRequireReauthentication, false);
    assert.match(
      configError({ GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION: 'sometimes' }),
      /GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION must be true or false, got "sometimes"/,
    );
    // Custom subjects and templates are served (test/api/mail-templates.test.ts); one that cannot be read stops the start.
    const custom = loadConfig({
      GOTRUE_MAILER_SUBJECTS_REAUTHENTICATION: '{{ .Token }} confirms it',
      GOTRUE_MAILER_TEMPLATES_REAUTHENTICATION: 'https://example.com/reauth.html',
      GOTRUE_MAILER_TEMPLATES_INVITE: '/templates/invite.html',
    });
    assert.equal(custom.mailerSubject_REAUTHENTICATION, '{{ .Token }} confirms it');
    assert.equal(custom.mailerTemplate_REAUTHENTICATION, 'https://example.com/reauth.html');
    assert.equal(custom.mailerTemplate_INVITE, '/templates/invite.html', 'a path on GOTRUE_SITE_URL, as GoTrue reads it');
    const bad = configError({
      GOTRUE_MAILER_SUBJECTS_RECOVERY: '{{ range .Data }}x{{ end }}',
      GOTRUE_MAILER_SUBJECTS_INVITE: '{{ .Token | printf "%s" }}',
      GOTRUE_MAILER_TEMPLATES_CONFIRMATION: 'ftp://example.com/t.html',
    });
    assert.match(bad, /GOTRUE_MAILER_SUBJECTS_RECOVERY: \{\{ range \}\} is not supported: \{\{ range \.Data \}\}/);
    assert.match(bad, /GOTRUE_MAILER_SUBJECTS_INVITE: pipelines \(\|\) are not supported/);
    assert.match(bad, /GOTRUE_MAILER_TEMPLATES_CONFIRMATION must be an http\(s\) URL of the template/);
  });

  it('parses Go durations', () => {
    assert.equal(parseDurationSeconds('X', '10s'), 10);
    assert.equal(parseDurationSeconds('X', '1h30m'), 5400);
    assert.equal(parseDurationSeconds('X', '250ms'), 0.25);
    assert.equal(parseDurationSeconds('X', '42'), 42);
    assert.throws(() => parseDurationSeconds('X', '10 s'), /X must be a duration/);
    assert.throws(() => parseDurationSeconds('X', 's'), /X must be a duration/);
  });

  it('reads .env files under the real environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'foyer-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'GOTRUE_SITE_URL=https://from-file.example\nPORT=1234\n');
    const env = readEnv({ PORT: '4321' }, [file]);
    assert.equal(env.GOTRUE_SITE_URL, 'https://from-file.example');
    assert.equal(env.PORT, '4321');
  });

  it('stops `foyer start` with exit code 2 and the variable named', () => {
    const result = spawnSync(process.execPath, [FOYER, 'start'], {
      env: { PATH: process.env.PATH, GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'yes please', FOYER_DATA_DIR: mkdtempSync(join(tmpdir(), 'foyer-')) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED must be true or false, got "yes please"/);
  });

  it('keeps docs/configuration.md identical to `foyer config --markdown`', () => {
    const generated = spawnSync(process.execPath, [FOYER, 'config', '--markdown'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(generated.status, 0, generated.stderr);
    const documented = readFileSync(resolve(import.meta.dirname, '../../docs/configuration.md'), 'utf8');
    assert.equal(documented, generated.stdout, 'regenerate with: node bin/foyer.js config --markdown > docs/configuration.md');
  });
});
