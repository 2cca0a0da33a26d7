/** hCaptcha: https://hcaptcha.com/siteverify and its published test key set. */
import type { CaptchaProvider } from './provider.js';

/** The passcode hCaptcha's test sitekey (10000000-ffff-ffff-ffff-000000000001) always issues. */
export const HCAPTCHA_TEST_PASSCODE = '10000000-aaaa-bbbb-cccc-000000000001';
export const HCAPTCHA_TEST_SECRET = '0x0000000000000000000000000000000000000000';

export const hcaptcha: CaptchaProvider = {
  name: 'hcaptcha',
  verifyUrl: 'https://hcaptcha.com/siteverify',
  testSecrets: {
    [HCAPTCHA_TEST_SECRET]: {
      behaviour: `accepts the test passcode ${HCAPTCHA_TEST_PASSCODE} (what the test sitekey issues), refuses any other token`,
      reply: (token) =>
        token === HCAPTCHA_TEST_PASSCODE
          ? { success: true, 'error-codes': [], hostname: 'dummy-key-pass' }
          : { success: false, 'error-codes': ['not-using-dummy-passcode'] },
    },
  },
};
