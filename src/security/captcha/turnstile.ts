/** Cloudflare Turnstile: its siteverify endpoint and its published dummy secret keys. */
import type { CaptchaProvider } from './provider.js';

export const TURNSTILE_TEST_SECRETS = {
  pass: '1x0000000000000000000000000000000AA',
  fail: '2x0000000000000000000000000000000AA',
  spent: '3x0000000000000000000000000000000AA',
} as const;

export const turnstile: CaptchaProvider = {
  name: 'turnstile',
  verifyUrl: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
  testSecrets: {
    [TURNSTILE_TEST_SECRETS.pass]: {
      behaviour: 'always passes',
      reply: () => ({ success: true, 'error-codes': [], hostname: 'example.com' }),
    },
    [TURNSTILE_TEST_SECRETS.fail]: {
      behaviour: 'always fails',
      reply: () => ({ success: false, 'error-codes': ['invalid-input-response'] }),
    },
    [TURNSTILE_TEST_SECRETS.spent]: {
      behaviour: 'always answers "token already spent"',
      reply: () => ({ success: false, 'error-codes': ['timeout-or-duplicate'] }),
    },
  },
};
