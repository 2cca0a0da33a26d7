/**
 * "Test secret": POSTs a dummy response token with the secret to the provider's siteverify (or the
 * given URL) and reads the verdict. A provider that accepts the secret can only complain about the
 * token (`invalid-input-response`); one that does not names the secret (`invalid-input-secret`).
 */
import { captchaProviders, type CaptchaVerifier } from '../security/captcha/verifier.js';
import { invalid } from './errors.js';

export interface CaptchaTestResult {
  readonly ok: boolean;
  readonly error_codes: string[];
  readonly detail: string;
}

const DUMMY_TOKEN = 'foyer-console-secret-check';
/** hCaptcha and Turnstile secrets are some 40 characters. */
const MAX_SECRET_LENGTH = 1024;
/** GoTrue's bound for the URLs it stores. */
const MAX_VERIFY_URL_LENGTH = 2048;
const SECRET_CODES = ['invalid-input-secret', 'missing-input-secret', 'sitekey-secret-mismatch', 'invalid-or-already-seen-secret'];

export async function testCaptchaSecret(input: {
  provider: unknown;
  secret: unknown;
  verifyUrl: unknown;
  timeoutMs?: number;
}): Promise<CaptchaTestResult> {
  if (input.provider !== 'hcaptcha' && input.provider !== 'turnstile') throw invalid('provider must be hcaptcha or turnstile');
  if (typeof input.secret !== 'string' || input.secret.trim() === '') throw invalid('secret is required');
  if (input.secret.length > MAX_SECRET_LENGTH) throw invalid(`secret must be at most ${MAX_SECRET_LENGTH} characters long`);
  const provider = captchaProviders[input.provider];
  let url = provider.verifyUrl;
  if (input.verifyUrl !== undefined && input.verifyUrl !== null && input.verifyUrl !== '') {
    if (typeof input.verifyUrl !== 'string' || !/^https?:\/\/[^\s]+$/i.test(input.verifyUrl)) throw invalid('verify_url must be an http(s) URL');
    if (input.verifyUrl.length > MAX_VERIFY_URL_LENGTH) throw invalid(`verify_url must be at most ${MAX_VERIFY_URL_LENGTH} characters long`);
    url = input.verifyUrl;
  }
  const secret = input.secret.trim();
  const local = url === provider.verifyUrl ? provider.testSecrets[secret] : undefined;
  if (local) {
    return { ok: true, error_codes: [], detail: `This is ${provider.name}'s published test secret: ${local.behaviour}` };
  }
  let status: number;
  let text: string;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ secret, response: DUMMY_TOKEN }).toString(),
      signal: AbortSignal.timeout(input.timeoutMs ?? 10_000),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    return { ok: false, error_codes: [], detail: `No answer from ${url}: ${(error as Error).message}${cause ? ` (${cause})` : ''}` };
  }
  let reply: { success?: unknown; 'error-codes'?: unknown };
  try {
    reply = JSON.parse(text) as typeof reply;
  } catch {
    return { ok: false, error_codes: [], detail: `${url} answered HTTP ${status} with something other than JSON` };
  }
  const codes = Array.isArray(reply['error-codes']) ? reply['error-codes'].filter((code): code is string => typeof code === 'string') : [];
  if (typeof reply.success !== 'boolean') return { ok: false, error_codes: codes, detail: `${url} answered HTTP ${status} without a verdict` };
  if (reply.success) return { ok: true, error_codes: codes, detail: 'The provider accepted the secret (and even the dummy token: a test secret?)' };
  if (codes.some((code) => SECRET_CODES.includes(code))) {
    return { ok: false, error_codes: codes, detail: 'The provider refused the secret: check that it is the secret key (not the site key) of this site' };
  }
  if (codes.some((code) => code.startsWith('invalid-input-response') || code === 'timeout-or-duplicate' || code === 'invalid-or-already-seen-response')) {
    return { ok: true, error_codes: codes, detail: 'The provider accepted the secret (it refused only the dummy token, as expected)' };
  }
  return { ok: false, error_codes: codes, detail: `The provider answered with ${codes.join(', ') || 'no error code'}` };
}

/**
 * "Solve once" for the built-in provider: the console's widget solved one of the project's challenges;
 * this verifies the solution as a sign-in would (signature, expiry, project, difficulty, single use),
 * without signing anyone in, and says how hard it was.
 */
export async function testAltchaSolution(captcha: CaptchaVerifier, token: unknown): Promise<CaptchaTestResult> {
  if (captcha.provider !== 'altcha') {
    return { ok: false, error_codes: [], detail: 'The built-in CAPTCHA is not in force: save it with CAPTCHA required first, then solve one' };
  }
  if (typeof token !== 'string' || token === '') throw invalid('token is required: the widget’s payload');
  const outcome = await captcha.verify(token, '', 0);
  if (outcome.kind === 'passed') {
    const difficulty = readDifficulty(token);
    return { ok: true, error_codes: [], detail: `Solved and verified${difficulty ? ` (difficulty ${difficulty})` : ''}: sign-ins with such a solution are admitted, each once` };
  }
  if (outcome.kind === 'missing') return { ok: false, error_codes: [], detail: outcome.reason };
  if (outcome.kind === 'rejected') return { ok: false, error_codes: [...outcome.codes], detail: `Refused: ${outcome.codes.join(', ')}` };
  return { ok: false, error_codes: [], detail: 'The check could not run (the store of used challenges failed)' };
}

function readDifficulty(token: string): number | undefined {
  try {
    const difficulty = JSON.parse(Buffer.from(token, 'base64').toString('utf8')).challenge.parameters.data.difficulty as unknown;
    return typeof difficulty === 'number' ? difficulty : undefined;
  } catch {
    return undefined;
  }
}
