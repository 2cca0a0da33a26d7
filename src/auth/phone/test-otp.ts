/** GOTRUE_SMS_TEST_OTP: fixed codes for test numbers, until GOTRUE_SMS_TEST_OTP_VALID_UNTIL. */
import type { Config } from '../../config/load.js';

export function testOtpFor(config: Config, phone: string, now = Date.now()): string | undefined {
  if (config.smsTestOtpValidUntil !== undefined && now >= Date.parse(config.smsTestOtpValidUntil)) return undefined;
  return Object.hasOwn(config.smsTestOtp, phone) ? config.smsTestOtp[phone] : undefined;
}
