/** GOTRUE_MFA_PHONE_*: GoTrue's defaults (off, 6 digits, 1m, its text), its leniencies, and what stops the start. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { configError } from '../helpers/config-error.js';

describe('phone MFA settings', () => {
  it('has GoTrue’s defaults: phone factors off, 6-digit codes, one a minute, "Your code is {{ .Code }}"', () => {
    const config = loadConfig({});
    assert.deepEqual(
      [config.mfaPhoneEnrollEnabled, config.mfaPhoneVerifyEnabled, config.mfaPhoneOtpLength, config.mfaPhoneMaxFrequencySeconds, config.mfaPhoneTemplate],
      [false, false, 6, 60, 'Your code is {{ .Code }}'],
    );
  });

  it('reads values as GoTrue does: lengths outside 6–10 are 6, a frequency of 0 is 1m, Go durations and seconds', () => {
    const config = loadConfig({
      GOTRUE_MFA_PHONE_ENROLL_ENABLED: 'true',
      GOTRUE_MFA_PHONE_VERIFY_ENABLED: '1',
      GOTRUE_MFA_PHONE_OTP_LENGTH: '10',
      GOTRUE_MFA_PHONE_MAX_FREQUENCY: '1m30s',
      GOTRUE_MFA_PHONE_TEMPLATE: 'Code: {{.Code}}',
    });
    assert.deepEqual(
      [config.mfaPhoneEnrollEnabled, config.mfaPhoneVerifyEnabled, config.mfaPhoneOtpLength, config.mfaPhoneMaxFrequencySeconds, config.mfaPhoneTemplate],
      [true, true, 10, 90, 'Code: {{.Code}}'],
    );
    assert.equal(loadConfig({ GOTRUE_MFA_PHONE_OTP_LENGTH: '5' }).mfaPhoneOtpLength, 6);
    assert.equal(loadConfig({ GOTRUE_MFA_PHONE_OTP_LENGTH: '11' }).mfaPhoneOtpLength, 6);
    assert.equal(loadConfig({ GOTRUE_MFA_PHONE_MAX_FREQUENCY: '0' }).mfaPhoneMaxFrequencySeconds, 60);
    assert.equal(loadConfig({ GOTRUE_MFA_PHONE_MAX_FREQUENCY: '5' }).mfaPhoneMaxFrequencySeconds, 5);
  });

  it('refuses what GoTrue would refuse, naming the variable; a template may only use {{ .Code }}', () => {
    assert.match(configError({ GOTRUE_MFA_PHONE_ENROLL_ENABLED: 'yes' }), /GOTRUE_MFA_PHONE_ENROLL_ENABLED must be true or false/);
    assert.match(configError({ GOTRUE_MFA_PHONE_OTP_LENGTH: 'six' }), /GOTRUE_MFA_PHONE_OTP_LENGTH/);
    assert.match(configError({ GOTRUE_MFA_PHONE_MAX_FREQUENCY: 'soon' }), /GOTRUE_MFA_PHONE_MAX_FREQUENCY must be a duration/);
    assert.match(configError({ GOTRUE_MFA_PHONE_TEMPLATE: 'Hi {{ .Phone }}: {{ .Code }}' }), /GOTRUE_MFA_PHONE_TEMPLATE may only use \{\{ \.Code \}\}/);
  });
});
