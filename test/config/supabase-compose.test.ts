/**
 * Supabase's self-hosting compose file, as an operator runs it with Foyer in GoTrue's place: its
 * active auth environment starts, and each commented-out group, once uncommented, is either honoured
 * (and applied) or stops the start naming exactly the variables that turn on a feature Foyer lacks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { providerRegistry } from '../../src/auth/oauth/providers.js';
import { gotrueVariable } from '../../src/config/gotrue-variables.js';
import { ConfigError, loadConfig, type Config } from '../../src/config/load.js';
import { SUPABASE_COMPOSE_AUTH_COMMENTED_OUT_GROUPS as groups, type CommentedOutGroup } from '../fixtures/supabase-compose-auth-commented-out.js';
import { SUPABASE_COMPOSE_AUTH_COMMENTED_OUT, SUPABASE_COMPOSE_AUTH_ENV } from '../fixtures/supabase-compose-auth-env.js';

/** What `foyer start` checks before serving: the configuration and the OAuth providers it enables. */
function start(env: Readonly<Record<string, string>>): { config: Config } | { refused: string[]; message: string } {
  try {
    const config = loadConfig(env);
    providerRegistry(config);
    return { config };
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    const refused = error.message
      .split('\n')
      .filter((line) => line.startsWith('  - '))
      .map((line) => /^ {2}- ([A-Z0-9_]+)/.exec(line)?.[1] ?? line);
    return { refused: refused.sort(), message: error.message };
  }
}

function started(env: Readonly<Record<string, string>>): Config {
  const outcome = start(env);
  assert.ok('config' in outcome, `refused:\n${'message' in outcome ? outcome.message : ''}`);
  return outcome.config;
}

/** Each group once uncommented as the files write it: what Foyer does with it. */
const expected: Record<CommentedOutGroup, readonly string[] | ((config: Config) => void)> = {
  nonceCheck: (config) => assert.equal(config.externalSkipNonceCheck, true),
  secureEmailChange: (config) => assert.equal(config.mailerSecureEmailChangeEnabled, true),
  smtpMaxFrequency: (config) => assert.equal(config.smtpMaxFrequencySeconds, 1),
  google: (config) => assert.deepEqual(providerRegistry(config).names, ['google']),
  github: (config) => assert.deepEqual(providerRegistry(config).names, ['github']),
  azure: (config) => assert.deepEqual(providerRegistry(config).names, ['azure']),
  // The provider without its credentials (they are the next group): each missing one is named.
  sms: ['GOTRUE_SMS_TWILIO_ACCOUNT_SID', 'GOTRUE_SMS_TWILIO_AUTH_TOKEN', 'GOTRUE_SMS_TWILIO_MESSAGE_SERVICE_SID'],
  twilio: (config) => assert.equal(config.smsTwilioAccountSid, 'AC00000000000000000000000000000000', 'credentials alone send nothing'),
  testOtp: (config) => assert.deepEqual(config.smsTestOtp, { '15551234567': '123456' }),
  mfa: (config) => {
    assert.equal(config.mfaTotpEnrollEnabled, true);
    assert.equal(config.mfaTotpVerifyEnabled, true);
    assert.equal(config.mfaMaxEnrolledFactors, 10);
  },
  customAccessTokenHook: (config) => {
    assert.equal(config.customAccessTokenHookEnabled, true);
    assert.deepEqual(config.customAccessTokenHookUri, {
      kind: 'postgres',
      uri: 'pg-functions://postgres/public/custom_access_token_hook',
      functionSql: '"public"."custom_access_token_hook"',
    });
  },
  mfaVerificationAttemptHook: (config) => {
    assert.equal(config.mfaVerificationAttemptHookEnabled, true);
    assert.equal(config.mfaVerificationAttemptHookUri?.kind, 'postgres');
  },
  passwordVerificationAttemptHook: (config) => assert.equal(config.passwordVerificationAttemptHookUri?.kind, 'postgres'),
  sendSmsHook: (config) => assert.equal(config.smsAutoconfirm, true, 'written with ENABLED "false": nothing to refuse'),
  sendEmailHook: (config) => assert.equal(config.smtpHost, 'supabase-mail', 'written with ENABLED "false": nothing to refuse'),
};

describe("Supabase's compose file, auth service, with Foyer", () => {
  it('sends SMS through Twilio with the SMS and Twilio groups uncommented together', () => {
    const config = started({ ...SUPABASE_COMPOSE_AUTH_ENV, ...groups.sms, ...groups.twilio });
    assert.equal(config.smsProvider, 'twilio');
    assert.equal(config.smsMaxFrequencySeconds, 60);
  });

  it('starts with the active environment of a fresh install, every variable read as GoTrue reads it', () => {
    const config = started(SUPABASE_COMPOSE_AUTH_ENV);
    assert.equal(config.port, 9999);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.apiExternalUrl, 'http://localhost:8000');
    assert.equal(config.mailerUrlPathConfirmation, '/auth/v1/verify');
    assert.equal(config.smtpSenderName, 'fake_sender');
    assert.deepEqual(config.jwtAdminRoles, ['service_role']);
    for (const name of Object.keys(SUPABASE_COMPOSE_AUTH_ENV)) assert.equal(gotrueVariable(name)?.status, 'honoured', name);
  });

  it('covers every commented-out line of the block', () => {
    const grouped = Object.values(groups).flatMap((group) => Object.keys(group));
    assert.deepEqual([...grouped].sort(), [...SUPABASE_COMPOSE_AUTH_COMMENTED_OUT].sort());
  });

  for (const [group, outcome] of Object.entries(expected) as [CommentedOutGroup, (typeof expected)[CommentedOutGroup]][]) {
    it(`${group}, uncommented: ${typeof outcome === 'function' ? 'honoured' : `refused (${outcome.join(', ')})`}`, () => {
      const result = start({ ...SUPABASE_COMPOSE_AUTH_ENV, ...groups[group] });
      if (typeof outcome === 'function') {
        assert.ok('config' in result, `refused:\n${'message' in result ? result.message : ''}`);
        outcome(result.config);
      } else {
        assert.ok('refused' in result, 'expected the start to stop');
        assert.deepEqual(result.refused, [...outcome].sort());
      }
    });
  }

  it('refuses each switch the file writes as false once it is turned on, and agrees with the registry everywhere', () => {
    for (const [group, values] of Object.entries(groups) as [CommentedOutGroup, Readonly<Record<string, string>>][]) {
      const outcome = expected[group];
      for (const [name, value] of Object.entries(values)) {
        const variable = gotrueVariable(name);
        assert.ok(variable, `${name} is in the registry`);
        const on = value === 'false' ? 'true' : value;
        const refused = new Set(typeof outcome === 'function' ? [] : outcome);
        if (variable.refuse) refused.add(name);
        const result = start({ ...SUPABASE_COMPOSE_AUTH_ENV, ...values, [name]: on });
        if (refused.size > 0) assert.deepEqual('refused' in result && result.refused, [...refused].sort(), `${name}=${on} in group ${group}`);
        else assert.ok('config' in result, `${name}=${on} is ${variable.status}, so group ${group} starts`);
      }
    }
  });

  it('starts with every group uncommented at once: Google, GitHub and Azure sign-in, SMS through Twilio', () => {
    const everything = Object.assign({}, SUPABASE_COMPOSE_AUTH_ENV, ...Object.values(groups)) as Record<string, string>;
    // Together, the Twilio group completes the SMS group; no other group asks for what Foyer lacks.
    const refusals = Object.entries(expected).filter(([group, outcome]) => typeof outcome !== 'function' && group !== 'sms');
    assert.deepEqual(refusals, []);
    const config = started(everything);
    assert.deepEqual([...providerRegistry(config).names].sort(), ['azure', 'github', 'google']);
    assert.equal(config.smsProvider, 'twilio');
  });
});
