/**
 * Every GoTrue variable accounted for: a value that turns on a GoTrue feature Foyer lacks stops the
 * start (naming each variable and what to do), disabled values start, unknown GOTRUE_* names are
 * reported, and the registry agrees with the settings schema and with docs/configuration.md.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { gotrueVariable, gotrueVariables, unknownGotrueVariables } from '../../src/config/gotrue-variables.js';
import { loadConfig, MISSING_FEATURES_FOOTER } from '../../src/config/load.js';
import { settingsSchema } from '../../src/config/settings.js';
import { configError } from '../helpers/config-error.js';

const FOYER = resolve(import.meta.dirname, '../../bin/foyer.js');
const postgresEnv = { DATABASE_URL: 'postgres://u@h/db', GOTRUE_JWT_SECRET: 'x'.repeat(40) };

/** The variables a refusal message names, one per "  - NAME…" line. */
const named = (message: string): string[] =>
  message
    .split('\n')
    .filter((line) => line.startsWith('  - '))
    .map((line) => /^ {2}- ([A-Z0-9_]+)/.exec(line)?.[1] ?? line);

describe('GoTrue variables', () => {
  it('stops the start when values turn on GoTrue features Foyer lacks, naming every one and what to do', () => {
    const message = configError({
      ...postgresEnv,
      GOTRUE_HOOK_AFTER_USER_CREATED_ENABLED: 'true',
      GOTRUE_SMTP_HEADERS: '{"X-Test": ["1"]}',
      GOTRUE_EXPERIMENTAL_SCIM_ENABLED: 'true',
      GOTRUE_SECURITY_REFRESH_TOKEN_ALGORITHM_VERSION: '2',
      GOTRUE_SESSIONS_ALLOW_LOW_AAL: '1h',
    });
    assert.deepEqual(named(message).sort(), [
      'GOTRUE_EXPERIMENTAL_SCIM_ENABLED',
      'GOTRUE_HOOK_AFTER_USER_CREATED_ENABLED',
      'GOTRUE_SECURITY_REFRESH_TOKEN_ALGORITHM_VERSION',
      'GOTRUE_SESSIONS_ALLOW_LOW_AAL',
      'GOTRUE_SMTP_HEADERS',
    ]);
    assert.match(message, /GOTRUE_HOOK_AFTER_USER_CREATED_ENABLED=true asks for the after user created hook, which Foyer does not have: unset it or set it to false/);
    assert.match(message, /GOTRUE_SMTP_HEADERS \(set\) asks for extra headers on every mail, which Foyer does not have: unset it/);
    assert.match(message, /GOTRUE_SECURITY_REFRESH_TOKEN_ALGORITHM_VERSION=2 .*: unset it or set it to 1/);
    assert.doesNotMatch(message, /twilio/, 'values of variables refused when set (they may be secrets) are not repeated');
    assert.match(message, /GOTRUE_SESSIONS_ALLOW_LOW_AAL=1h asks for limiting how long aal1 sessions of MFA users live.*: unset it or set it to 0/);
    assert.ok(message.endsWith(MISSING_FEATURES_FOOTER), 'the message points at docs/configuration.md');
  });

  it('starts when those features are off: false, empty, unset, or only their inert companions set', () => {
    const config = loadConfig({
      ...postgresEnv,
      GOTRUE_HOOK_CUSTOM_ACCESS_TOKEN_ENABLED: 'false',
      GOTRUE_HOOK_CUSTOM_ACCESS_TOKEN_URI: 'pg-functions://postgres/public/custom_access_token_hook',
      GOTRUE_HOOK_SEND_EMAIL_ENABLED: '',
      GOTRUE_MFA_PHONE_ENROLL_ENABLED: 'f',
      GOTRUE_MFA_MAX_ENROLLED_FACTORS: '10',
      GOTRUE_MFA_TOTP_ENROLL_ENABLED: 'true',
      GOTRUE_SESSIONS_ALLOW_LOW_AAL: '0',
      GOTRUE_EXTERNAL_VERCEL_MARKETPLACE_ENABLED: 'false',
      GOTRUE_EXTERNAL_VERCEL_MARKETPLACE_CLIENT_ID: 'client',
      GOTRUE_HOOK_AFTER_USER_CREATED_ENABLED: 'false',
      GOTRUE_SMS_PROVIDER: '  ',
      GOTRUE_SMS_TWILIO_AUTH_TOKEN: 'token',
      GOTRUE_SECURITY_REFRESH_TOKEN_ALGORITHM_VERSION: '1',
      GOTRUE_MAILER_OTP_LENGTH: '6',
      GOTRUE_EXTERNAL_FLOW_STATE_EXPIRY_DURATION: '300s',
      GOTRUE_DB_MAX_POOL_SIZE: '50',
      GOTRUE_TRACING_ENABLED: 'true',
    });
    assert.equal(config.embedded, false);
    assert.equal(loadConfig({ GOTRUE_SECURITY_REFRESH_TOKEN_ALGORITHM_VERSION: '0' }).embedded, true);
  });

  it('refuses values GoTrue itself would refuse in those variables, naming them', () => {
    assert.match(configError({ GOTRUE_SAML_ENABLED: 'maybe' }), /GOTRUE_SAML_ENABLED must be true or false, got "maybe"/);
    assert.match(configError({ GOTRUE_SECURITY_REFRESH_TOKEN_ALGORITHM_VERSION: '3' }), /GOTRUE_SECURITY_REFRESH_TOKEN_ALGORITHM_VERSION must be 0, 1 or 2, got 3/);
    assert.match(configError({ GOTRUE_MAILER_OTP_LENGTH: '8' }), /GOTRUE_MAILER_OTP_LENGTH=8 asks for mailed codes longer than 6 digits.*set it to 6/);
    assert.match(configError({ GOTRUE_EXTERNAL_FLOW_STATE_EXPIRY_DURATION: '10m' }), /GOTRUE_EXTERNAL_FLOW_STATE_EXPIRY_DURATION=10m asks for OAuth and PKCE flows longer than 5 minutes/);
  });

  it('stops `foyer start` with exit code 2 and the list', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'foyer-gotrue-vars-'));
    try {
      const result = spawnSync(process.execPath, [FOYER, 'start'], {
        env: { PATH: process.env.PATH, FOYER_DATA_DIR: dataDir, GOTRUE_EXPERIMENTAL_SCIM_ENABLED: 'true', GOTRUE_HOOK_AFTER_USER_CREATED_ENABLED: 'true' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, /GOTRUE_EXPERIMENTAL_SCIM_ENABLED=true asks for SCIM provisioning/);
      assert.match(result.stderr, /GOTRUE_HOOK_AFTER_USER_CREATED_ENABLED=true asks for/);
      assert.match(result.stderr, /docs\/configuration\.md/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('names GOTRUE_* variables neither GoTrue nor Foyer reads, and only those', () => {
    const unknown = unknownGotrueVariables({
      GOTRUE_SITE_URL: 'http://localhost:3000',
      GOTRUE_SITEURL: 'typo',
      GOTRUE_EXTERNAL_SAML_ENABLED: 'true', // an old GoTrue's name
      GOTRUE_API_EXTERNAL_URL: 'http://localhost:8000', // Foyer's alias
      GOTRUE_EXTERNAL_SKIP_NONCE_CHECK: 'true', // Supabase's compose file
      GOTRUE_MFA_WEB_AUTHN_ENROLL_ENABLED: 'false',
      FOYER_SOMETHING: 'x',
      PORT: '9999',
    });
    assert.deepEqual(unknown, ['GOTRUE_EXTERNAL_SAML_ENABLED', 'GOTRUE_SITEURL']);
  });

  it('has every variable Foyer reads under a GoTrue name as honoured, and reads every honoured one', () => {
    const schemaNames = new Set(Object.values(settingsSchema).flatMap((definition) => definition.env));
    for (const name of schemaNames) {
      const variable = gotrueVariable(name);
      if (name.startsWith('GOTRUE_')) assert.ok(variable, `${name} is read by Foyer but missing from the registry`);
      if (variable) assert.equal(variable.status, 'honoured', `${name} is read by Foyer, so it is honoured`);
    }
    for (const variable of gotrueVariables.filter((candidate) => candidate.status === 'honoured')) {
      assert.ok(schemaNames.has(variable.name), `${variable.name} is marked honoured but settingsSchema does not read it`);
    }
  });

  it('follows GoTrue’s naming: nested prefixes, split words and bare names of tagged fields', () => {
    for (const name of [
      'GOTRUE_API_API_EXTERNAL_URL', 'API_EXTERNAL_URL', 'GOTRUE_DB_DB_NAMESPACE', 'DB_NAMESPACE', 'GOTRUE_DB_DATABASE_URL', 'DATABASE_URL',
      'GOTRUE_API_PORT', 'PORT', 'REQUEST_ID_HEADER', 'RP_ID', 'SECRETS', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'GOTRUE_EXTERNAL_REDIRECTURL',
      'GOTRUE_MFA_WEB_AUTHN_VERIFY_ENABLED', 'GOTRUE_RATE_LIMIT_O_AUTH_DYNAMIC_CLIENT_REGISTER', 'GOTRUE_RELOADING_POLLERENABLED',
      'GOTRUE_EXTERNAL_LINKEDIN_OIDC_ENABLED', 'GOTRUE_EXTERNAL_X_ENABLED', 'GOTRUE_EXTERNAL_VERCEL_MARKETPLACE_SKIP_NONCE_CHECK',
      'GOTRUE_HOOK_BEFORE_USER_CREATED_SECRETS', 'GOTRUE_SMS_TWILIO_VERIFY_AUTH_TOKEN', 'GOTRUE_INTERNAL_HTTP_TIMEOUT', 'GOTRUE_LOG_TSFORMAT',
    ]) {
      assert.ok(gotrueVariable(name), `${name} is read by GoTrue`);
    }
    assert.equal(gotrueVariables.filter((variable) => !variable.readByGoTrue).length, 4, 'only the aliases Foyer adds are not GoTrue names');
  });

  it('gives each inert variable the variable that turns its feature on, and each refusal a rule', () => {
    for (const variable of gotrueVariables) {
      assert.ok(variable.status === 'honoured' || variable.note, `${variable.name} says why it is ${variable.status}`);
      if (variable.refuse) assert.equal(variable.status, 'not_supported', `${variable.name}: only missing features stop the start`);
      if (variable.status !== 'not_supported' || variable.refuse) continue;
      const mentioned = variable.note.match(/\bGOTRUE_[A-Z0-9_]+\b(?!\*)/g) ?? [];
      const patterns = variable.note.match(/GOTRUE_[A-Z0-9_]*\*/g) ?? [];
      assert.ok(mentioned.length + patterns.length > 0 || /Foyer/.test(variable.note), `${variable.name} says which variable turns its feature on`);
      for (const name of mentioned) assert.ok(gotrueVariable(name), `${variable.name}'s note names ${name}, which is not in the registry`);
    }
  });

  it('keeps docs/configuration.md’s table of GoTrue variables in step with the registry', () => {
    const documented = readFileSync(resolve(import.meta.dirname, '../../docs/configuration.md'), 'utf8');
    const section = documented.slice(documented.indexOf("## GoTrue's variables"));
    const rows = [...section.matchAll(/^\| `([A-Z0-9_]+)` \| (honoured|not applicable|not supported) \| ([^|]*) \|/gm)];
    const statuses = { honoured: 'honoured', 'not applicable': 'not_applicable', 'not supported': 'not_supported' } as const;
    assert.deepEqual(
      rows.map(([, name, status, stops]) => [name, statuses[status as keyof typeof statuses], stops.trim() !== '']),
      gotrueVariables.map((variable) => [variable.name, variable.status, Boolean(variable.refuse)]),
      'regenerate with: node bin/foyer.js config --markdown > docs/configuration.md',
    );
  });
});
