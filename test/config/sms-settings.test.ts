/** GOTRUE_SMS_* and the provider credentials: GoTrue's defaults, its leniencies, and what stops the start. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { configError } from '../helpers/config-error.js';

const FOYER = resolve(import.meta.dirname, '../../bin/foyer.js');

describe('SMS settings', () => {
  it('has GoTrue’s defaults, and reads 0 and out-of-range values as GoTrue does', () => {
    const config = loadConfig({});
    assert.equal(config.smsProvider, undefined);
    assert.equal(config.smsMaxFrequencySeconds, 60);
    assert.equal(config.smsOtpExpSeconds, 60);
    assert.equal(config.smsOtpLength, 6);
    assert.equal(config.smsTemplate, 'Your code is {{ .Code }}');
    assert.deepEqual(config.smsTestOtp, {});
    assert.deepEqual(config.rateLimitSmsSent, { limit: 30, windowSeconds: 3600 });
    assert.equal(config.smsProviderTimeoutSeconds, 10);
    const zeros = loadConfig({ GOTRUE_SMS_MAX_FREQUENCY: '0', GOTRUE_SMS_OTP_EXP: '0', GOTRUE_SMS_OTP_LENGTH: '0', GOTRUE_INTERNAL_HTTP_TIMEOUT: '0s' });
    assert.deepEqual(
      [zeros.smsMaxFrequencySeconds, zeros.smsOtpExpSeconds, zeros.smsOtpLength, zeros.smsProviderTimeoutSeconds],
      [60, 60, 6, 10],
    );
    assert.equal(loadConfig({ GOTRUE_SMS_OTP_LENGTH: '11' }).smsOtpLength, 6);
    assert.equal(loadConfig({ GOTRUE_SMS_OTP_LENGTH: '8' }).smsOtpLength, 8);
    assert.equal(loadConfig({ GOTRUE_SMS_MAX_FREQUENCY: '5s' }).smsMaxFrequencySeconds, 5);
    assert.deepEqual(loadConfig({ GOTRUE_RATE_LIMIT_SMS_SENT: '10/15m' }).rateLimitSmsSent, { limit: 10, windowSeconds: 900 });
  });

  it('reads test numbers in GoTrue’s stored form and their end in RFC 3339', () => {
    const config = loadConfig({ GOTRUE_SMS_TEST_OTP: '+1 555 000 1111:123456,15550002222:654321', GOTRUE_SMS_TEST_OTP_VALID_UNTIL: '2031-06-01T12:00:00+02:00' });
    assert.deepEqual(config.smsTestOtp, { '15550001111': '123456', '15550002222': '654321' });
    assert.equal(config.smsTestOtpValidUntil, '2031-06-01T10:00:00.000Z');
    assert.match(configError({ GOTRUE_SMS_TEST_OTP: '15550001111=123456' }), /GOTRUE_SMS_TEST_OTP must be phone:code pairs/);
    assert.match(configError({ GOTRUE_SMS_TEST_OTP: 'not-a-phone:123456' }), /GOTRUE_SMS_TEST_OTP must be phone:code pairs/);
    assert.match(configError({ GOTRUE_SMS_TEST_OTP_VALID_UNTIL: 'tomorrow' }), /GOTRUE_SMS_TEST_OTP_VALID_UNTIL must be an RFC 3339 time/);
  });

  it('takes templates with {{ .Code }} and refuses other template actions', () => {
    assert.equal(loadConfig({ GOTRUE_SMS_TEMPLATE: 'Code {{.Code}}' }).smsTemplate, 'Code {{.Code}}');
    assert.match(configError({ GOTRUE_SMS_TEMPLATE: 'Hi {{ .Name }}: {{ .Code }}' }), /GOTRUE_SMS_TEMPLATE may only use \{\{ \.Code \}\}/);
  });

  it('refuses an unknown provider, and a provider without its credentials, naming each missing variable', () => {
    assert.match(configError({ GOTRUE_SMS_PROVIDER: 'sinch' }), /GOTRUE_SMS_PROVIDER must be one of twilio, twilio_verify, messagebird, textlocal, vonage, got "sinch"/);
    const twilio = configError({ GOTRUE_SMS_PROVIDER: 'twilio', GOTRUE_SMS_TWILIO_ACCOUNT_SID: 'AC1' });
    assert.match(twilio, /GOTRUE_SMS_TWILIO_AUTH_TOKEN is required when GOTRUE_SMS_PROVIDER=twilio/);
    assert.match(twilio, /GOTRUE_SMS_TWILIO_MESSAGE_SERVICE_SID is required when GOTRUE_SMS_PROVIDER=twilio/);
    assert.doesNotMatch(twilio, /ACCOUNT_SID is required/);
    for (const [provider, variable] of [
      ['twilio_verify', 'GOTRUE_SMS_TWILIO_VERIFY_MESSAGE_SERVICE_SID'],
      ['messagebird', 'GOTRUE_SMS_MESSAGEBIRD_ORIGINATOR'],
      ['textlocal', 'GOTRUE_SMS_TEXTLOCAL_API_KEY'],
      ['vonage', 'GOTRUE_SMS_VONAGE_FROM'],
    ]) {
      assert.match(configError({ GOTRUE_SMS_PROVIDER: provider }), new RegExp(`${variable} is required when GOTRUE_SMS_PROVIDER=${provider}`));
    }
    const complete = loadConfig({ GOTRUE_SMS_PROVIDER: 'vonage', GOTRUE_SMS_VONAGE_API_KEY: 'k', GOTRUE_SMS_VONAGE_API_SECRET: 's', GOTRUE_SMS_VONAGE_FROM: 'Foyer' });
    assert.equal(complete.smsProvider, 'vonage');
  });

  it('stops `foyer start` with exit code 2 naming the missing credential', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'foyer-sms-settings-'));
    try {
      const result = spawnSync(process.execPath, [FOYER, 'start'], {
        env: { PATH: process.env.PATH, FOYER_DATA_DIR: dataDir, GOTRUE_SMS_PROVIDER: 'messagebird', GOTRUE_SMS_MESSAGEBIRD_ORIGINATOR: 'Foyer' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, /GOTRUE_SMS_MESSAGEBIRD_ACCESS_KEY is required when GOTRUE_SMS_PROVIDER=messagebird/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
