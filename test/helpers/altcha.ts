/** The ALTCHA widget's part, in Node: fetch a challenge from Foyer, solve it, and build the widget's payload. */
import { createChallenge, solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ALTCHA_ALGORITHM, ALTCHA_COST } from '../../src/security/captcha/altcha.js';

/** A signing key long enough for GOTRUE_SECURITY_CAPTCHA_SECRET with the built-in provider. */
export const ALTCHA_SECRET = 'altcha-test-signing-key-0123456789abcdef';

export const altchaEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  GOTRUE_SECURITY_CAPTCHA_ENABLED: 'true',
  GOTRUE_SECURITY_CAPTCHA_PROVIDER: 'altcha',
  GOTRUE_SECURITY_CAPTCHA_SECRET: ALTCHA_SECRET,
  // Small enough to solve in a test in a few milliseconds.
  FOYER_SECURITY_ALTCHA_DIFFICULTY: '200',
  FOYER_SECURITY_ALTCHA_MAX_DIFFICULTY: '2000',
  ...extra,
});

export async function fetchChallenge(app: FastifyInstance, path = '/auth/v1/captcha/challenge'): Promise<Challenge> {
  const response = await app.inject({ method: 'GET', url: path });
  if (response.statusCode !== 200) throw new Error(`GET ${path}: ${response.statusCode} ${response.body}`);
  return response.json() as Challenge;
}

/** What the widget puts in its hidden field (and an app passes as captchaToken). */
export const payloadOf = (challenge: Challenge, solution: { counter: number; derivedKey: string }): string =>
  Buffer.from(JSON.stringify({ challenge: { parameters: challenge.parameters, signature: challenge.signature }, solution })).toString('base64');

export async function solve(challenge: Challenge): Promise<string> {
  const solution = await solveChallenge({ challenge, deriveKey, timeout: 60_000 });
  if (!solution) throw new Error('no solution found');
  return payloadOf(challenge, solution);
}

/** Fetches a challenge and solves it: a token Foyer admits once. */
export async function solvedToken(app: FastifyInstance, path?: string): Promise<string> {
  return solve(await fetchChallenge(app, path));
}

/** A challenge signed with `secret` as Foyer signs them, with chosen expiry, audience and difficulty. */
export async function craftChallenge(options: { secret?: string; aud: string; difficulty: number; expiresAt?: number }): Promise<Challenge> {
  const secret = options.secret ?? ALTCHA_SECRET;
  return createChallenge({
    algorithm: ALTCHA_ALGORITHM,
    cost: ALTCHA_COST,
    counter: Math.ceil(options.difficulty / 2),
    deriveKey,
    expiresAt: options.expiresAt ?? Math.floor(Date.now() / 1000) + 600,
    data: { aud: options.aud, difficulty: options.difficulty },
    hmacSignatureSecret: secret,
    hmacKeySignatureSecret: createHmac('sha256', secret).update('foyer altcha derived-key signature').digest('hex'),
  });
}
