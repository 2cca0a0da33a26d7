/**
 * CAPTCHA verification. The built-in provider (altcha, src/security/captcha/altcha.ts) verifies locally;
 * hCaptcha and Turnstile as GoTrue does it: the token from `gotrue_meta_security.captcha_token` (trimmed),
 * a form POST of `secret`, `response` and `remoteip` to the provider's siteverify endpoint, and its
 * `{success, "error-codes"}` reply. Anything but a well-formed reply within the timeout (transport
 * error, timeout, non-2xx status, HTML, JSON without a boolean `success`) fails closed.
 */
import type { CaptchaProviderName } from '../../config/captcha-settings.js';
import { memoryClaimer, type Claim } from '../single-use.js';
import { createAltcha, type AltchaChallenge } from './altcha.js';
import { hcaptcha } from './hcaptcha.js';
import type { CaptchaProvider, SiteverifyReply } from './provider.js';
import { turnstile } from './turnstile.js';

export type { CaptchaProvider, SiteverifyReply } from './provider.js';

export const captchaProviders: Readonly<Record<'hcaptcha' | 'turnstile', CaptchaProvider>> = { hcaptcha, turnstile };

/** Longest token sent on to the provider (Turnstile's are at most 2048 characters, hCaptcha's a few KiB). */
export const MAX_CAPTCHA_TOKEN_LENGTH = 16 * 1024;

export interface CaptchaSettings {
  readonly captchaEnabled: boolean;
  readonly captchaProvider: CaptchaProviderName | undefined;
  readonly captchaSecret: string | undefined;
  readonly captchaTimeoutSeconds: number;
  readonly captchaVerifyUrl: string | undefined;
  readonly captchaScope: 'all' | 'anonymous';
  readonly altchaExpirySeconds: number;
  /** The project's public auth URL: whose challenges the built-in provider issues. */
  readonly apiExternalUrl: string;
}

export type CaptchaOutcome =
  | { readonly kind: 'passed' }
  /** The request carried no usable token: nothing was sent to the provider. */
  | { readonly kind: 'missing'; readonly reason: string }
  /** The provider said no; `codes` are its error-codes. */
  | { readonly kind: 'rejected'; readonly codes: readonly string[] }
  /** The provider could not give an answer: fail closed. `reason` is for logs, never for clients. */
  | { readonly kind: 'unavailable'; readonly reason: string };

export interface CaptchaVerifier {
  readonly enabled: boolean;
  readonly provider: CaptchaProviderName | undefined;
  readonly scope: 'all' | 'anonymous';
  /** The siteverify endpoint called (undefined when disabled). */
  readonly verifyUrl: string | undefined;
  /** Set when the secret is a provider test secret answered locally: what it does. */
  readonly testSecretBehaviour: string | undefined;
  /**
   * `token` is whatever the request carried at gotrue_meta_security.captcha_token. `difficulty`: the
   * least a built-in challenge must have had (other providers have none).
   */
  verify(token: unknown, remoteIp: string, difficulty?: number): Promise<CaptchaOutcome>;
  /** The built-in provider's next challenge (undefined for the other providers, or when disabled). */
  readonly issueChallenge: ((difficulty: number) => Promise<AltchaChallenge>) | undefined;
}

/** What the verifier needs besides settings: where the built-in provider marks solutions used. */
export interface CaptchaVerifierOptions {
  readonly claimOnce: Claim;
}

function tokenProblem(token: unknown): CaptchaOutcome | string {
  if (token === undefined || token === null) return { kind: 'missing', reason: 'no captcha_token found' };
  if (typeof token !== 'string') return { kind: 'missing', reason: 'captcha_token must be a string' };
  const response = token.trim();
  if (response === '') return { kind: 'missing', reason: 'no captcha_token found' };
  if (response.length > MAX_CAPTCHA_TOKEN_LENGTH) return { kind: 'missing', reason: 'captcha_token is too long' };
  return response;
}

function readReply(text: string): SiteverifyReply | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const { success, 'error-codes': codes, hostname } = parsed as Record<string, unknown>;
  if (typeof success !== 'boolean') return undefined;
  const errorCodes = Array.isArray(codes) ? codes.filter((code): code is string => typeof code === 'string') : [];
  return { success, 'error-codes': errorCodes, ...(typeof hostname === 'string' ? { hostname } : {}) };
}

async function siteverify(url: string, form: URLSearchParams, timeoutMs: number): Promise<SiteverifyReply | { failure: string }> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (response.status < 200 || response.status > 299) return { failure: `siteverify answered HTTP ${response.status}` };
    return readReply(text) ?? { failure: `siteverify answered something other than a JSON verdict: ${JSON.stringify(text.slice(0, 80))}` };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') return { failure: `siteverify gave no answer within ${timeoutMs} ms` };
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    return { failure: `siteverify request failed: ${(error as Error).message}${cause ? ` (${cause})` : ''}` };
  }
}

/** Without `options` (checks, tools), solutions are marked used in this process only. */
export function createCaptchaVerifier(settings: CaptchaSettings, options: CaptchaVerifierOptions = { claimOnce: memoryClaimer() }): CaptchaVerifier {
  const enabled = settings.captchaEnabled;
  if (enabled && settings.captchaProvider === 'altcha') return altchaVerifier(settings, options);
  const provider = settings.captchaProvider && settings.captchaProvider !== 'altcha' ? captchaProviders[settings.captchaProvider] : undefined;
  const secret = settings.captchaSecret ?? '';
  const verifyUrl = enabled && provider ? (settings.captchaVerifyUrl ?? provider.verifyUrl) : undefined;
  // Test secrets are answered locally only where Foyer would call the provider itself; a configured
  // FOYER_SECURITY_CAPTCHA_VERIFY_URL (a proxy, a test double) always gets the request.
  const testSecret = enabled && provider && !settings.captchaVerifyUrl ? provider.testSecrets[secret] : undefined;
  const timeoutMs = Math.max(1, Math.round(settings.captchaTimeoutSeconds * 1000));

  return {
    enabled,
    provider: enabled ? provider?.name : undefined,
    scope: settings.captchaScope,
    verifyUrl,
    testSecretBehaviour: testSecret?.behaviour,
    issueChallenge: undefined,
    async verify(token, remoteIp) {
      const response = tokenProblem(token);
      if (typeof response !== 'string') return response;
      if (!enabled || !verifyUrl) return { kind: 'unavailable', reason: 'CAPTCHA is not configured' };
      const reply = testSecret
        ? testSecret.reply(response)
        : await siteverify(verifyUrl, new URLSearchParams({ secret, response, remoteip: remoteIp }), timeoutMs);
      if ('failure' in reply) return { kind: 'unavailable', reason: reply.failure };
      return reply.success ? { kind: 'passed' } : { kind: 'rejected', codes: reply['error-codes'] };
    },
  };
}

/** The built-in provider: challenges issued and solutions verified here, no network call. */
function altchaVerifier(settings: CaptchaSettings, options: CaptchaVerifierOptions): CaptchaVerifier {
  const altcha = createAltcha(
    { secret: settings.captchaSecret ?? '', audience: settings.apiExternalUrl, expirySeconds: settings.altchaExpirySeconds },
    options.claimOnce,
  );
  return {
    enabled: true,
    provider: 'altcha',
    scope: settings.captchaScope,
    verifyUrl: undefined,
    testSecretBehaviour: undefined,
    issueChallenge: (difficulty) => altcha.issue(difficulty),
    async verify(token, _remoteIp, difficulty = 0) {
      const payload = tokenProblem(token);
      if (typeof payload !== 'string') return payload;
      const outcome = await altcha.verify(payload, difficulty);
      return outcome.kind === 'passed' ? { kind: 'passed' } : outcome;
    },
  };
}
